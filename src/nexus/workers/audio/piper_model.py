"""The piper voice as an ONNX Runtime session: random nodes replaced by fed noise, cached on disk.

Building the session from the packaged model means parsing 63 MB of protobuf, patching the
graph, serialising it again and letting ORT optimise it: ~2 CPU-s (plus importing ``onnx``)
in every process, which a one-line revision pays in full. The patched model and ORT's
optimised form of it are kept in a cache folder, so later processes open a ready file.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import onnxruntime

from nexus.core.logging import get_logger

log = get_logger(__name__)

CACHE_VERSION = "1"
"""Bump when the patch changes, so cached models are rebuilt."""


def patch_random_nodes(model: Any) -> dict[str, str]:
    """Replace RandomNormalLike nodes by slices of fed noise inputs; returns input -> kind.

    onnxruntime's random ops cannot be re-seeded per call, so the exported VITS model gives
    different audio every run. Feeding the noise makes a voice repeatable sample for sample.
    """
    # Imported here: ``onnx`` is only needed to build the cached model (once per machine).
    from onnx import TensorProto, helper  # noqa: PLC0415

    graph = model.graph
    nodes: list[Any] = []
    inputs: dict[str, str] = {}
    for node in graph.node:
        if node.op_type != "RandomNormalLike":
            nodes.append(node)
            continue
        tag = node.name.strip("/").replace("/", "_") or f"rn{len(inputs)}"
        feed = f"noise_{tag}"
        inputs[feed] = "dp" if "dp" in tag else "z"
        graph.input.append(helper.make_tensor_value_info(feed, TensorProto.FLOAT, [f"n_{tag}"]))
        zero = helper.make_tensor(f"{tag}_zero_value", TensorProto.INT64, [1], [0])
        nodes += [
            helper.make_node("Shape", [node.input[0]], [f"{tag}_shape"]),
            helper.make_node("ReduceProd", [f"{tag}_shape"], [f"{tag}_count"], keepdims=1),
            helper.make_node("Constant", [], [f"{tag}_zero"], value=zero),
            helper.make_node("Slice", [feed, f"{tag}_zero", f"{tag}_count"], [f"{tag}_flat"]),
            helper.make_node("Reshape", [f"{tag}_flat", f"{tag}_shape"], [node.output[0]]),
        ]
    del graph.node[:]
    graph.node.extend(nodes)
    return inputs


def session_options(*, optimise: bool = True) -> Any:
    options = onnxruntime.SessionOptions()
    # The sequential executor's buffer-reuse planning takes ~2.5 s on this 2,700-node graph;
    # without it the session is ready in well under a second, synthesis is as fast and the
    # audio bit-identical.
    options.enable_mem_reuse = False
    # One thread per synthesis: lines are synthesised concurrently by the worker threads,
    # and ORT's spinning intra-op pool cost ~45 % more CPU for the same wall time here.
    options.intra_op_num_threads = 1
    if not optimise:  # an already optimised model
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    return options


@dataclass(frozen=True)
class CachedModel:
    patched: Path
    optimised: Path
    inputs: Path


def cache_dir() -> Path:
    """``NEXUS_MODEL_CACHE``, else the user's cache folder (``XDG_CACHE_HOME`` or ~/.cache)."""
    explicit = os.environ.get("NEXUS_MODEL_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nexus" / "models"


def _cpu_flags() -> str:
    """ORT's optimised model may use this CPU's instruction set: part of the cache key."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("flags"):
                return line
    except OSError:
        pass
    return platform.processor()


def cached_model(model_path: Path) -> CachedModel:
    stat = model_path.stat()
    key = hashlib.sha256(
        "|".join(
            [CACHE_VERSION, str(model_path.resolve()), str(stat.st_size), str(stat.st_mtime_ns),
             onnxruntime.__version__, platform.machine(), _cpu_flags()]
        ).encode()
    ).hexdigest()[:20]  # fmt: skip
    folder = cache_dir() / "piper"
    return CachedModel(
        folder / f"{key}.patched.onnx", folder / f"{key}.optimised.onnx", folder / f"{key}.json"
    )


def _build_patched(model_path: Path, cached: CachedModel) -> dict[str, str]:
    # Imported here: parsing the model needs ``onnx``, only when the cache is cold.
    import onnx  # noqa: PLC0415

    model = onnx.load(str(model_path))
    inputs = patch_random_nodes(model)
    cached.patched.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(cached.patched, model.SerializeToString())
    _write_atomically(cached.inputs, json.dumps(inputs).encode())
    return inputs


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.write_bytes(data)
    partial.replace(path)


def _open_cached(cached: CachedModel) -> tuple[Any, dict[str, str]] | None:
    if not (cached.optimised.exists() and cached.inputs.exists()):
        return None
    inputs = json.loads(cached.inputs.read_text(encoding="utf-8"))
    session = onnxruntime.InferenceSession(
        str(cached.optimised), session_options(optimise=False), ["CPUExecutionProvider"]
    )
    return session, inputs


def _build_cached(model_path: Path, cached: CachedModel) -> tuple[Any, dict[str, str]]:
    if cached.patched.exists() and cached.inputs.exists():
        inputs = json.loads(cached.inputs.read_text(encoding="utf-8"))
    else:
        inputs = _build_patched(model_path, cached)
    options = session_options()
    partial = cached.optimised.with_name(f"{cached.optimised.name}.{os.getpid()}.partial")
    options.optimized_model_filepath = str(partial)
    session = onnxruntime.InferenceSession(str(cached.patched), options, ["CPUExecutionProvider"])
    partial.replace(cached.optimised)
    return session, inputs


def load_session(model_path: Path) -> tuple[Any, dict[str, str]]:
    """(ORT session, noise input name -> kind) for the patched model, from the cache if warm."""
    cached = cached_model(model_path)
    try:
        warm = _open_cached(cached)
    except Exception as exc:  # noqa: BLE001 - ORT raises its own types straight off Exception
        log.warning("piper.model_cache_damaged", path=str(cached.optimised), error=str(exc))
        for path in (cached.optimised, cached.patched, cached.inputs):
            path.unlink(missing_ok=True)
        warm = None
    if warm is not None:
        return warm
    try:
        return _build_cached(model_path, cached)
    except OSError as exc:  # a read-only or full disk: build in memory, as before the cache
        log.warning("piper.model_cache_unusable", folder=str(cached.patched.parent), error=str(exc))
        return build_session(model_path)


def build_session(model_path: Path) -> tuple[Any, dict[str, str]]:
    """The session built in memory from the packaged model (no cache), as ``load_session``."""
    import onnx  # noqa: PLC0415  (see _build_patched)

    model = onnx.load(str(model_path))
    inputs = patch_random_nodes(model)
    options = session_options()
    session = onnxruntime.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    return session, inputs
