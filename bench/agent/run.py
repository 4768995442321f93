"""The platform's overhead per agent turn, beside the OpenAI Agents SDK and LangGraph running
the same two-tool conversation against the same OpenAI protocol fake.

    uv run python bench/agent/run.py [--n 50] [--repeats 5] [--quick]

One fake (tests/fakes/openai_server.py, a separate process, zero think time) scripted with
the conversation of conversation.py: a model turn asking for two parallel tool calls, then
the answer (two model turns, two tool calls). Each measurement is a fresh child process:
Nexus (nexus_side.py, the project's environment, a fresh embedded platform on SQLite) or a
peer (peer_worker.py inside bench/agent/.venv-peer, created here with uv, never the
project's lockfile). Each runs ``warmup + n`` conversations; the fake's call counter must
show exactly two model calls per conversation.

The model's own time is what the fake takes to answer: the median of raw streamed requests
of the two turns' shapes, sent from this process with httpx. Overhead per turn =
(conversation median - those two medians) / 2. Repeats alternate who goes first; figures
are the medians of the repeats' medians with their min and max. Writes results.json and
REPORT.md (findings.md appended when present).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
import conversation as conv  # noqa: E402

VENV = HERE / ".venv-peer"
PEER_PACKAGES = ["openai-agents", "langgraph", "langchain-openai"]
PEERS = ["openai-agents", "langgraph"]
RESULTS = HERE / "results.json"
REPORT = HERE / "REPORT.md"
FINDINGS = HERE / "findings.md"
TARGET_MS = 10.0


def ensure_peer() -> tuple[Path | None, str]:
    python = VENV / "bin" / "python"
    if not python.exists():
        made = subprocess.run(
            ["uv", "venv", str(VENV), "--python", sys.executable, "-q"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if made.returncode != 0:
            return None, f"uv venv failed: {made.stderr.strip()[-300:]}"
    got = subprocess.run(
        ["uv", "pip", "install", "--python", str(python), "-q", *PEER_PACKAGES],
        capture_output=True, text=True, check=False, timeout=1200,
    )  # fmt: skip
    if got.returncode != 0:
        return None, f"uv pip install failed: {got.stderr.strip()[-500:]}"
    return python, ""


class Fake:
    """The OpenAI protocol fake in its own process."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.openai_server", "--port", "0"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # "... listening on http://127.0.0.1:PORT"
        self.url = line.strip().rsplit(" ", 1)[-1]

    def script(self) -> None:
        httpx.post(f"{self.url}/fake/script", json=conv.script()).raise_for_status()

    def calls(self) -> int:
        return int(httpx.get(f"{self.url}/fake/calls").json()["chat"])

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def turn_bodies() -> list[dict[str, Any]]:
    """The two requests of the conversation as a client sends them (streamed)."""
    tools = [
        {"type": "function", "function": {"name": name, "description": "", "parameters": {
            "type": "object", "properties": {"shot": {"type": "integer"}}, "required": ["shot"]}}}
        for name in (conv.LOOKUP, conv.DURATION)
    ]  # fmt: skip
    first = [{"role": "system", "content": "You help."}, {"role": "user", "content": conv.USER}]
    calls = [
        {"id": f"c{i}", "type": "function", "function": {"name": n, "arguments": '{"shot": 2}'}}
        for i, n in enumerate((conv.LOOKUP, conv.DURATION))
    ]
    second = [
        *first,
        {"role": "assistant", "content": None, "tool_calls": calls},
        {"role": "tool", "tool_call_id": "c0", "content": json.dumps(conv.lookup_shot(2))},
        {"role": "tool", "tool_call_id": "c1", "content": json.dumps(conv.shot_duration(2))},
    ]
    common = {"model": "fake-chat", "tools": tools, "stream": True,
              "stream_options": {"include_usage": True}}  # fmt: skip
    return [{**common, "messages": first}, {**common, "messages": second}]


async def raw_turns(url: str, n: int) -> list[float]:
    """Median ms of each turn's request, raw: what the fake itself takes."""
    out = []
    async with httpx.AsyncClient(base_url=f"{url}/v1") as http:
        for body in turn_bodies():
            times = []
            for _ in range(n):
                t0 = time.perf_counter()
                async with http.stream("POST", "/chat/completions", json=body) as response:
                    async for _line in response.aiter_lines():
                        pass
                times.append(time.perf_counter() - t0)
            out.append(statistics.median(times) * 1000)
    return out


def measure(system: str, python: Path | None, fake: Fake, args: argparse.Namespace) -> dict:
    fake.script()
    if system == "nexus":
        argv = [sys.executable, str(HERE / "nexus_side.py")]
    else:
        assert python is not None
        argv = [str(python), str(HERE / "peer_worker.py"), "--system", system]
    argv += ["--url", fake.url, "--n", str(args.n), "--warmup", str(args.warmup)]
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=1800, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{system} failed:\n{done.stderr[-3000:]}")
    row = json.loads(done.stdout.strip().splitlines()[-1])
    row["model_calls"] = fake.calls()
    expected = conv.MODEL_TURNS * (args.n + args.warmup)
    if row["model_calls"] != expected:
        raise SystemExit(f"{system}: {row['model_calls']} model calls, expected {expected}")
    row["median_ms"] = statistics.median(row["times"]) * 1000
    row["cpu_ms"] = row["cpu_s"] / args.n * 1000
    del row["times"]
    return row


def fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "src" / "nexus").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def context(stage: str) -> dict[str, Any]:
    return {
        f"load_{stage}": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        f"src_{stage}": fingerprint(),
    }


