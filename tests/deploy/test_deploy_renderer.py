"""The kustomize renderer: each supported feature behaves as kustomize v5 does, the rest is refused.

When a real kubectl is on PATH (or $KUBECTL), the overlays are also compared object by object
with `kubectl kustomize` (this machine has one: Debian's google-cloud-cli, kustomize v5.5.0).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml
from deploy_support import KUBE_DIR, render_overlay
from kustomize_render import KustomizeError, object_id, render_kustomization

BASE_RESOURCES = """\
apiVersion: v1
kind: Namespace
metadata:
  name: app
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: config
data:
  MODE: base
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: web:1.0
        - name: sidecar
          image: registry.local:5000/tools/sidecar
"""


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


@pytest.fixture
def base_and_overlay(tmp_path: Path) -> Path:
    write_tree(
        tmp_path,
        {
            "base/kustomization.yaml": """\
                namespace: app
                labels:
                  - pairs: {team: nexus}
                resources: [resources.yaml]
                """,
            "base/resources.yaml": BASE_RESOURCES,
            "overlay/kustomization.yaml": """\
                namespace: app-dev
                resources: [../base]
                replicas:
                  - {name: web, count: 3}
                images:
                  - {name: web, newName: registry.example.com/web, newTag: "2.0"}
                  - {name: registry.local:5000/tools/sidecar, newTag: v7}
                patches:
                  - target: {kind: ConfigMap, name: config}
                    patch: |-
                      - {op: replace, path: /data/MODE, value: dev}
                      - {op: add, path: /data/EXTRA, value: "1"}
                  - target: {kind: Deployment, name: web}
                    path: remove-selector-label.yaml
                """,
            "overlay/remove-selector-label.yaml": """\
                - {op: add, path: /spec/template/spec/containers/-, value: {name: x, image: x}}
                - {op: remove, path: /spec/template/spec/containers/2}
                """,
        },
    )
    return tmp_path / "overlay"


def test_overlay_applies_every_supported_feature(base_and_overlay: Path) -> None:
    objects = {o["kind"]: o for o in render_kustomization(base_and_overlay)}
    assert objects["Namespace"]["metadata"] == {"name": "app-dev", "labels": {"team": "nexus"}}
    assert "namespace" not in objects["Namespace"]["metadata"]
    config = objects["ConfigMap"]
    assert config["metadata"]["namespace"] == "app-dev"
    assert config["data"] == {"MODE": "dev", "EXTRA": "1"}
    web = objects["Deployment"]
    assert web["spec"]["replicas"] == 3
    assert web["metadata"]["labels"] == {"team": "nexus"}
    # metadata-only labels: selectors and pod templates stay as written
    assert web["spec"]["selector"]["matchLabels"] == {"app": "web"}
    images = [c["image"] for c in web["spec"]["template"]["spec"]["containers"]]
    assert images == ["registry.example.com/web:2.0", "registry.local:5000/tools/sidecar:v7"]


@pytest.mark.parametrize(
    ("kustomization", "message"),
    [
        ("resources: [../outside.yaml]", "not in or below"),
        ("resources: [r.yaml]\nnamePrefix: x-", "unsupported fields"),
        ("resources: [r.yaml]\nlabels: [{pairs: {a: b}, includeSelectors: true}]", "labels"),
        (
            "resources: [r.yaml]\npatches: [{target: {kind: ConfigMap, name: nope}, "
            "patch: '[{op: remove, path: /data}]'}]",
            "matches no resource",
        ),
        (
            "resources: [r.yaml]\npatches: [{target: {kind: ConfigMap, name: c}, "
            "patch: 'data: {a: b}'}]",
            "JSON 6902",
        ),
        (
            "resources: [r.yaml]\npatches: [{target: {kind: ConfigMap, name: c}, "
            "patch: '[{op: replace, path: /data/missing, value: 1}]'}]",
            "missing member",
        ),
        ("resources: [r.yaml]\nreplicas: [{name: c, count: 2}]", "no workload"),
        ("resources: [r.yaml, r.yaml]", "duplicate resource"),
    ],
)
def test_unsupported_or_invalid_input_is_refused(
    tmp_path: Path, kustomization: str, message: str
) -> None:
    write_tree(
        tmp_path,
        {
            "outside.yaml": "kind: ConfigMap\nmetadata: {name: o}\n",
            "k/r.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n",
            "k/kustomization.yaml": kustomization + "\n",
        },
    )
    with pytest.raises(KustomizeError, match=message):
        render_kustomization(tmp_path / "k")


def find_kubectl() -> str | None:
    return os.environ.get("KUBECTL") or shutil.which("kubectl")


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_renderer_matches_kubectl_kustomize(overlay: str) -> None:
    kubectl = find_kubectl()
    if kubectl is None:
        pytest.skip("no kubectl on PATH and KUBECTL unset")
    result = subprocess.run(
        [kubectl, "kustomize", str(KUBE_DIR / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    expected = {object_id(o): o for o in yaml.safe_load_all(result.stdout) if o}
    rendered = {object_id(o): o for o in render_overlay(overlay)}
    assert rendered == expected
