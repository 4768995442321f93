"""Node cache keys: hash(skill, version, canonical params, variant, upstream keys).

Upstream *keys* (not output hashes) feed the key, so regenerating a node changes the key of
every descendant and re-runs exactly them, while an unchanged node anywhere (this run or an
earlier one) is a cache hit (ComfyUI's caching rule; see docs/architecture.md).
"""

from __future__ import annotations

from typing import Any

from nexus.core.ids import canonical_json, sha256_hex


def compute_cache_key(
    *,
    skill: str,
    skill_version: str,
    params: dict[str, Any],
    variant: int,
    upstream: list[tuple[str, str]],
) -> str:
    """``upstream`` is (node_key, cache_key) of every data dependency, in any order."""
    material = {
        "skill": skill,
        "version": skill_version,
        "params": params,
        "variant": variant,
        "upstream": sorted(upstream),
    }
    return sha256_hex(canonical_json(material))


def job_key(job: Any, upstream: list[tuple[str, str]]) -> str:
    """The cache key of a job row (skill, version, params, variant) given its upstream keys."""
    return compute_cache_key(
        skill=job.skill,
        skill_version=job.skill_version,
        params=job.params,
        variant=job.variant,
        upstream=upstream,
    )


def compute_output_hash(output: dict[str, Any]) -> str:
    return sha256_hex(canonical_json(output))
