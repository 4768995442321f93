"""Registers the lip-sync skills (``lipsync.animate``) on a registry."""

from __future__ import annotations

from nexus.core.registry import Registry, RetryPolicy, Skill
from nexus.workers.lipsync.handlers import LipsyncInput, LipsyncOutput, animate_mouth


def register(registry: Registry) -> None:
    # "thread": a few mouth shapes are drawn once and reused; the rest is piping frames to
    # x264, which releases the GIL (a process pool child would re-import everything first).
    registry.add_skill(
        Skill(
            name="lipsync.animate",
            version="2",  # 2: a neutral frame for the narrator's moments (ADR 0115)
            input_model=LipsyncInput,
            output_model=LipsyncOutput,
            handler=animate_mouth,
            resource_class="cpu",
            executor="thread",
            retry=RetryPolicy(max_attempts=2),
            timeout_s=300.0,
            capability="lipsync",
            description="Mouth animation from the speech envelope, encoded frame-accurately.",
        )
    )
