"""The registration shape every offline engine shares: a CPU skill run on a thread (the heavy
work releases the GIL, and a process-pool child would import everything again first) and
retried once. Each engine's ``skills.py`` gives only what is its own."""

from __future__ import annotations

from functools import partial

from nexus.core.registry import RetryPolicy, Skill

ENGINE_RETRY = RetryPolicy(max_attempts=2)

# ``Skill`` with the shared fields bound: every other field of ``Skill`` stays available
# (and type-checked) to the engine that needs it.
engine_skill = partial(Skill, resource_class="cpu", executor="thread", retry=ENGINE_RETRY)
