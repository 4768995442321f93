"""deploy/kubernetes: each overlay renders, every object validates, and the pieces fit together.

Built-in kinds validate strictly with kubernetes-validate (its JSON schemas of the Kubernetes
API); KEDA and Argo CD kinds validate against crd_schemas.py. Then cross-references, probes,
security, GPU placement and the autoscaling contract are checked on the rendered objects.
"""

from __future__ import annotations

from typing import Any

import jsonschema
import kubernetes_validate
import pytest
from crd_schemas import CRD_SCHEMAS
from deploy_support import (
    DEPLOY_DIR,
    KUBE_DIR,
    OVERLAYS,
    find_objects,
    load_yaml,
    pod_spec,
    render_overlay,
)
from kustomize_render import Obj

# The oldest Kubernetes the manifests promise to work on, and the newest schema shipped.
K8S_VERSIONS = ("1.30", kubernetes_validate.latest_version())
NAMESPACES = {"dev": "nexus-dev", "prod": "nexus"}
WORKLOADS = ("api", "orchestrator", "worker-cpu", "worker-gpu")
AUTOSCALED = ("api", "worker-cpu", "worker-gpu")
POOL_QUEUES = {"worker-cpu": "nexus.jobs.cpu", "worker-gpu": "nexus.jobs.gpu"}


def validation_errors(obj: Obj, version: str) -> list[str]:
    schema = CRD_SCHEMAS.get((obj["apiVersion"], obj["kind"]))
    if schema is not None:
        validator = jsonschema.Draft202012Validator(schema)
        return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(obj)]
    try:
        kubernetes_validate.validate(obj, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        return [f"{list(exc.absolute_path)}: {exc.message}"]
    return []


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_object_validates(overlay: str, version: str) -> None:
    objects = render_overlay(overlay)
    assert len(objects) >= 15
    errors = {
        f"{o['kind']}/{o['metadata']['name']}": validation_errors(o, version) for o in objects
    }
    assert {k: v for k, v in errors.items() if v} == {}


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_argo_application_validates(version: str) -> None:
    application = load_yaml(DEPLOY_DIR / "argocd" / "application.yaml")
    assert validation_errors(application, version) == []


def test_validation_catches_mistakes() -> None:
    objects = render_overlay("prod")
    deployment = find_objects(objects, "Deployment")["api"]
    pod_spec(deployment)["containers"][0]["livenessProbe"]["httpGet"]["pathh"] = "/x"
    scaled = find_objects(objects, "ScaledObject")["worker-cpu"]
    scaled["spec"]["triggers"][0]["metadata"]["value"] = 4
    assert validation_errors(deployment, K8S_VERSIONS[0])
    assert validation_errors(scaled, K8S_VERSIONS[0])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_everything_lives_in_the_overlay_namespace(overlay: str) -> None:
    objects = render_overlay(overlay)
    namespace = NAMESPACES[overlay]
    assert [o["metadata"]["name"] for o in objects if o["kind"] == "Namespace"] == [namespace]
    for obj in objects:
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == namespace, obj["metadata"]["name"]
        assert obj["metadata"]["labels"]["app.kubernetes.io/part-of"] == "nexus"


def selector_matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_selectors_and_scale_targets_resolve(overlay: str) -> None:
    objects = render_overlay(overlay)
    deployments = find_objects(objects, "Deployment")
    assert set(deployments) == set(WORKLOADS)
    pod_labels = [d["spec"]["template"]["metadata"]["labels"] for d in deployments.values()]
    for deployment in deployments.values():
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selector_matches(selector, deployment["spec"]["template"]["metadata"]["labels"])
    for kind in ("Service", "PodDisruptionBudget"):
        for obj in find_objects(objects, kind).values():
            selector = obj["spec"]["selector"]
            selector = selector.get("matchLabels", selector)
            matched = [labels for labels in pod_labels if selector_matches(selector, labels)]
            assert len(matched) == 1, (kind, obj["metadata"]["name"])
    assert set(find_objects(objects, "PodDisruptionBudget")) == set(WORKLOADS)
    for kind in ("HorizontalPodAutoscaler", "ScaledObject"):
        for obj in find_objects(objects, kind).values():
            assert obj["spec"]["scaleTargetRef"]["name"] in deployments


def env_sources(workload: Obj) -> list[tuple[str, str]]:
    sources: list[tuple[str, str]] = []
    for container in pod_spec(workload)["containers"]:
        for source in container.get("envFrom", []):
            for kind in ("configMapRef", "secretRef"):
                if kind in source:
                    sources.append((kind, source[kind]["name"]))
    return sources


def test_config_and_secret_references_resolve() -> None:
    template = load_yaml(KUBE_DIR / "base" / "secret.template.yaml")
    for overlay in OVERLAYS:
        objects = render_overlay(overlay)
        config_maps = find_objects(objects, "ConfigMap")
        secrets = find_objects(objects, "Secret")
        if overlay == "prod":
            # Prod's Secret is created out of band from the template, never from Git.
            assert secrets == {}
            secrets = {template["metadata"]["name"]: template}
        workloads = [*find_objects(objects, "Deployment").values()]
        workloads += find_objects(objects, "Job").values()
        for workload in workloads:
            for kind, name in env_sources(workload):
                assert name in (config_maps if kind == "configMapRef" else secrets), (overlay, name)
        for auth in find_objects(objects, "TriggerAuthentication").values():
            for ref in auth["spec"]["secretTargetRef"]:
                assert ref["key"] in secrets[ref["name"]]["stringData"], ref


def test_prod_renders_no_placeholder() -> None:
    text = repr(render_overlay("prod")).lower()
    assert "change-me" not in text
    base = load_yaml(KUBE_DIR / "base" / "kustomization.yaml")
    assert not [r for r in base["resources"] if "secret" in r]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_api_probes_and_service(overlay: str) -> None:
    objects = render_overlay(overlay)
    container = pod_spec(find_objects(objects, "Deployment")["api"])["containers"][0]
    port_names = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert port_names == {"http": 8000}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    service = find_objects(objects, "Service")["api"]
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    hpa = find_objects(objects, "HorizontalPodAutoscaler")["api"]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"


def all_pod_specs(objects: list[Obj]) -> dict[str, Obj]:
    workloads = {**find_objects(objects, "Deployment"), **find_objects(objects, "Job")}
    return {name: pod_spec(w) for name, w in workloads.items()}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_run_non_root_on_a_read_only_root(overlay: str) -> None:
    for name, spec in all_pod_specs(render_overlay(overlay)).items():
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] == 10001, name
        assert spec["automountServiceAccountToken"] is False, name
        empty_dirs = {v["name"] for v in spec["volumes"] if "emptyDir" in v}
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            assert mounts.keys() >= {"/tmp", "/var/lib/nexus"}, name
            assert set(mounts.values()) <= empty_dirs, name
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][bound]), (name, bound)


