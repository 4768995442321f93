"""The runner: schemas checked on both sides, the example skills run in their sandboxes."""

from __future__ import annotations

from pathlib import Path

import pytest

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.core.settings import SandboxSettings
from nexus.sandbox.limits import limits_for
from nexus.sandbox.manifest import parse_manifest, skill_digest
from nexus.sandbox.runner import SandboxRunner
from nexus.sandbox.schemas import StoredSkill

EXAMPLES = Path(__file__).resolve().parents[2] / "examples/skills"
CUES = {"cues": [{"start_s": 0.0, "end_s": 1.5, "text": "hello, 世界"}]}


def example(folder: str, manifest: str, source: str) -> StoredSkill:
    m = parse_manifest((EXAMPLES / folder / manifest).read_bytes())
    src = (EXAMPLES / folder / source).read_bytes()
    return StoredSkill(tenant_id="t", manifest=m, source=src, digest=skill_digest(m, src))


def test_the_python_example_upper_cases_the_cues(runner: SandboxRunner) -> None:
    skill = example("uppercase-subtitles", "manifest.yaml", "main.py")
    out = runner.run(skill, CUES)
    assert out.output == {"cues": [{"start_s": 0.0, "end_s": 1.5, "text": "HELLO, 世界"}]}


def test_the_js_example_shouts(runner: SandboxRunner) -> None:
    out = runner.run(example("shout-js", "manifest.json", "main.js"), CUES)
    assert out.output["cues"][0]["text"] == "HELLO, 世界!"


def test_input_is_checked_against_the_schema(runner: SandboxRunner) -> None:
    skill = example("uppercase-subtitles", "manifest.yaml", "main.py")
    with pytest.raises(NexusError) as caught:
        runner.run(skill, {"cues": [{"start_s": -1, "end_s": 1, "text": "x"}]})
    assert caught.value.code == ErrorCode.INVALID_INPUT
    assert "cues/0/start_s" in caught.value.fields


def test_output_is_checked_against_the_schema(runner: SandboxRunner) -> None:
    m = parse_manifest((EXAMPLES / "uppercase-subtitles/manifest.yaml").read_bytes())
    src = b"def main(d):\n    return {'cues': 'not a list'}\n"
    skill = StoredSkill(tenant_id="t", manifest=m, source=src, digest="d")
    with pytest.raises(NexusError) as caught:
        runner.run(skill, CUES)
    assert caught.value.code == ErrorCode.INVALID_OUTPUT


def test_a_user_exception_is_a_crash_with_its_message(runner: SandboxRunner) -> None:
    m = parse_manifest({"name": "boom", "version": "1", "language": "python"})
    skill = StoredSkill(tenant_id="t", manifest=m, source=b"def main(d):\n    1 / 0\n", digest="d")
    with pytest.raises(NexusError) as caught:
        runner.run(skill, {})
    assert caught.value.code == ErrorCode.SANDBOX_CRASHED
    assert "ZeroDivisionError" in caught.value.detail
    assert not caught.value.retryable


def test_limits_are_the_manifest_capped_by_the_platform() -> None:
    m = parse_manifest(
        {"name": "x", "version": "1", "language": "python",
         "permissions": {"cpu_time_s": 600, "memory_mb": 64, "max_output_bytes": 10}}
    )  # fmt: skip
    limits = limits_for(m.permissions, SandboxSettings(max_wall_s=5, max_memory_mb=512))
    assert (limits.wall_s, limits.memory_bytes, limits.output_bytes) == (5, 64 << 20, 10)
