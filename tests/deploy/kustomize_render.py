"""A small kustomize renderer for exactly the features deploy/kubernetes uses.

Supported: resources (files and nested kustomizations), namespace, labels (metadata only),
images, replicas and JSON 6902 patches with a kind/name target, applied in kustomize's order
(patches, namespace, labels, replicas, images). Anything else raises KustomizeError.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

Obj = dict[str, Any]

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
SUPPORTED_KEYS = frozenset(
    {"apiVersion", "kind", "namespace", "labels", "resources", "images", "replicas", "patches"}
)
CLUSTER_SCOPED_KINDS = frozenset(
    {
        "Namespace",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "PriorityClass",
        "StorageClass",
        "PersistentVolume",
        "IngressClass",
        "RuntimeClass",
    }
)
SCALABLE_KINDS = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"})
# Where kustomize's image transformer looks for containers (its default field specs).
POD_SPEC_PATHS = (
    ("spec",),
    ("spec", "template", "spec"),
    ("spec", "jobTemplate", "spec", "template", "spec"),
)


class KustomizeError(Exception):
    """The kustomization uses a feature this renderer does not reproduce, or is invalid."""


def render_kustomization(directory: Path) -> list[Obj]:
    """Build the kustomization in ``directory`` the way ``kustomize build`` would."""
    directory = directory.resolve()
    kustomization = read_kustomization(directory)
    objects: list[Obj] = []
    for entry in kustomization.get("resources", []):
        objects.extend(load_resource(directory, str(entry)))
    check_unique_ids(objects, directory)
    for patch in kustomization.get("patches", []):
        apply_patch_entry(objects, patch, directory)
    if "namespace" in kustomization:
        set_namespace(objects, str(kustomization["namespace"]))
    for label_entry in kustomization.get("labels", []):
        apply_labels(objects, label_entry)
    for replica in kustomization.get("replicas", []):
        set_replicas(objects, str(replica["name"]), int(replica["count"]))
    for image in kustomization.get("images", []):
        set_image(objects, image)
    return objects


def read_kustomization(directory: Path) -> Obj:
    for name in KUSTOMIZATION_NAMES:
        path = directory / name
        if path.is_file():
            data = yaml.safe_load(path.read_text())
            if not isinstance(data, dict):
                raise KustomizeError(f"{path}: not a mapping")
            unsupported = set(data) - SUPPORTED_KEYS
            if unsupported:
                raise KustomizeError(f"{path}: unsupported fields {sorted(unsupported)}")
            return data
    raise KustomizeError(f"{directory}: no kustomization file")


def load_resource(directory: Path, entry: str) -> list[Obj]:
    path = (directory / entry).resolve()
    if path.is_dir():
        return render_kustomization(path)
    # kustomize's default load restrictor: plain files must live under the kustomization root.
    if not path.is_relative_to(directory):
        raise KustomizeError(f"{entry}: file is not in or below {directory}")
    if not path.is_file():
        raise KustomizeError(f"{entry}: no such file or directory")
    documents = [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]
    for doc in documents:
        if not isinstance(doc, dict) or "kind" not in doc or "metadata" not in doc:
            raise KustomizeError(f"{path}: every document must be an object with kind/metadata")
    return documents


def object_id(obj: Obj) -> tuple[str, str, str]:
    metadata = obj["metadata"]
    return (str(obj["kind"]), str(metadata.get("namespace", "")), str(metadata["name"]))


def check_unique_ids(objects: list[Obj], directory: Path) -> None:
    seen: set[tuple[str, str, str]] = set()
    for obj in objects:
        key = object_id(obj)
        if key in seen:
            raise KustomizeError(f"{directory}: duplicate resource {key}")
        seen.add(key)


def apply_patch_entry(objects: list[Obj], entry: Obj, directory: Path) -> None:
    target = entry.get("target") or {}
    unsupported = set(target) - {"kind", "name"}
    if unsupported or not target:
        raise KustomizeError(f"patch target must select by kind and name only: {target}")
    has_path = "path" in entry
    text = (directory / str(entry["path"])).read_text() if has_path else str(entry["patch"])
    operations = yaml.safe_load(text)
    if not isinstance(operations, list):
        raise KustomizeError("only JSON 6902 patches (a list of operations) are supported")
    matched = [obj for obj in objects if matches_target(obj, target)]
    if not matched:
        # kustomize ignores a target that matches nothing; a typo here should fail loudly.
        raise KustomizeError(f"patch target matches no resource: {target}")
    for obj in matched:
        for operation in operations:
            apply_json_patch_operation(obj, operation)


def matches_target(obj: Obj, target: Obj) -> bool:
    if "kind" in target and obj["kind"] != target["kind"]:
        return False
    return "name" not in target or obj["metadata"]["name"] == target["name"]


def decode_pointer(pointer: str) -> list[str]:
    if not pointer.startswith("/"):
        raise KustomizeError(f"JSON pointer must start with '/': {pointer!r}")
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]


def resolve_parent(document: Obj, parts: list[str]) -> Any:
    node: Any = document
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def apply_json_patch_operation(document: Obj, operation: Obj) -> None:
    op = operation.get("op")
    parts = decode_pointer(str(operation["path"]))
    try:
        parent = resolve_parent(document, parts)
        last = parts[-1]
        if op == "add":
            add_value(parent, last, copy.deepcopy(operation["value"]))
        elif op == "replace":
            if isinstance(parent, list):
                parent[int(last)] = copy.deepcopy(operation["value"])
            elif last not in parent:
                raise KustomizeError(f"replace of a missing member: {operation['path']}")
            else:
                parent[last] = copy.deepcopy(operation["value"])
        elif op == "remove":
            if isinstance(parent, list):
                del parent[int(last)]
            else:
                del parent[last]
        elif op == "test":
            current = parent[int(last)] if isinstance(parent, list) else parent[last]
            if current != operation["value"]:
                raise KustomizeError(f"test failed at {operation['path']}")
        else:
            raise KustomizeError(f"unsupported JSON patch op {op!r}")
    except (KeyError, IndexError, ValueError, TypeError) as exc:
        raise KustomizeError(f"cannot apply {operation}: {exc!r}") from exc


def add_value(parent: Any, last: str, value: Any) -> None:
    if isinstance(parent, list):
        if last == "-":
            parent.append(value)
        else:
            parent.insert(int(last), value)
    else:
        parent[last] = value


def set_namespace(objects: list[Obj], namespace: str) -> None:
    for obj in objects:
        if obj["kind"] == "Namespace":
            obj["metadata"]["name"] = namespace
        elif obj["kind"] not in CLUSTER_SCOPED_KINDS:
            obj["metadata"]["namespace"] = namespace


def apply_labels(objects: list[Obj], entry: Obj) -> None:
    if entry.get("includeSelectors") or entry.get("includeTemplates") or "fields" in entry:
        raise KustomizeError("labels: only metadata labels (no selectors/templates/fields)")
    for obj in objects:
        labels = obj["metadata"].setdefault("labels", {})
        labels.update({str(k): str(v) for k, v in entry["pairs"].items()})


def set_replicas(objects: list[Obj], name: str, count: int) -> None:
    matched = [o for o in objects if o["kind"] in SCALABLE_KINDS and o["metadata"]["name"] == name]
    if not matched:
        raise KustomizeError(f"replicas: no workload named {name!r}")
    for obj in matched:
        obj.setdefault("spec", {})["replicas"] = count


def iter_containers(obj: Obj) -> list[Obj]:
    found: list[Obj] = []
    for path in POD_SPEC_PATHS:
        node: Any = obj
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            for field in ("containers", "initContainers"):
                found.extend(node.get(field) or [])
    return found


def split_image(image: str) -> tuple[str, str]:
    """Split ``name[:tag][@digest]`` into the name and the rest (with its separator)."""
    at = image.find("@")
    if at != -1:
        return image[:at], image[at:]
    colon = image.rfind(":")
    # A colon before the last slash belongs to a registry port, not a tag.
    if colon > image.rfind("/"):
        return image[:colon], image[colon:]
    return image, ""


def set_image(objects: list[Obj], entry: Obj) -> None:
    for obj in objects:
        for container in iter_containers(obj):
            name, suffix = split_image(str(container.get("image", "")))
            if name != entry["name"]:
                continue
            new_name = str(entry.get("newName", name))
            if "digest" in entry:
                suffix = "@" + str(entry["digest"])
            elif "newTag" in entry:
                suffix = ":" + str(entry["newTag"])
            container["image"] = new_name + suffix
