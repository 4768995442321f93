"""Module 06, the model router: which provider, model and pool runs a task (DispatchDecision).

It owns the provider registry, per-model profiles, one adapter per vendor wire format,
provider health and failover, and ``ModelClient``, the one way callers reach a model.
It decides and calls; it never orchestrates. ``build_client`` wires it from the settings.
"""

from nexus.model_router.build import build_client
from nexus.model_router.client import ModelClient

__all__ = ["ModelClient", "build_client"]
