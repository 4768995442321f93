"""The LiteLLM side of litellm_compare.py, run inside bench/router/.venv-litellm (never in
the project's environment; it imports nothing of Nexus). Prints one JSON object.

    overshoot: ``callers`` concurrent coroutines make ``calls`` acompletion calls each, with
               ``litellm.max_budget`` set (LiteLLM's in-library budget: it checks the cost
               recorded so far before a call and adds the call's cost after it).
    latency:   ``n`` sequential calls, each timed, and the same number of raw httpx posts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no fetch from the internet

import httpx
import litellm
from litellm.integrations.custom_logger import CustomLogger

MODEL = "openai/fake-chat"
PROMPT = [{"role": "user", "content": "please plan the next shot"}]


def register(price_per_token: float) -> None:
    info = {
        "input_cost_per_token": price_per_token,
        "output_cost_per_token": price_per_token,
        "litellm_provider": "openai",
        "mode": "chat",
        "max_tokens": 4096,
    }
    litellm.register_model({MODEL: info, MODEL.split("/", 1)[1]: info})


class AddCost(CustomLogger):
    """What a user adds when ``max_budget`` alone records nothing: each successful call's
    ``response_cost`` goes into the spend ``max_budget`` is checked against."""

    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):  # type: ignore[no-untyped-def]
        litellm._current_cost += float(kwargs.get("response_cost") or 0.0)


async def one(url: str) -> bool:
    try:
        await litellm.acompletion(
            model=MODEL, messages=PROMPT, api_base=f"{url}/v1", api_key="sk-test", max_tokens=8
        )
    except litellm.BudgetExceededError:
        return False
    return True


async def overshoot(args: argparse.Namespace) -> dict[str, object]:
    litellm.max_budget = args.budget
    litellm._current_cost = 0.0
    if args.track == "callback":
        litellm.callbacks = [AddCost()]

    async def caller() -> int:
        made = 0
        for _ in range(args.calls):
            made += int(await one(args.url))
        return made

    made = await asyncio.gather(*(caller() for _ in range(args.callers)))
    await asyncio.sleep(0.5)  # success callbacks run after the call returns
    return {"calls": sum(made), "recorded_cost": litellm._current_cost, "track": args.track}


async def latency(args: argparse.Namespace) -> dict[str, object]:
    litellm.max_budget = 1e12  # the budget check stays on the path, as in the overshoot run
    for _ in range(20):
        await one(args.url)  # warm-up: imports, connection pool
    times, cpu0 = [], time.process_time()
    for _ in range(args.n):
        t0 = time.perf_counter()
        await one(args.url)
        times.append(time.perf_counter() - t0)
    cpu = time.process_time() - cpu0
    raw = []
    body = {"model": "fake-chat", "messages": PROMPT, "max_tokens": 8}
    async with httpx.AsyncClient(base_url=f"{args.url}/v1") as client:
        for _ in range(args.n):
            t0 = time.perf_counter()
            r = await client.post(
                "/chat/completions", json=body, headers={"Authorization": "Bearer sk-test"}
            )
            r.json()
            raw.append(time.perf_counter() - t0)
    return {
        "median_ms": statistics.median(times) * 1000,
        "raw_median_ms": statistics.median(raw) * 1000,
        "cpu_ms_call": cpu / args.n * 1000,
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--mode", choices=["overshoot", "latency"], required=True)
    p.add_argument("--price", type=float, required=True, help="USD per token (in and out)")
    p.add_argument("--budget", type=float, default=1.0)
    p.add_argument("--callers", type=int, default=100)
    p.add_argument("--calls", type=int, default=5)
    p.add_argument("--n", type=int, default=200)
    p.add_argument(
        "--track", choices=["builtin", "callback"], default="builtin",
        help="builtin: max_budget as shipped; callback: plus a success callback adding cost",
    )  # fmt: skip
    args = p.parse_args()
    register(args.price)
    run = overshoot if args.mode == "overshoot" else latency
    out = asyncio.run(run(args))
    out["litellm"] = litellm.__dict__.get("version", "") or _version()
    print(json.dumps(out))


def _version() -> str:
    from importlib.metadata import version

    return version("litellm")


if __name__ == "__main__":
    main()
