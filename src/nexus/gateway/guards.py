"""Request guards every route gets from the app (routes added later included): the body's
media type must be one the operation accepts (415), and ``If-Match`` on a route that keeps
no ETags is refused (412) rather than ignored. Facts per route are computed once."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, FastAPI, Request, params
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.gateway.preconditions import IF_MATCH_HEADER

JSON = "application/json"
MULTIPART = "multipart/form-data"
URLENCODED = "application/x-www-form-urlencoded"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class RouteFacts:
    """What a route accepts: body media types (empty: no body) and whether it keeps ETags."""

    media_types: tuple[str, ...]
    if_match: bool

    def accepts(self, content_type: str) -> bool:
        media = content_type.split(";", 1)[0].strip().lower()
        if (
            JSON in self.media_types
            and media.startswith("application/")
            and (media == JSON or media.endswith("+json"))
        ):
            return True
        return media in self.media_types


def _walk(dependant: Dependant) -> list[Dependant]:
    found = [dependant]
    for sub in dependant.dependencies:
        found.extend(_walk(sub))
    return found


def route_facts(route: APIRoute) -> RouteFacts:
    every = _walk(route.dependant)
    headers = {(f.alias or f.name).lower() for d in every for f in d.header_params}
    bodies = [f for d in every for f in d.body_params]
    media: tuple[str, ...] = ()
    if bodies:
        infos = [f.field_info for f in bodies]
        if any(isinstance(i, params.File) for i in infos):
            media = (MULTIPART,)
        elif any(isinstance(i, params.Form) for i in infos):
            media = (MULTIPART, URLENCODED)
        else:
            media = (JSON,)
    return RouteFacts(media_types=media, if_match=IF_MATCH_HEADER.lower() in headers)


def _facts_of(request: Request) -> RouteFacts | None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return None
    known: dict[int, RouteFacts] = request.app.state.route_facts  # routes live with the app
    facts = known.get(id(route))
    if facts is None:
        facts = known[id(route)] = route_facts(route)
    return facts


def install(app: FastAPI) -> None:
    """Before the routers are included: every route then carries the guard."""
    app.state.route_facts = {}
    app.router.dependencies.append(Depends(guard_request))


async def guard_request(request: Request) -> None:
    """An app-wide dependency (async: sync ones cost a thread hop). Safe methods pass at once."""
    if request.method not in UNSAFE:
        return
    facts = _facts_of(request)
    if facts is None:
        return
    content_type = request.headers.get("content-type")
    if facts.media_types and content_type and not facts.accepts(content_type):
        raise NexusError(
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            f"send the body as {' or '.join(facts.media_types)}, not {content_type}",
        )
    if_match = request.headers.get(IF_MATCH_HEADER)
    if if_match is not None and not facts.if_match and if_match.strip() != "*":
        raise NexusError(
            ErrorCode.PRECONDITION_FAILED,
            "this resource keeps no ETags, so If-Match cannot match (send only If-Match: *)",
        )
