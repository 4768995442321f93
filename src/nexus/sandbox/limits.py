"""A run's limits: the manifest's declared permissions, capped by the platform's maxima."""

from __future__ import annotations

from dataclasses import dataclass

from nexus.contracts.governance import SkillPermissions
from nexus.core.settings import SandboxSettings


@dataclass(frozen=True)
class Limits:
    wall_s: float = 10.0
    memory_bytes: int = 256 << 20
    output_bytes: int = 1 << 20
    pids: int = 16
    cpu_s: int = 10


def limits_for(permissions: SkillPermissions, settings: SandboxSettings) -> Limits:
    wall = min(permissions.cpu_time_s, settings.max_wall_s)
    return Limits(
        wall_s=wall,
        memory_bytes=min(permissions.memory_mb, settings.max_memory_mb) << 20,
        output_bytes=min(permissions.max_output_bytes, settings.max_output_bytes),
        pids=settings.native_max_pids,
        cpu_s=max(1, int(wall + 0.999)),
    )