def main(args: argparse.Namespace) -> None:
    if args.report_only:  # re-render REPORT.md from results.json (e.g. after findings.md)
        saved = json.loads(RESULTS.read_text())
        args.n, args.repeats, args.warmup = saved["args"]
        write_report(args, saved["rows"], saved["raw"], saved["facts"])
        return
    if args.quick:
        args.n, args.repeats, args.warmup = 10, 1, 2
    facts: dict[str, Any] = context("start")
    python, why = ensure_peer()
    systems = ["nexus", *(PEERS if python is not None else [])]
    if args.only:
        systems = [s for s in systems if s in args.only.split(",")]
    rows: dict[str, list[dict[str, Any]]] = {s: [] for s in systems}
    raw: list[list[float]] = []
    fake = Fake()
    try:
        for rep in range(args.repeats):
            order = systems[rep % len(systems) :] + systems[: rep % len(systems)]
            for system in order:
                rows[system].append(measure(system, python, fake, args))
                print(rep, system, f"{rows[system][-1]['median_ms']:.1f} ms", flush=True)
            fake.script()
            raw.append(asyncio.run(raw_turns(fake.url, 50)))
    finally:
        fake.stop()
    facts.update(context("end"))
    facts["commit"] = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    facts["why_no_peer"] = why
    saved = {"rows": rows, "raw": raw, "facts": facts, "args": [args.n, args.repeats, args.warmup]}
    RESULTS.write_text(json.dumps(saved, indent=1))
    write_report(args, rows, raw, facts)


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"


def write_report(
    args: argparse.Namespace,
    rows: dict[str, list[dict[str, Any]]],
    raw: list[list[float]],
    facts: dict[str, Any],
) -> None:
    model_ms = [sum(r) for r in raw]  # both turns' raw time, per repeat
    turns = conv.MODEL_TURNS

    def overheads(system: str) -> list[float]:
        return [
            (row["median_ms"] - m) / turns for row, m in zip(rows[system], model_ms, strict=True)
        ]

    nexus = statistics.median(overheads("nexus")) if "nexus" in rows else float("nan")
    lines = [
        "# bench/agent: the platform's overhead per agent turn",
        "",
        f"Command: `uv run python bench/agent/run.py --n {args.n} --repeats {args.repeats}"
        f"{' --quick' if args.quick else ''}` ({args.warmup} warm-up conversations each). "
        "The same two-tool conversation (bench/agent/conversation.py: one model turn asking "
        "for two parallel tool calls, the tools, the answering turn) against the same OpenAI "
        "protocol fake (zero think time, streamed Chat Completions), each system in a fresh "
        "child process; the fake counted exactly "
        f"{turns} model calls per conversation for every system.",
        "",
        "| system | conversation, ms | per turn, ms | overhead per turn, ms | CPU per "
        "conversation, ms | overhead vs Nexus |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for system, found in rows.items():
        conv_ms = [r["median_ms"] for r in found]
        over = overheads(system)
        ratio = statistics.median(over) / nexus if nexus > 0 else float("nan")
        lines.append(
            f"| {system} | {spread(conv_ms)} | {spread([c / turns for c in conv_ms])} | "
            f"{spread(over)} | {spread([r['cpu_ms'] for r in found])} | {ratio:.2f}x |"
        )
    verdict = "met" if nexus <= TARGET_MS else "NOT met"  # NaN (not measured): not met
    versions = {k: v for found in rows.values() for k, v in found[0].get("versions", {}).items()}
    lines += [
        "",
        f"Model time (the fake answering both turns' requests, raw httpx from the driver): "
        f"{spread(model_ms)} ms per conversation. Overhead per turn = (conversation median - "
        f"model time) / {turns}. Medians of {args.repeats} repeats' medians (min-max), order "
        "rotated per repeat. Ratios > 1: the peer spends more per turn than Nexus.",
        "",
        f"**Target** (issue 15): Nexus's overhead per agent turn <= {TARGET_MS:g} ms: "
        f"{nexus:.1f} ms, {verdict}.",
        "",
        "What each side does per conversation: Nexus persists the user message, the agent run, "
        "an orchestrator run with one job per model turn and per tool call (claimed, leased, "
        "finished, each a commit), the policy check of each call, a budget reservation and "
        "settlement and a ledger row per model turn, the assistant and tool messages and the "
        "stream's events (read back by `platform.agents.stream`), on embedded SQLite; the "
        "peers keep the conversation in memory (nothing survives a crash).",
        "",
        "## Facts",
        "",
        f"- machine: {os.cpu_count()} cores, Python {platform.python_version()}; load average "
        f"(1, 5, 15 min) at start {facts['load_start']}, at end {facts['load_end']} (other "
        "work shares this machine)",
        f"- commit {facts['commit']}; src/nexus fingerprint at start {facts['src_start']}, at "
        f"end {facts['src_end']}",
        f"- peers: {', '.join(f'{k} {v}' for k, v in sorted(versions.items())) or 'none'}"
        + (f" ({facts['why_no_peer']})" if facts.get("why_no_peer") else ""),
    ]
    text = "\n".join(lines) + "\n"
    if FINDINGS.exists():
        text += "\n" + FINDINGS.read_text()
    REPORT.write_text(text)
    print(text)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=50, help="Conversations timed per measurement.")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--quick", action="store_true", help="n=10, 1 repeat: a smoke run.")
    p.add_argument("--only", default="", help="Comma-separated systems (default: all).")
    p.add_argument("--report-only", action="store_true", help="REPORT.md from results.json.")
    main(p.parse_args())
