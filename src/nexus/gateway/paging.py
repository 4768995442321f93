"""Cursor parameters of list endpoints: a page's ``next`` is the id of its last item, so a
cursor that is not an id of that kind is refused (422), never answered with an empty page."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

CURSOR_HELP = "The ``next`` value of the previous page."


def id_pattern(prefix: str) -> str:
    """Ids are ``<prefix>_<uuid7 hex>`` (``nexus.core.ids.new_id``)."""
    return rf"^{prefix}_[0-9a-f]{{32}}$"


RunCursor = Annotated[str | None, Query(pattern=id_pattern("run"), description=CURSOR_HELP)]
ProjectCursor = Annotated[str | None, Query(pattern=id_pattern("prj"), description=CURSOR_HELP)]
StoryCursor = Annotated[str | None, Query(pattern=id_pattern("sty"), description=CURSOR_HELP)]
