"""Entity core: characters, places and props with merged aliases, stable ids and continuity."""

from nexus.entity_core.extract import extract_entities

__all__ = ["extract_entities"]
