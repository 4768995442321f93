"""Optimistic concurrency over HTTP: ETags from record versions, the ``If-Match`` header
parsed into a ``Precondition`` that update commands check against the row they change."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import Header

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError

# RFC 9110: "*" or a list of entity tags (weak ones never match: If-Match compares strongly).
IF_MATCH_PATTERN = r'^(\*|(W/)?"[\x21\x23-\x7e]*"([ \t]*,[ \t]*(W/)?"[\x21\x23-\x7e]*")*)$'
_TAG = re.compile(r'(W/)?"([\x21\x23-\x7e]*)"')
IF_MATCH_HEADER = "If-Match"

IfMatchHeader = Annotated[
    str | None,
    Header(
        alias=IF_MATCH_HEADER,
        max_length=1000,
        pattern=IF_MATCH_PATTERN,
        description="Apply the change only if the object's current ETag is listed "
        "(412 otherwise); take the ETag from the last GET or PATCH.",
    ),
]


def etag(version: int) -> str:
    """The strong ETag of a record version."""
    return f'"{version}"'


@dataclass(frozen=True)
class Precondition:
    """What ``If-Match`` demands of the current version (None: no header, anything goes)."""

    header: str | None = None

    def holds(self, version: int) -> bool:
        if self.header is None or self.header.strip() == "*":
            return True
        return any(weak is None and tag == str(version) for weak, tag in _tags(self.header))

    def check(self, version: int) -> None:
        if not self.holds(version):
            raise NexusError(
                ErrorCode.PRECONDITION_FAILED,
                f"If-Match {self.header} does not match the current ETag {etag(version)}",
            )


def _tags(header: str) -> list[tuple[str | None, str]]:
    return [(m.group(1), m.group(2)) for m in _TAG.finditer(header)]
