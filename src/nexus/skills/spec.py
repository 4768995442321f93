"""A registered skill as the registry publishes it (``SkillSpec``) and its digest.

The digest is the sha256 of the canonical JSON of what a caller relies on: the input and
output schemas, the permissions, the version, the resource class, the executor and the code
identity (the handler's and compensation's import path). Two processes that agree on the
digest run the same contract; a (name, version) whose digest changed is a skill edited
without a new version (ADR 0200).
"""

from __future__ import annotations

from typing import Any

from nexus.contracts.governance import SkillSpec
from nexus.core.ids import canonical_json, sha256_hex
from nexus.core.registry import Skill


def code_identity(handler: Any) -> str:
    """``module:qualname`` of a handler (a bound method: its class's; a partial: its func's).
    Not the source text: a reformatted or commented function keeps its contract, and the
    bytecode differs between the interpreters of a rolling upgrade."""
    if handler is None:
        return ""
    target = getattr(handler, "__func__", None) or getattr(handler, "func", None) or handler
    module = getattr(target, "__module__", None) or type(target).__module__
    name = getattr(target, "__qualname__", None) or type(target).__qualname__
    return f"{module}:{name}"


def schemas_of(skill: Skill) -> tuple[dict[str, Any], dict[str, Any]]:
    return (
        skill.input_model.model_json_schema(mode="validation"),
        skill.output_model.model_json_schema(mode="serialization"),
    )


def digest_of(spec: SkillSpec, *, executor: str, code: str) -> str:
    body = {
        "name": spec.name,
        "version": spec.version,
        "input_schema": spec.input_schema,
        "output_schema": spec.output_schema,
        "permissions": spec.permissions.model_dump(mode="json"),
        "resource_class": spec.resource_class,
        "category": spec.category,
        "executor": executor,
        "code": code,
    }
    return sha256_hex(canonical_json(body))


def spec_of(skill: Skill) -> SkillSpec:
    """The built-in ``skill``'s published spec, digest included."""
    input_schema, output_schema = schemas_of(skill)
    spec = SkillSpec(
        name=skill.name,
        version=skill.version,
        category=skill.category,
        origin="builtin",
        description=skill.description,
        resource_class=skill.resource_class,
        pool=skill.queue_pool,
        capability=skill.capability,
        input_schema=input_schema,
        output_schema=output_schema,
        permissions=skill.permissions,
    )
    code = f"{code_identity(skill.handler)}|{code_identity(skill.compensate)}"
    return spec.model_copy(update={"digest": digest_of(spec, executor=skill.executor, code=code)})
