"""The cost of tracing on the orchestrator's W1 (a chain of no-op steps) in cluster mode
(issue 14 targets: on at 100% sampling <= 10%, off <= 2%).

Three clusters (PostgreSQL database + RabbitMQ vhost + ``nexus orchestrator`` + ``nexus
worker``) run side by side, started once, and take W1 runs in turn, interleaved:

- ``base``: the code before tracing existed (``--base`` commit: main just before obs-core,
  the tracing and metrics, was merged; exported to a temporary directory, put first on
  PYTHONPATH, and its database migrated by that code), no tracing code at all;
- ``off``: this checkout, telemetry disabled (the default);
- ``on``: this checkout, telemetry enabled as shipped (100% sampling, file exporter, the
  API's request spans and Nexus's own spans; the library instrumentations are opt-in, ADR 0258);
- ``on-libs``: as ``on`` with the opt-in library instrumentations (asyncpg, aio-pika, redis,
  httpx) installed (``NEXUS_TELEMETRY__INSTRUMENT_LIBRARIES=true``).

Medians of ms/step per variant, the ratios of the medians against ``off`` / ``base``, and the
paired ratios (each repeat's runs of two variants, taken back to back, divided; their median
is less sensitive to the machine's load drifting between repeats).

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
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "orchestrator"))
from cluster import Procs, nexus_env, rabbit_vhost  # noqa: E402
from infra import REPO, create_database, drop_database, new_db_name, read_load  # noqa: E402

VARIANTS: dict[str, dict[str, str]] = {
    "base": {},
    "off": {"NEXUS_TELEMETRY__ENABLED": "false"},
    "on": {
        "NEXUS_TELEMETRY__ENABLED": "true",
        "NEXUS_TELEMETRY__EXPORTER": "file",
        "NEXUS_TELEMETRY__INSTRUMENT_LIBRARIES": "false",
    },
    "on-libs": {
        "NEXUS_TELEMETRY__ENABLED": "true",
        "NEXUS_TELEMETRY__EXPORTER": "file",
        "NEXUS_TELEMETRY__INSTRUMENT_LIBRARIES": "true",
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
        self.client: asyncio.subprocess.Process | None = None
        self.ms_per_step: list[float] = []
        self.cpu_per_step: list[float] = []  # CPU ms of the orchestrator + worker trees

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
        self.client = await asyncio.create_subprocess_exec(
            sys.executable,
            str(HERE / "w1_client.py"),
            env=self.env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=(self.work / "client.log").open("ab"),
        )
        await self._answer()

    async def _answer(self) -> str:
        assert self.client is not None and self.client.stdout is not None
        while line := (await self.client.stdout.readline()).decode():
            if line.startswith("W1 "):
                return line[3:].strip()
        raise RuntimeError(f"{self.name}: the W1 client stopped (see {self.work}/client.log)")

    async def run_w1(self, n: int) -> float:
        assert self.client is not None and self.client.stdin is not None
        cpu0 = self.procs.cpu_s()
        self.client.stdin.write(f"{n}\n".encode())
        await self.client.stdin.drain()
        ms = float(await self._answer())
        self.ms_per_step.append(ms)
        self.cpu_per_step.append((self.procs.cpu_s() - cpu0) * 1000 / n)
        return ms

    async def stop(self) -> None:
        if self.client is not None and self.client.stdin is not None:
            self.client.stdin.close()
            try:
                await asyncio.wait_for(self.client.wait(), 30)
            except TimeoutError:
                self.client.kill()
                await self.client.wait()
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
            v.cpu_per_step.clear()
        for r in range(args.repeats):
            order = variants if r % 2 == 0 else variants[::-1]
            for v in order:
                ms = await v.run_w1(args.n)
                cpu = v.cpu_per_step[-1]
                print(f"repeat {r} {v.name}: {ms:.3f} ms/step, {cpu:.3f} CPU ms/step", flush=True)
    finally:
        for v in variants:
            await v.stop()
        shutil.rmtree(work, ignore_errors=True)
    write_report(variants, args)


def write_report(variants: list[Variant], args: argparse.Namespace) -> None:
    lines = [
        "## W1 with tracing (bench/observability/w1_tracing.py)",
        "",
        f"Chain of {args.n} no-op steps in cluster mode (PostgreSQL + RabbitMQ, one orchestrator",
        f"and one worker process per variant), {args.repeats} interleaved repeats, medians.",
        "Wall: ms per step as the client sees it; CPU: CPU ms per step of the variant's",
        "orchestrator and worker processes (user + system; PostgreSQL and RabbitMQ not counted).",
        f"Load average at the end: {read_load()} (2 cores, shared with other helpers).",
        "",
        "| variant | wall ms/step | CPU ms/step | runs wall (ms/step) | runs CPU (ms/step) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for v in variants:
        wall = ", ".join(f"{x:.2f}" for x in v.ms_per_step)
        cpu = ", ".join(f"{x:.2f}" for x in v.cpu_per_step)
        lines.append(
            f"| {v.name} | {statistics.median(v.ms_per_step):.3f} | "
            f"{statistics.median(v.cpu_per_step):.3f} | {wall} | {cpu} |"
        )
    lines.append("")
    by_name = {v.name: v for v in variants}
    for a, b, target in (("on", "off", 1.10), ("on-libs", "off", 1.10), ("off", "base", 1.02)):
        if a in by_name and b in by_name:
            for what in ("ms_per_step", "cpu_per_step"):
                lines.append(f"- {ratio_line(a, b, what, by_name, target)}")
    text = "\n".join(lines) + "\n"
    print(text)
    (HERE / "w1_result.md").write_text(text)


def ratio_line(a: str, b: str, what: str, by_name: dict[str, Variant], target: float) -> str:
    xs, ys = getattr(by_name[a], what), getattr(by_name[b], what)
    ratio = statistics.median(xs) / statistics.median(ys)
    paired = [x / y for x, y in zip(xs, ys, strict=True)]
    per = ", ".join(f"{x:.3f}" for x in paired)
    verdict = "meets" if ratio <= target else "misses"
    label = "wall" if what == "ms_per_step" else "CPU"
    return (
        f"{label} {a}/{b} = {ratio:.3f} (target <= {target:.2f}: {verdict}); paired median "
        f"{statistics.median(paired):.3f} (per repeat {per})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--variants", default="base,off,on,on-libs")
    parser.add_argument(
        "--base", default="4344c0d", help="main before obs-core (tracing, metrics) was merged"
    )
    parser.add_argument("--lease-s", dest="lease_s", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=4)
    asyncio.run(main(parser.parse_args()))
