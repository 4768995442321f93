"""The studio graph with an asset library (ADR 0240): ``plan -> assets`` and ``assets``
expands into the shots. The ``assets`` node's params carry the library's fingerprint for the
run's project (ADR 0244): an unchanged library is a cache hit, a changed one matches again.
A shot showing a matched character or place renders with
``studio.frame_assets`` after the ``asset.<entity_id>`` nodes of exactly those assets (their
content's sha256 is in its params), so a changed choice re-runs only those shots, their clips
and segments, and the composition; a matched music track replaces the generated bed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nexus.contracts.graph import NodeSpec
from nexus.contracts.studio import EntityPack, ShotPlan
from nexus.studio.asset_skills import MatchOut
from nexus.studio.matching import MUSIC_ENTITY, EntityMatch, MatchRule
from nexus.workers.video.shot import cast_of

Expander = Callable[[NodeSpec, dict[str, Any], dict[str, Any]], list[NodeSpec]]
ASSETS_NODE = "assets"


def asset_node_key(entity_id: str) -> str:
    return f"asset.{entity_id}"


def with_matching(
    nodes: list[NodeSpec], run: dict[str, Any], rule: MatchRule, library: str
) -> list[NodeSpec]:
    """The library variant of the graph: the plan's expansion moves to the ``assets`` node;
    ``library`` is ``AssetLibrary.fingerprint`` of the run's project."""
    out: list[NodeSpec] = []
    for node in nodes:
        if node.key == "plan":
            out.append(node.model_copy(update={"expand": None}))
        elif node.key == "final":
            out.append(
                node.model_copy(update={"after": ["plan", ASSETS_NODE], "gather": ASSETS_NODE})
            )
        else:
            out.append(node)
    params = {
        "pins": dict(run.get("asset_pins") or {}),
        "rejects": {k: list(v) for k, v in (run.get("asset_rejects") or {}).items()},
        "rule": rule.model_dump(mode="json"),
        "library": library,  # what the searches can see: a changed library re-matches
    }
    match = NodeSpec(key=ASSETS_NODE, skill="studio.match_assets", params=params,
                     after=["plan"], expand="studio.expand_matched")  # fmt: skip
    return [*out[:-1], match, out[-1]] if out and out[-1].key == "final" else [*out, match]


def chosen(matches: list[EntityMatch]) -> dict[str, EntityMatch]:
    return {m.entity_id: m for m in matches if m.chosen is not None}


def shot_assets(shot: ShotPlan, pack: EntityPack, picks: dict[str, EntityMatch]) -> list[str]:
    """The entity ids whose library asset this shot shows (cast drawn, then the place)."""
    ids = [c.entity_id for c in cast_of(shot, pack) if c.entity_id in picks]
    return ids + ([shot.place_id] if shot.place_id and shot.place_id in picks else [])


def make_expander(expand_shots: Expander) -> Expander:
    def expand_matched(
        parent: NodeSpec, output: dict[str, Any], run: dict[str, Any]
    ) -> list[NodeSpec]:
        matched = MatchOut.model_validate(output)
        nodes = expand_shots(parent, matched.plan, run)
        picks = chosen(matched.matches)
        pack = EntityPack.model_validate(matched.plan["pack"])
        used: set[str] = set()
        result: list[NodeSpec] = []
        for node in nodes:
            if node.key.endswith(".frame"):
                node = _frame(node, pack, picks, used)
            elif node.key == "music" and MUSIC_ENTITY in picks:
                node = _music(node, picks[MUSIC_ENTITY])
                used.add(MUSIC_ENTITY)
            result.append(node)
        fetch = [_fetch(picks[e]) for e in sorted(used)]
        return [*fetch, *result]

    return expand_matched


def _fetch(m: EntityMatch) -> NodeSpec:
    assert m.chosen is not None
    return NodeSpec(key=asset_node_key(m.entity_id), skill="studio.asset",
                    params={"asset_id": m.chosen.asset_id, "kind": m.chosen.kind,
                            "sha256": m.chosen.sha256})  # fmt: skip


def _frame(
    node: NodeSpec, pack: EntityPack, picks: dict[str, EntityMatch], used: set[str]
) -> NodeSpec:
    shot = ShotPlan.model_validate(node.params["shot"])
    ids = shot_assets(shot, pack, picks)
    if not ids:
        return node
    used.update(ids)
    params = {k: v for k, v in node.params.items() if k != "engine"}
    params["portraits"] = {e: asset_node_key(e) for e in ids if e != shot.place_id}
    params["backdrop_key"] = asset_node_key(shot.place_id) if shot.place_id in ids else None
    params["asset_sha256s"] = [_sha(picks[e]) for e in ids]
    keys = [asset_node_key(e) for e in ids]
    return NodeSpec(key=node.key, skill="studio.frame_assets", params=params,
                    after=[*node.after, *keys])  # fmt: skip


def _music(node: NodeSpec, m: EntityMatch) -> NodeSpec:
    params = {"duration_s": node.params["duration_s"], "asset_key": asset_node_key(MUSIC_ENTITY),
              "sha256": _sha(m)}  # fmt: skip
    return NodeSpec(key="music", skill="studio.music_asset", params=params,
                    after=[asset_node_key(MUSIC_ENTITY)])  # fmt: skip


def _sha(m: EntityMatch) -> str:
    assert m.chosen is not None
    return m.chosen.sha256 or m.chosen.asset_id
