"""The registration shape every offline engine shares: a CPU skill run on a thread (the heavy
work releases the GIL, and a process-pool child would import everything again first) and
retried once. Each engine's ``skills.py`` gives only what is its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from nexus.core.registry import RetryPolicy, Skill

ENGINE_RETRY = RetryPolicy(max_attempts=2)


def engine_skill(
    *,
    name: str,
    version: str,
    input_model: type[BaseModel],
    output_model: type[BaseModel],
    handler: Callable[..., Any],
    timeout_s: float,
    description: str,
) -> Skill:
    return Skill(
        name=name,
        version=version,
        input_model=input_model,
        output_model=output_model,
        handler=handler,
        resource_class="cpu",
        executor="thread",
        retry=ENGINE_RETRY,
        timeout_s=timeout_s,
        description=description,
    )
