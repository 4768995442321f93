"""The skill registry: published specs (schemas, permissions, category, digest), immutable
versions, and the catalogue of built-in and user skills."""

from __future__ import annotations

from nexus.skills.catalogue import NoUserSkills, SkillCatalogue, UserSkillSource
from nexus.skills.spec import code_identity, spec_of
from nexus.skills.versions import record_specs

__all__ = [
    "NoUserSkills",
    "SkillCatalogue",
    "UserSkillSource",
    "code_identity",
    "record_specs",
    "spec_of",
]
