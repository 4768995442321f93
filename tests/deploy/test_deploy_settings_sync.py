"""deploy/ stays in step with nexus.core.settings: every NEXUS_* name is a real settings field,
and every Nexus process in compose and Kubernetes gets the cluster URLs and loads its settings.

Unknown NEXUS_* variables are silently ignored by pydantic-settings, so only this test would
notice a renamed field.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from deploy_support import (
    CLUSTER_URL_SCHEMES,
    DEPLOY_DIR,
    DOCKERFILE,
    KUBE_DIR,
    REAL_LOOKING_JWT_SECRET,
    find_objects,
    load_settings_from_env,
    load_yaml,
    pod_spec,
    render_overlay,
)
from kustomize_render import Obj
from pydantic import BaseModel

from nexus.core.settings import Settings

NEXUS_NAME = re.compile(r"\bNEXUS_[A-Z0-9_]*[A-Z0-9]\b")
# Read by the settings sources directly rather than as a field.
SOURCE_VARIABLES = frozenset({"NEXUS_SETTINGS_FILE"})
# Used by deploy/ ahead of the settings field that will carry it (the lead adds it to Settings;
# test_pending_settings_exist then starts passing, xfail_strict fails, and the entry goes).
PENDING_FIELDS: dict[str, str] = {}


def resolve_setting(name: str) -> tuple[str, ...]:
    """Map NEXUS_A__B to the settings path ('a', 'b'); raise KeyError if no leaf field exists."""
    if not name.startswith("NEXUS_"):
        raise KeyError(name)
    parts = tuple(part.lower() for part in name.removeprefix("NEXUS_").split("__"))
    model: type[BaseModel] = Settings
    for index, part in enumerate(parts):
        field = model.model_fields.get(part)
        if field is None:
            raise KeyError(f"{name}: no field {part!r} in {model.__name__}")
        annotation = field.annotation
        section = annotation if isinstance(annotation, type) else None
        is_section = section is not None and issubclass(section, BaseModel)
        last = index == len(parts) - 1
        if section is not None and issubclass(section, BaseModel) and not last:
            model = section
        elif is_section or not last:
            raise KeyError(f"{name}: {part!r} is {'a section' if is_section else 'a leaf'}")
    return parts


def deploy_text_files() -> list[Path]:
    files = [DOCKERFILE, *(p for p in DEPLOY_DIR.rglob("*") if p.is_file())]
    return [p for p in files if p.suffix != ".json"]


def nexus_names_in_deploy() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in deploy_text_files():
        for name in NEXUS_NAME.findall(path.read_text()):
            found.setdefault(name, set()).add(str(path.relative_to(DEPLOY_DIR.parent)))
    return found


def test_resolver_accepts_fields_and_rejects_everything_else() -> None:
    assert resolve_setting("NEXUS_DATABASE__URL") == ("database", "url")
    assert resolve_setting("NEXUS_GATEWAY__JWT_SECRET") == ("gateway", "jwt_secret")
    assert resolve_setting("NEXUS_LOG_FORMAT") == ("log_format",)
    for wrong in ("NEXUS_DATABASE", "NEXUS_DATABASE__URLS", "NEXUS_DATABASE_URL", "NEXUS_ENV__X"):
        with pytest.raises(KeyError):
            resolve_setting(wrong)


def test_every_nexus_variable_in_deploy_is_a_settings_field() -> None:
    found = nexus_names_in_deploy()
    assert len(found) >= 15
    unknown = {
        name: sorted(files)
        for name, files in found.items()
        if name not in SOURCE_VARIABLES | PENDING_FIELDS.keys() and not safe_resolve(name)
    }
    assert unknown == {}


def safe_resolve(name: str) -> bool:
    try:
        resolve_setting(name)
    except KeyError:
        return False
    return True


def test_pending_settings_exist() -> None:
    assert all(safe_resolve(name) for name in PENDING_FIELDS)
    assert safe_resolve("NEXUS_METRICS_PORT")


def pod_environment(workload: Obj, config_maps: dict[str, Obj], secret: Obj) -> dict[str, str]:
    env: dict[str, str] = {}
    for source in pod_spec(workload)["containers"][0].get("envFrom", []):
        if "configMapRef" in source:
            env.update(config_maps[source["configMapRef"]["name"]]["data"])
        if "secretRef" in source:
            assert source["secretRef"]["name"] == secret["metadata"]["name"]
            env.update(secret["stringData"])
    for item in pod_spec(workload)["containers"][0].get("env", []):
        env[item["name"]] = item["value"]
    return env


def overlay_environments(overlay: str) -> dict[str, dict[str, str]]:
    objects = render_overlay(overlay)
    secrets = find_objects(objects, "Secret")
    if not secrets:
        template = load_yaml(KUBE_DIR / "base" / "secret.template.yaml")
        secrets = {template["metadata"]["name"]: template}
    (secret,) = secrets.values()
    config_maps = find_objects(objects, "ConfigMap")
    workloads = {**find_objects(objects, "Deployment"), **find_objects(objects, "Job")}
    return {name: pod_environment(w, config_maps, secret) for name, w in workloads.items()}


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_every_pod_gets_the_cluster_urls(overlay: str) -> None:
    environments = overlay_environments(overlay)
    assert set(environments) == {"api", "orchestrator", "worker-cpu", "worker-gpu", "migrate"}
    for name, env in environments.items():
        for key, scheme in CLUSTER_URL_SCHEMES.items():
            assert env.get(key, "").startswith(scheme), (overlay, name, key)


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_every_pod_environment_loads_as_settings(
    overlay: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, env in overlay_environments(overlay).items():
        if overlay == "prod":
            # The template's placeholder would be refused, as it should be; a real one loads.
            env["NEXUS_GATEWAY__JWT_SECRET"] = REAL_LOOKING_JWT_SECRET
        settings = load_settings_from_env(env, monkeypatch)
        assert not settings.is_embedded, (overlay, name)
        assert settings.env == ("development" if overlay == "dev" else "production")
        assert settings.gateway.port == 8000
        assert str(settings.data_dir) == "/var/lib/nexus"


def test_secret_template_is_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    env = overlay_environments("prod")["api"]
    with pytest.raises(ValueError, match="jwt_secret"):
        load_settings_from_env(env, monkeypatch)
