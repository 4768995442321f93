"""Demo and benchmark pipelines, and ``register`` that adds them with their skills."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from nexus.contracts.governance import SkillPermissions
from nexus.contracts.graph import NodeSpec
from nexus.core.registry import WORKDIR, Pipeline, Registry, RetryPolicy, Skill
from nexus.workers.demo import handlers as h


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DemoParams(Params):
    n: int = Field(default=6, ge=0, le=10_000)
    sleep_s: float = Field(default=0.3, ge=0)
    log_path: str | None = None
    fail_attempts: int = Field(default=0, ge=0)
    fatal_node: int | None = None
    rounds: int = Field(default=200_000, ge=1)


class ChainParams(Params):
    n: int = Field(default=1000, ge=1, le=100_000)


class DagParams(Params):
    layers: int = Field(default=5, ge=1, le=50)
    width: int = Field(default=10, ge=1, le=100)


def build_demo(p: DemoParams) -> list[NodeSpec]:
    return [
        NodeSpec(key="split", skill="demo.split", params={"n": p.n}, expand="demo.fan_out"),
        NodeSpec(
            key="join",
            skill="demo.join",
            params={"log_path": p.log_path},
            after=["split"],
            gather="split",
        ),
        NodeSpec(key="digest", skill="demo.digest", params={"rounds": p.rounds}, after=["join"]),
    ]


def fan_out_work(parent: NodeSpec, output: dict[str, Any], run: dict[str, Any]) -> list[NodeSpec]:
    return [
        NodeSpec(
            key=f"work[{i}]",
            skill="demo.work",
            params={
                "i": i,
                "sleep_s": run.get("sleep_s", 0.1),
                "log_path": run.get("log_path"),
                "fail_attempts": run.get("fail_attempts", 0),
                "fatal": run.get("fatal_node") == i,
            },
        )
        for i in range(int(output["n"]))
    ]


def build_chain(p: ChainParams) -> list[NodeSpec]:
    return [
        NodeSpec(
            key=f"step[{i}]",
            skill="demo.noop",
            params={"i": i},
            after=[f"step[{i - 1}]"] if i else [],
        )
        for i in range(p.n)
    ]


def build_fanout(p: ChainParams) -> list[NodeSpec]:
    return [
        NodeSpec(key="root", skill="demo.split", params={"n": p.n}, expand="demo.fan_out_noop"),
        NodeSpec(key="join", skill="demo.noop", params={"i": -1}, after=["root"], gather="root"),
    ]


def fan_out_noop(parent: NodeSpec, output: dict[str, Any], run: dict[str, Any]) -> list[NodeSpec]:
    return [
        NodeSpec(key=f"leaf[{i}]", skill="demo.noop", params={"i": i})
        for i in range(int(output["n"]))
    ]


def build_dag(p: DagParams) -> list[NodeSpec]:
    """Layered DAG: each node reads two nodes of the layer above (W6 uses 5 x 10 = 50)."""
    nodes: list[NodeSpec] = []
    for layer in range(p.layers):
        for k in range(p.width):
            after = (
                []
                if layer == 0
                else sorted({f"n{layer - 1}.{k}", f"n{layer - 1}.{(k + 1) % p.width}"})
            )
            nodes.append(
                NodeSpec(
                    key=f"n{layer}.{k}",
                    skill="demo.noop",
                    params={"i": layer * 100 + k},
                    after=after,
                )
            )
    return nodes


def register(registry: Registry) -> None:
    fast = RetryPolicy(max_attempts=3, base_s=0.05, max_s=1.0)
    registry.add_skill(
        Skill(
            "demo.noop",
            "1",
            h.NoopIn,
            h.NoopOut,
            h.noop,
            category="data",
            permissions=SkillPermissions(cpu_time_s=60),
            resource_class="io",
            timeout_s=60,
            retry=fast,
        )
    )
    registry.add_skill(
        Skill(
            "demo.work",
            "1",
            h.WorkIn,
            h.WorkOut,
            h.work,
            timeout_s=120,
            retry=RetryPolicy(max_attempts=4, base_s=0.05, max_s=1.0),
            compensate=h.undo_work,
            category="data",
            # the demo's only file: the attempt log a test names in the params
            permissions=SkillPermissions(write_paths=["$PARAMS.log_path"], cpu_time_s=120),
        )
    )
    registry.add_skill(
        Skill(
            "demo.split",
            "1",
            h.SplitIn,
            h.SplitOut,
            h.split,
            category="data",
            permissions=SkillPermissions(cpu_time_s=60),
            resource_class="io",
            timeout_s=60,
            retry=fast,
        )
    )
    registry.add_skill(
        Skill(
            "demo.join",
            "1",
            h.JoinIn,
            h.JoinOut,
            h.join,
            timeout_s=60,
            retry=fast,
            category="data",
            permissions=SkillPermissions(cpu_time_s=60),
        )
    )
    registry.add_skill(
        Skill(
            "demo.digest",
            "1",
            h.DigestIn,
            h.DigestOut,
            h.digest,
            executor="process",
            category="data",
            permissions=SkillPermissions(read_paths=[WORKDIR], write_paths=[WORKDIR]),
            timeout_s=300,
            retry=fast,
        )
    )
    registry.add_expander("demo.fan_out", fan_out_work)
    registry.add_expander("demo.fan_out_noop", fan_out_noop)
    registry.add_pipeline(
        Pipeline(
            "demo",
            DemoParams,
            build_demo,
            "Fan-out of N work steps, fan-in, then a CPU-bound digest.",
        )
    )
    registry.add_pipeline(
        Pipeline(
            "chain", ChainParams, build_chain, "A linear chain of N no-op steps (benchmark W1)."
        )
    )
    registry.add_pipeline(
        Pipeline(
            "fanout",
            ChainParams,
            build_fanout,
            "Fan-out of N no-op steps and a fan-in (benchmark W2).",
        )
    )
    registry.add_pipeline(
        Pipeline("dag", DagParams, build_dag, "A layered DAG of no-op steps (benchmark W6).")
    )
