"""The gateway's per-app state: the platform it fronts plus its own credential helpers."""

from __future__ import annotations

from dataclasses import dataclass, field

from nexus.core.settings import Settings
from nexus.gateway.security import Passwords, TokenIssuer
from nexus.platform import Platform


@dataclass
class Gateway:
    """Built once by the app factory; routes reach it through ``deps.gateway``."""

    settings: Settings
    platform: Platform
    issuer: TokenIssuer
    passwords: Passwords
    # key_id -> monotonic time of the last ``last_used_at`` write (throttles that write).
    key_touched: dict[str, float] = field(default_factory=dict)
    # The operator tenant's id once known (it never changes while the process runs).
    operator_tenant_id: str | None = None

    @property
    def rate_window_s(self) -> float:
        return 10.0

    @property
    def rate_limit(self) -> int:
        """Requests per ``rate_window_s``, from the per-minute setting."""
        return max(1, self.settings.gateway.rate_limit_per_minute // 6)
