"""Nexus's budget guard vs LiteLLM's budget on the same fake-provider workload.

    uv run python bench/router/litellm_compare.py [--repeats 3] [--quick]

LiteLLM is installed into its own environment (bench/router/.venv-litellm, created here with
uv; never the project's lockfile) and driven by litellm_worker.py. Both clients call the
OpenAI-compatible protocol fake (bench/router/fake_provider.py, a separate process that
counts what reached it):

- overshoot: 100 concurrent callers x 5 calls of ~0.011 USD each (20 ms provider latency)
  against a budget of 1.10 USD (100 calls). Overshoot = what the provider was actually asked
  to do (its submission count x the call's price) beyond the budget;
- per-call overhead: 200 sequential calls (no provider latency), median, minus the median
  of raw httpx posts to the same fake in the same process.

Medians of the repeats, order alternating per repeat. Writes the "litellm" section of
bench/router/REPORT.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench.router.report_section import facts, write_section  # noqa: E402

from nexus.budgets import service  # noqa: E402
from nexus.budgets.units import Limits  # noqa: E402
from nexus.contracts.errors import ErrorCode  # noqa: E402
from nexus.contracts.router import CallScope  # noqa: E402
from nexus.core.errors import NexusError  # noqa: E402
from nexus.core.settings import load_settings  # noqa: E402
from nexus.model_router import build_client  # noqa: E402
from nexus.platform import Platform  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "litellm_results.json"
VENV = HERE / ".venv-litellm"
PRICE = 0.001  # USD per token, in and out
PROMPT = [{"role": "user", "content": "please plan the next shot"}]
CALL_USD = 11 * PRICE  # 5 prompt + 6 completion tokens ("echo: please plan the next shot")
BUDGET = 100 * CALL_USD
SCOPE = CallScope(tenant_id="ten_bench", project_id="prj_bench", run_id="run_bench")


def ensure_litellm() -> tuple[Path | None, str]:
    python = VENV / "bin" / "python"
    if not python.exists():
        made = subprocess.run(
            ["uv", "venv", str(VENV), "--python", sys.executable, "-q"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if made.returncode != 0:
            return None, f"uv venv failed: {made.stderr.strip()[-300:]}"
    got = subprocess.run(
        ["uv", "pip", "install", "--python", str(python), "-q", "litellm"],
        capture_output=True, text=True, check=False, timeout=1200,
    )  # fmt: skip
    if got.returncode != 0:
        return None, f"pip install litellm failed: {got.stderr.strip()[-500:]}"
    return python, ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Provider:
    """The fake provider process."""

    def __init__(self, latency_ms: float) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "fake_provider.py"), "--port", str(self.port),
             "--latency-ms", str(latency_ms)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        assert self.proc.stdout is not None
        self.proc.stdout.readline()  # "listening on ..."
        self.auth = {"Authorization": "Bearer sk-test"}

    def reset(self) -> None:
        httpx.post(f"{self.url}/bench/reset", headers=self.auth).raise_for_status()

    def count(self) -> int:
        r = httpx.get(f"{self.url}/bench/count", headers=self.auth)
        return int(r.json()["chat"])

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def litellm_run(python: Path, provider: Provider, mode: str, **kw: Any) -> dict[str, Any]:
    argv = [str(python), str(HERE / "litellm_worker.py"), "--url", provider.url, "--mode", mode,
            "--price", str(PRICE)]  # fmt: skip
    for key, value in kw.items():
        argv += [f"--{key}", str(value)]
    out = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def nexus_settings(url: str, data_dir: Path) -> Any:
    provider = {
        "name": "fake",
        "kind": "openai",
        "base_url": f"{url}/v1",
        "api_key": "sk-test",
        "max_retries": 0,
        "models": [
            {
                "name": "fake-chat",
                "capabilities": ["chat"],
                "prices": {"input_per_mtok": PRICE * 1e6, "output_per_mtok": PRICE * 1e6},
                "concurrency": 200,
            }
        ],
    }
    return load_settings(
        env="test", data_dir=data_dir, providers=[provider], router={"offline_fallback": False}
    )


async def nexus_overshoot(provider: Provider, callers: int, calls: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        platform = await Platform(nexus_settings(provider.url, Path(tmp))).open()
        client = build_client(platform.settings, platform.guard, platform.recorder, platform.cache)
        try:
            await service.set_budget(
                platform.db, platform.guard, SCOPE.tenant_id, "project", SCOPE.project_id,
                Limits.of(usd=BUDGET),
            )  # fmt: skip

            async def caller() -> int:
                made = 0
                for _ in range(calls):
                    try:
                        await client.chat(SCOPE, PROMPT, max_tokens=8)
                        made += 1
                    except NexusError as exc:
                        assert exc.code is ErrorCode.BUDGET_EXHAUSTED, exc
                return made

            made = sum(await asyncio.gather(*(caller() for _ in range(callers))))
            view = await service.show_budget(
                platform.db, platform.guard, SCOPE.tenant_id, "project", SCOPE.project_id
            )
        finally:
            await client.close()
            await platform.close()
    return {"calls": made, "recorded_cost": view.spent.micro_usd / 1e6}


async def nexus_latency(provider: Provider, n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        platform = await Platform(nexus_settings(provider.url, Path(tmp))).open()
        client = build_client(platform.settings, platform.guard, platform.recorder, platform.cache)
        try:
            await service.set_budget(
                platform.db, platform.guard, SCOPE.tenant_id, "project", SCOPE.project_id,
                Limits.of(usd=1e9),
            )  # fmt: skip
            for _ in range(20):
                await client.chat(SCOPE, PROMPT, max_tokens=8)
            times, cpu0 = [], time.process_time()
            for _ in range(n):
                t0 = time.perf_counter()
                await client.chat(SCOPE, PROMPT, max_tokens=8)
                times.append(time.perf_counter() - t0)
            cpu = time.process_time() - cpu0
        finally:
            await client.close()
            await platform.close()
    raw = []
    body = {"model": "fake-chat", "messages": PROMPT, "max_tokens": 8}
    async with httpx.AsyncClient(base_url=f"{provider.url}/v1") as http:
        for _ in range(n):
            t0 = time.perf_counter()
            (await http.post("/chat/completions", json=body, headers=provider.auth)).json()
            raw.append(time.perf_counter() - t0)
    return {
        "median_ms": statistics.median(times) * 1000,
        "raw_median_ms": statistics.median(raw) * 1000,
        "cpu_ms_call": cpu / n * 1000,
    }


def measure_overshoot(
    side: str, python: Path | None, provider: Provider, args: Any
) -> dict[str, Any]:
    provider.reset()
    if side.startswith("litellm"):
        assert python is not None
        track = "callback" if side.endswith("callback") else "builtin"
        row = litellm_run(python, provider, "overshoot", budget=BUDGET, callers=args.callers,
                          calls=args.calls, track=track)  # fmt: skip
    else:
        row = asyncio.run(nexus_overshoot(provider, args.callers, args.calls))
    row["submitted"] = provider.count()
    row["true_cost"] = row["submitted"] * CALL_USD
    row["overshoot_usd"] = max(0.0, row["true_cost"] - BUDGET)
    return row


def main(args: argparse.Namespace) -> None:
    python, why = ensure_litellm()
    sides = ["nexus", "litellm"] if python is not None else ["nexus"]
    slow, fast = Provider(args.latency_ms), Provider(0)
    over_sides = ["nexus", "litellm", "litellm+callback"] if python is not None else ["nexus"]
    over: dict[str, list[dict[str, Any]]] = {s: [] for s in over_sides}
    lat: dict[str, list[dict[str, Any]]] = {s: [] for s in sides}
    try:
        for rep in range(args.repeats):
            for side in over_sides if rep % 2 == 0 else over_sides[::-1]:
                over[side].append(measure_overshoot(side, python, slow, args))
                print(side, "overshoot", over[side][-1], flush=True)
            for side in sides if rep % 2 == 0 else sides[::-1]:
                if side == "litellm" and python is not None:
                    lat[side].append(litellm_run(python, fast, "latency", n=args.n))
                else:
                    lat[side].append(asyncio.run(nexus_latency(fast, args.n)))
                print(side, "latency", lat[side][-1], flush=True)
    finally:
        slow.stop()
        fast.stop()
    RESULTS.write_text(json.dumps({"over": over, "lat": lat, "why": why}, indent=1))
    report(args, over, lat, why, python)


def med(rows: list[dict[str, Any]], key: str) -> float:
    return statistics.median(float(r[key]) for r in rows)


def report(
    args: Any, over: dict[str, Any], lat: dict[str, Any], why: str, python: Path | None
) -> None:
    version = over["litellm"][0].get("litellm", "?") if "litellm" in over else "-"
    lines = [
        "## Budgets against LiteLLM (bench/router/litellm_compare.py)",
        "",
        f"Command: `uv run python bench/router/litellm_compare.py --repeats {args.repeats}`; "
        f"LiteLLM {version} in its own venv (`bench/router/.venv-litellm`), its in-library "
        "budget (`litellm.max_budget`, checked before a call, cost added after it); Nexus: "
        "the embedded platform's guard (SQLite row-locked counters) and cost ledger under "
        "`ModelClient`. Provider: the OpenAI-compatible fake in its own process.",
        facts(),
        "",
    ]
    if python is None:
        lines += [f"LiteLLM did not install, so only Nexus was measured: {why}", ""]
    lines += [
        f"Overshoot: {args.callers} concurrent callers x {args.calls} calls of {CALL_USD:.3f} "
        f"USD ({args.latency_ms:.0f} ms provider latency), budget {BUDGET:.2f} USD "
        f"({round(BUDGET / CALL_USD)} calls); medians of {args.repeats} (max overshoot):",
        "",
        "| client | calls that succeeded | calls the provider received | true cost USD | "
        "overshoot USD (max) | cost the client recorded |",
        "|---|---|---|---|---|---|",
    ]
    names = {
        "nexus": "Nexus (reserve before, settle after)",
        "litellm": "LiteLLM `max_budget` as shipped",
        "litellm+callback": "LiteLLM `max_budget` + a callback adding `response_cost`",
    }
    for side, rows in over.items():
        worst = max(r["overshoot_usd"] for r in rows)
        lines.append(
            f"| {names[side]} | {med(rows, 'calls'):.0f} | {med(rows, 'submitted'):.0f} | "
            f"{med(rows, 'true_cost'):.3f} | {worst:.3f} ({worst / BUDGET:.0%}) | "
            f"{med(rows, 'recorded_cost'):.3f} |"
        )
    shipped = over.get("litellm")
    if shipped and max(r["recorded_cost"] for r in shipped) == 0:
        lines += [
            "",
            "LiteLLM as shipped recorded no cost at all, so `max_budget` never refused a call: "
            "its success handler adds to `litellm._current_cost` only when the result is a "
            "dict with a `content` key (`litellm_core_utils/litellm_logging.py`), which a chat "
            "completion is not. With the callback the budget works as designed, and is "
            "overshot by every call that started before the spend of earlier ones was added.",
        ]
    lines += [
        "",
        f"Per-call overhead: {args.n} sequential calls, no provider latency; overhead = the "
        "client's median minus raw httpx's median against the same fake, same process:",
        "",
        "| client | median ms/call | raw httpx median ms | overhead ms/call | CPU ms/call |",
        "|---|---|---|---|---|",
    ]
    for side, rows in lat.items():
        m, raw = med(rows, "median_ms"), med(rows, "raw_median_ms")
        lines.append(
            f"| {side} | {m:.2f} | {raw:.2f} | {m - raw:.2f} | {med(rows, 'cpu_ms_call'):.2f} |"
        )
    if "litellm" in lat:
        ratio = (med(lat["litellm"], "median_ms") - med(lat["litellm"], "raw_median_ms")) / max(
            1e-9, med(lat["nexus"], "median_ms") - med(lat["nexus"], "raw_median_ms")
        )
        cpu = med(lat["litellm"], "cpu_ms_call") / max(1e-9, med(lat["nexus"], "cpu_ms_call"))
        lines += [
            "",
            f"Same run: LiteLLM's wall overhead is {ratio:.1f}x Nexus's and its client CPU per "
            f"call {cpu:.1f}x (Nexus's includes the budget reservation, the settlement and the "
            "ledger row, three SQLite transactions). On a loaded machine the wall figures are "
            "differences of medians that move with the load; CPU per call is the steadier one.",
        ]
    write_section("litellm", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--callers", type=int, default=100)
    p.add_argument("--calls", type=int, default=5)
    p.add_argument("--latency-ms", type=float, default=20.0)
    p.add_argument("--n", type=int, default=200)
    p.add_argument("--quick", action="store_true", help="1 repeat, 50 sequential calls")
    p.add_argument("--report-only", action="store_true", help="rewrite the report from JSON")
    parsed = p.parse_args()
    if parsed.report_only:
        saved = json.loads(RESULTS.read_text())
        report(parsed, saved["over"], saved["lat"], saved["why"], VENV / "bin" / "python")
        raise SystemExit(0)
    if parsed.quick:
        parsed.repeats, parsed.n = 1, 50
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    main(parsed)
