"""Module 06, the model router: which provider, model and pool runs a task (DispatchDecision).

It owns the provider registry, per-model profiles, one adapter per vendor wire format,
provider health and failover. It decides and calls; it never orchestrates.
"""
