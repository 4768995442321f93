"""The studio in the image: a node stage builds web/dist from the lockfile, only the api
target carries it (and points the gateway at it), and the context excludes local builds."""

from __future__ import annotations

from deploy_support import REPO_ROOT
from test_deploy_dockerfile import dockerignore_rules, stages_by_name


def test_a_node_stage_builds_the_studio_from_its_lockfile() -> None:
    web = stages_by_name()["web"]
    assert web.base.startswith("node:20")
    copies = web.find("COPY")
    assert copies[0] == "web/package.json web/package-lock.json ./"  # npm ci cached apart
    runs = web.find("RUN")
    assert "npm ci" in runs[0] and runs[-1] == "npm run build"
    assert "docs/openapi.json /src/docs/openapi.json" in copies  # gen:api reads ../docs


def test_only_the_api_serves_the_studio() -> None:
    stages = stages_by_name()
    assert stages["api"].find("COPY") == ["--from=web /src/web/dist /opt/nexus/web"]
    assert "NEXUS_GATEWAY__WEB_DIR=/opt/nexus/web" in " ".join(stages["api"].find("ENV"))
    for other in ("runtime", "orchestrator", "worker"):
        assert not [c for c in stages[other].find("COPY") if "--from=web" in c], other


def test_local_builds_and_modules_stay_out_of_the_context() -> None:
    rules = dockerignore_rules()
    for rule in ("web/node_modules", "web/dist", "web/e2e/artifacts"):
        assert rule in rules
    assert (REPO_ROOT / "web" / "package-lock.json").is_file()
