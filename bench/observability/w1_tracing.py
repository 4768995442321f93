"""The cost of tracing on the orchestrator's W1 (a chain of no-op steps) in cluster mode
(issue 14 targets: on at 100% sampling <= 10%, off <= 2%).

Three clusters (PostgreSQL database + RabbitMQ vhost + ``nexus orchestrator`` + ``nexus
worker``) run side by side, started once, and take W1 runs in turn, interleaved:

- ``base``: the code before tracing existed (``--base`` commit, exported to a temporary
  directory and put first on PYTHONPATH), no tracing code at all;
- ``off``: this checkout, telemetry disabled (the default);
- ``on``: this checkout, telemetry enabled, 100% sampling, file exporter, with the library
  instrumentations (asyncpg, aio-pika, redis, httpx) installed;
- ``on-core``: as ``on`` without the library instrumentations (Nexus's own spans only).

Medians of ms/step per variant and the ratios against ``off`` / ``base``.

    uv run python bench/observability/w1_tracing.py --n 300 --repeats 5
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "orchestrator"))
from cluster import Procs, nexus_env, rabbit_vhost  # noqa: E402
from infra import REPO, create_database, drop_database, new_db_name, read_load  # noqa: E402

from nexus.core.settings import load_settings  # noqa: E402
from nexus.platform import Platform  # noqa: E402

VARIANTS: dict[str, dict[str, str]] = {
    "base": {},
    "off": {"NEXUS_TELEMETRY__ENABLED": "false"},
    "on": {"NEXUS_TELEMETRY__ENABLED": "true", "NEXUS_TELEMETRY__EXPORTER": "file"},
    "on-core": {
        "NEXUS_TELEMETRY__ENABLED": "true",
        "NEXUS_TELEMETRY__EXPORTER": "file",
        "NEXUS_TELEMETRY__INSTRUMENT_LIBRARIES": "false",
    },
}


def export_base(commit: str, into: Path) -> Path:
    archive = into / "base.tar"
    subprocess.run(
        ["git", "-C", str(REPO), "archive", "-o", str(archive), commit, "src"], check=True
    )
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


class Variant:
    def __init__(self, name: str, work: Path, args: argparse.Namespace) -> None:
        self.name, self.work, self.args = name, work / name, args
        self.db, self.vhost = new_db_name("obsw1"), f"bench-obs-{uuid.uuid4().hex[:8]}"
        self.procs = Procs(self.work)
        self.platform: Platform | None = None
        self.ms_per_step: list[float] = []

    async def start(self, base_src: Path | None) -> None:
        self.work.mkdir(parents=True)
        await create_database(self.db)
        env = nexus_env(self.db, await rabbit_vhost(self.vhost), self.work, self.args)
        env.update(VARIANTS[self.name], NEXUS_METRICS_PORT="0")
        env["NEXUS_TELEMETRY__FILE_PATH"] = str(self.work / "traces.jsonl")
        if base_src is not None:
            env["PYTHONPATH"] = str(base_src)
        cli = [sys.executable, "-m", "nexus.cli.main"]
        await asyncio.to_thread(
            subprocess.run, [*cli, "migrate"], env=env, check=True, capture_output=True
        )
        self.procs.start("orchestrator", [*cli, "orchestrator"], env)
        self.procs.start("worker", [*cli, "worker", "--pool", "cpu"], env)
        self.env = env

    async def ready(self) -> None:
        await asyncio.to_thread(self.procs.wait_log, "orchestrator", "orchestrator running", 300)
        await asyncio.to_thread(self.procs.wait_log, "worker", "worker consuming", 300)
        settings = load_settings(
            env="test",
            database={"url": self.env["NEXUS_DATABASE__URL"], "auto_migrate": False},
            broker={"url": self.env["NEXUS_BROKER__URL"]},
            storage={"url": self.env["NEXUS_STORAGE__URL"]},
        )
        self.platform = Platform(settings)
        await self.platform.open()

    async def run_w1(self, n: int) -> float:
        assert self.platform is not None
        t0 = time.perf_counter()
        run_id, _ = await self.platform.create_run("chain", {"n": n}, idempotency_key=None)
        run = await self.platform.wait_for_run(run_id, poll_s=0.02, timeout_s=600)
        assert run.status == "succeeded", run.status
        ms = (time.perf_counter() - t0) * 1000 / n
        self.ms_per_step.append(ms)
        return ms

    async def stop(self) -> None:
        if self.platform is not None:
            await self.platform.close()
        self.procs.stop_all()
        await drop_database(self.db)
        await rabbit_vhost(self.vhost, delete=True)


async def main(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-obs-w1-"))
    base_src = export_base(args.base, work)
    variants = [Variant(name, work, args) for name in args.variants.split(",")]
    try:
        for v in variants:
            await v.start(base_src if v.name == "base" else None)
        for v in variants:
            await v.ready()
            await v.run_w1(max(20, args.n // 10))  # warm-up (imports, prepared statements)
            v.ms_per_step.clear()
        for r in range(args.repeats):
            order = variants if r % 2 == 0 else variants[::-1]
            for v in order:
                ms = await v.run_w1(args.n)
                print(f"repeat {r} {v.name}: {ms:.3f} ms/step", flush=True)
    finally:
        for v in variants:
            await v.stop()
        shutil.rmtree(work, ignore_errors=True)
    write_report(variants, args)


def write_report(variants: list[Variant], args: argparse.Namespace) -> None:
    med: dict[str, float] = {v.name: statistics.median(v.ms_per_step) for v in variants}
    lines = [
        "## W1 with tracing (bench/observability/w1_tracing.py)",
        "",
        f"Chain of {args.n} no-op steps in cluster mode (PostgreSQL + RabbitMQ, one orchestrator",
        f"and one worker process per variant), {args.repeats} interleaved repeats, medians.",
        f"Load average at the end: {read_load()} (2 cores shared by 8 engineers: noisy).",
        "",
        "| variant | median ms/step | runs (ms/step) |",
        "| --- | --- | --- |",
    ]
    for v in variants:
        runs = ", ".join(f"{x:.2f}" for x in v.ms_per_step)
        lines.append(f"| {v.name} | {med[v.name]:.3f} | {runs} |")
    lines.append("")
    ratios: list[tuple[str, str, float]] = []
    for a, b, target in (("on", "off", 1.10), ("on-core", "off", 1.10), ("off", "base", 1.02)):
        if a in med and b in med:
            ratio = med[a] / med[b]
            verdict = "meets" if ratio <= target else "misses"
            lines.append(f"- {a}/{b} = {ratio:.3f} (target <= {target:.2f}: {verdict})")
            ratios.append((a, b, ratio))
    text = "\n".join(lines) + "\n"
    print(text)
    (HERE / "w1_result.md").write_text(text)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--variants", default="base,off,on,on-core")
    parser.add_argument("--base", default="8f031cb", help="commit before tracing existed")
    parser.add_argument("--lease-s", dest="lease_s", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=4)
    asyncio.run(main(parser.parse_args()))
