"""Identifiers and time: time-ordered ids with a readable prefix, UTC-aware clocks."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import uuid6


def new_id(prefix: str) -> str:
    """``run_0192…``: a UUIDv7 (time-ordered, so indexes stay append-mostly) with a prefix."""
    return f"{prefix}_{uuid6.uuid7().hex}"


def utcnow() -> datetime:
    return datetime.now(UTC)


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no whitespace, UTF-8 kept. The basis of every hash."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()
