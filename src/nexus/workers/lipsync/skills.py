"""Registers the lip-sync skills (``lipsync.animate``) on a registry."""

from __future__ import annotations

from nexus.core.registry import Registry, media_permissions
from nexus.workers.lipsync.handlers import LipsyncInput, LipsyncOutput, animate_mouth
from nexus.workers.registration import engine_skill


def register(registry: Registry) -> None:
    # "thread": a few mouth shapes are drawn once and reused; the rest is piping frames to
    # x264, which releases the GIL (a process pool child would re-import everything first).
    registry.add_skill(
        engine_skill(
            name="lipsync.animate",
            version="2",  # 2: a neutral frame for the narrator's moments (ADR 0115)
            input_model=LipsyncInput,
            output_model=LipsyncOutput,
            handler=animate_mouth,
            timeout_s=300.0,
            capability="lipsync",
            category="lipsync",
            permissions=media_permissions(assets=True, network=True),
            description="Mouth animation from the speech envelope, encoded frame-accurately.",
        )
    )
