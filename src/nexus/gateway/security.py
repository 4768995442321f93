"""Credentials: argon2 password hashes, JWT access tokens, refresh tokens, API keys, and
HMAC-signed download tokens; plus the role -> scope table and the JWT secret policy.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.core.settings import PLACEHOLDER_SECRETS, Settings

Role = Literal["admin", "editor", "viewer", "approver"]
ROLES: tuple[Role, ...] = ("admin", "editor", "viewer", "approver")
SCOPES = (
    "projects:read",
    "projects:write",
    "runs:read",
    "runs:write",
    "artifacts:read",
    "keys:manage",
    "approvals:decide",
    "admin",
)
# Deciding approval requests: approvers and admins (ADR 0215).
APPROVALS_DECIDE = "approvals:decide"
# Listing and revoking API keys; every role manages its own keys (ADR 0151).
KEYS_MANAGE = "keys:manage"
_READ = frozenset(s for s in SCOPES if s.endswith(":read")) | {KEYS_MANAGE}
_WRITE = frozenset(s for s in SCOPES if s.endswith(":write"))
ROLE_SCOPES: dict[str, frozenset[str]] = {
    "viewer": _READ,
    "editor": _READ | _WRITE,
    "approver": _READ | {APPROVALS_DECIDE},
    "admin": frozenset(SCOPES),
}
API_KEY_PREFIX = "nxk_"
REFRESH_PREFIX = "nxr_"
SECRET_FILE = "gateway-jwt-secret"
ALGORITHM = "HS256"
_UNAUTHENTICATED = NexusError(ErrorCode.UNAUTHENTICATED)
# Verified access tokens remembered per process: HMAC + JSON parsing is ~0.1 ms a request.
VERIFIED_CACHE_SIZE = 10_000


def sha256_token(token: str) -> str:
    """High-entropy tokens need no slow hash: sha256 makes a stolen table useless."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_api_key() -> tuple[str, str]:
    """(the key shown once, its display prefix)."""
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    return key, key[:12]


def new_refresh_token() -> str:
    return REFRESH_PREFIX + secrets.token_urlsafe(32)


class Passwords:
    """argon2id hashing, run off the event loop (a hash takes tens of milliseconds)."""

    def __init__(self) -> None:
        self._hasher = PasswordHasher()
        # Verifying against a real hash for unknown emails keeps timing uniform.
        self._dummy = self._hasher.hash(secrets.token_hex(16))

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        return await asyncio.to_thread(self._verify, password_hash or self._dummy, password)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    tenant_id: str
    role: str
    session_id: str
    expires_at: int
    # The membership version the token was issued at (claim ``mv``; ADR 0150).
    membership_version: int = 0


class TokenIssuer:
    """HS256 access tokens and HMAC download tokens from one secret (separate derived keys)."""

    def __init__(self, secret: str, *, access_ttl_s: int, issuer: str = "nexus") -> None:
        self._key = hmac.new(secret.encode(), b"nexus.access", hashlib.sha256).digest()
        self._download_key = hmac.new(secret.encode(), b"nexus.download", hashlib.sha256).digest()
        self.access_ttl_s = access_ttl_s
        self.issuer = issuer
        self._verified: dict[str, AccessClaims] = {}

    def issue_access(
        self,
        *,
        user_id: str,
        tenant_id: str,
        role: str,
        session_id: str,
        membership_version: int = 0,
    ) -> str:
        now = int(time.time())
        claims = {
            "sub": user_id,
            "tid": tenant_id,
            "role": role,
            "sid": session_id,
            "mv": membership_version,
            "iat": now,
            "exp": now + self.access_ttl_s,
            "iss": self.issuer,
            "typ": "access",
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def read_access(self, token: str) -> AccessClaims:
        """Verify a token; a verified token's claims are memoised (expiry still checked)."""
        known = self._verified.get(token)
        if known is not None:
            if known.expires_at > time.time():
                return known
            del self._verified[token]
        claims = self._decode(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = claims
        return claims

    def _decode(self, token: str) -> AccessClaims:
        try:
            c: dict[str, Any] = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                issuer=self.issuer,
                options={"require": ["exp", "sub", "tid", "sid"]},
            )
        except jwt.PyJWTError:
            raise _UNAUTHENTICATED from None
        if c.get("typ") != "access" or c.get("role") not in ROLE_SCOPES:
            raise _UNAUTHENTICATED
        version = c.get("mv", 0)
        return AccessClaims(c["sub"], c["tid"], c["role"], c["sid"], int(c["exp"]), int(version))

    def sign_download(self, payload: str, expires_at: int) -> str:
        message = f"{payload}|{expires_at}".encode()
        return hmac.new(self._download_key, message, hashlib.sha256).hexdigest()

    def check_download(self, payload: str, expires_at: int, signature: str) -> bool:
        if expires_at < time.time():
            return False
        expected = self.sign_download(payload, expires_at).encode()
        return hmac.compare_digest(expected, signature.encode())


def resolve_jwt_secret(settings: Settings) -> str:
    """The configured secret; in development/test without one, a per-data-dir random file.

    Outside development and test a missing or placeholder secret refuses to start.
    """
    secret = settings.gateway.jwt_secret.get_secret_value()
    if secret and secret not in PLACEHOLDER_SECRETS:
        if settings.env == "production" and len(secret) < 32:
            raise NexusError(ErrorCode.CONFIG_INVALID, "gateway.jwt_secret needs 32+ characters")
        return secret
    if settings.env not in ("development", "test"):
        raise NexusError(
            ErrorCode.CONFIG_INVALID,
            "set NEXUS_GATEWAY__JWT_SECRET to a random 32+ character secret",
        )
    return _read_or_create_secret(settings.data_dir / SECRET_FILE)


def _read_or_create_secret(path: Path) -> str:
    """Write a fresh secret to a 0600 temp file, then link it into place: concurrent starters
    agree on whichever link won, and nobody ever reads a half-written file."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_urlsafe(48))
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()