def tolerates_gpu(spec: Obj) -> bool:
    return any(t.get("key") == "nvidia.com/gpu" for t in spec.get("tolerations", []))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_gpu_pool_runs_only_on_gpu_nodes(overlay: str) -> None:
    specs = all_pod_specs(render_overlay(overlay))
    gpu = specs.pop("worker-gpu")
    assert gpu["nodeSelector"] == {"nexus.io/pool": "gpu"}
    assert tolerates_gpu(gpu)
    resources = gpu["containers"][0]["resources"]
    assert resources["limits"]["nvidia.com/gpu"] == 1
    assert resources["requests"]["nvidia.com/gpu"] == 1
    for name, spec in specs.items():
        assert not tolerates_gpu(spec), name
        assert "nexus.io/pool" not in spec.get("nodeSelector", {}), name
        assert "nvidia.com/gpu" not in repr(spec["containers"][0]["resources"]), name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_worker_pools_scale_on_their_own_queue(overlay: str) -> None:
    objects = render_overlay(overlay)
    deployments = find_objects(objects, "Deployment")
    scaled = find_objects(objects, "ScaledObject")
    assert set(scaled) == set(POOL_QUEUES)
    for name, queue in POOL_QUEUES.items():
        trigger = scaled[name]["spec"]["triggers"][0]
        assert trigger["type"] == "rabbitmq"
        assert trigger["metadata"]["queueName"] == queue
        assert trigger["metadata"]["mode"] == "QueueLength"
        args = pod_spec(deployments[name])["containers"][0]["args"]
        assert args == ["worker", "--pool", queue.rsplit(".", 1)[1]]
        spec = scaled[name]["spec"]
        assert 0 <= spec["minReplicaCount"] <= spec["maxReplicaCount"]
    # One cpu replica per `prefetch` ready jobs: the queue target is the worker's prefetch.
    prefetch = find_objects(objects, "ConfigMap")["nexus-config"]["data"]["NEXUS_BROKER__PREFETCH"]
    assert scaled["worker-cpu"]["spec"]["triggers"][0]["metadata"]["value"] == prefetch


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_autoscaled_workloads_leave_replicas_to_the_autoscaler(overlay: str) -> None:
    deployments = find_objects(render_overlay(overlay), "Deployment")
    for name in AUTOSCALED:
        assert "replicas" not in deployments[name]["spec"], name
    assert deployments["orchestrator"]["spec"]["replicas"] >= 1


def test_overlays_differ_where_they_should() -> None:
    dev, prod = (render_overlay(o) for o in OVERLAYS)
    assert find_objects(dev, "Deployment")["orchestrator"]["spec"]["replicas"] == 1
    assert find_objects(prod, "Deployment")["orchestrator"]["spec"]["replicas"] >= 2
    assert find_objects(prod, "HorizontalPodAutoscaler")["api"]["spec"]["minReplicas"] >= 2
    assert find_objects(dev, "ConfigMap")["nexus-config"]["data"]["NEXUS_ENV"] == "development"
    assert find_objects(prod, "ConfigMap")["nexus-config"]["data"]["NEXUS_ENV"] == "production"
    for spec in all_pod_specs(prod).values():
        for container in spec["containers"]:
            image: str = container["image"]
            assert image.startswith("registry.example.com/nexus/"), image
            tag = image.rsplit(":", 1)[1]
            assert tag not in {"latest", "dev"} and tag[0].isdigit(), image
    for spec in all_pod_specs(dev).values():
        assert spec["containers"][0]["image"].endswith(":dev")


def test_migration_job_runs_before_each_argo_sync() -> None:
    for overlay in OVERLAYS:
        job = find_objects(render_overlay(overlay), "Job")["migrate"]
        assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"
        container = pod_spec(job)["containers"][0]
        assert container["args"] == ["migrate"]
        assert pod_spec(job)["restartPolicy"] == "Never"


def test_argo_application_tracks_the_prod_overlay() -> None:
    application: dict[str, Any] = load_yaml(DEPLOY_DIR / "argocd" / "application.yaml")
    spec = application["spec"]
    repo_root = DEPLOY_DIR.parent
    assert (repo_root / spec["source"]["path"]) == KUBE_DIR / "overlays" / "prod"
    assert (repo_root / spec["source"]["path"] / "kustomization.yaml").is_file()
    assert spec["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    assert spec["destination"]["namespace"] == NAMESPACES["prod"]
