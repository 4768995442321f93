"""Invokes a skill's handler on the right executor: the event loop, a thread, or a process.

Process-pool skills get progress reporting through a multiprocessing queue installed by
the pool's initializer; their kept files travel back with the output.

Both sides of a skill are checked here (ADR 0202): the input is validated before the handler
runs (``invalid_input``), the output before it is returned for commit (``invalid_output``:
not the output model, or larger than the skill's ``max_output_bytes``).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from pydantic import BaseModel, ValidationError

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.core.ids import canonical_json
from nexus.core.registry import KeptFile, Skill, SkillContext

_child_progress: Any = None


def _init_child(progress_queue: Any) -> None:
    global _child_progress
    _child_progress = progress_queue


def _run_in_child(
    handler: Any,
    model: type[BaseModel],
    params: dict[str, Any],
    ctx: SkillContext,
    extra: tuple[Any, ...],
) -> tuple[dict[str, Any], list[KeptFile]]:
    ctx.progress_sink = _child_progress
    result = handler(model.model_validate(params), *extra, ctx)
    return _dump(result), ctx.kept


def _dump(result: Any) -> dict[str, Any]:
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    if result is None:
        return {}
    return dict(result)


def _describe(exc: ValidationError, limit: int = 3) -> str:
    parts = [
        f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}"
        for e in exc.errors()[:limit]
    ]
    more = exc.error_count() - limit
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


def validate_input(skill: Skill, params: dict[str, Any]) -> BaseModel:
    try:
        return skill.input_model.model_validate(params)
    except ValidationError as exc:
        raise NexusError(
            ErrorCode.INVALID_INPUT, f"{skill.name}@{skill.version}: {_describe(exc)}"
        ) from None


def validate_output(skill: Skill, result: Any) -> dict[str, Any]:
    """The handler's result as the JSON the orchestrator commits, checked against the skill's
    output model (an instance of it was validated when it was built) and size bound."""
    model = skill.output_model
    try:
        if isinstance(result, model):
            out = result.model_dump(mode="json")
        else:
            raw = result.model_dump(mode="json") if isinstance(result, BaseModel) else result
            out = model.model_validate(raw).model_dump(mode="json")
    except ValidationError as exc:
        raise NexusError(
            ErrorCode.INVALID_OUTPUT, f"{skill.name}@{skill.version}: {_describe(exc)}"
        ) from None
    size = len(canonical_json(out).encode())
    if size > skill.permissions.max_output_bytes:
        raise NexusError(
            ErrorCode.INVALID_OUTPUT,
            f"{skill.name}@{skill.version}: output is {size} bytes, "
            f"over its max_output_bytes {skill.permissions.max_output_bytes}",
        )
    return out


class LoopSink:
    """A thread-safe ``put`` that hands progress items to an asyncio queue."""

    def __init__(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[Any]) -> None:
        self.loop = loop
        self.queue = queue

    def put(self, item: Any) -> None:
        self.loop.call_soon_threadsafe(self.queue.put_nowait, item)


class SkillExecutor:
    def __init__(self, *, process_workers: int, progress: asyncio.Queue[Any]) -> None:
        self._progress = progress
        self._process_workers = process_workers
        self._pool: ProcessPoolExecutor | None = None
        self._mp_queue: Any = None
        self._drain: threading.Thread | None = None

    def _process_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            mp = multiprocessing.get_context("spawn")
            self._mp_queue = mp.Queue()
            self._pool = ProcessPoolExecutor(
                max(1, self._process_workers),
                mp_context=mp,
                initializer=_init_child,
                initargs=(self._mp_queue,),
            )
            sink = LoopSink(asyncio.get_running_loop(), self._progress)
            self._drain = threading.Thread(target=self._drain_loop, args=(sink,), daemon=True)
            self._drain.start()
        return self._pool

    def _drain_loop(self, sink: LoopSink) -> None:
        while True:
            item = self._mp_queue.get()
            if item is None:
                return
            sink.put(item)

    async def invoke(
        self,
        skill: Skill,
        params: dict[str, Any],
        ctx: SkillContext,
        compensation: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        handler = skill.handler if compensation is None else skill.compensate
        if handler is None:
            raise NexusError(ErrorCode.SKILL_NOT_FOUND, f"{skill.name} has no compensation")
        extra: tuple[Any, ...] = () if compensation is None else (compensation.get("output", {}),)
        if compensation is not None:
            params = compensation.get("params", params)
        inp = validate_input(skill, params)
        result = await self._call(skill, handler, inp, params, ctx, extra)
        if compensation is not None:  # a compensation's result is not the skill's output
            return _dump(result)
        return validate_output(skill, result)

    async def _call(
        self,
        skill: Skill,
        handler: Any,
        inp: BaseModel,
        params: dict[str, Any],
        ctx: SkillContext,
        extra: tuple[Any, ...],
    ) -> Any:
        if skill.executor == "process" and self._process_workers > 0:
            loop = asyncio.get_running_loop()
            out, kept = await loop.run_in_executor(
                self._process_pool(),
                _run_in_child,
                handler,
                skill.input_model,
                params,
                ctx,
                extra,
            )
            ctx.kept.extend(kept)
            return out
        ctx.progress_sink = LoopSink(asyncio.get_running_loop(), self._progress)
        if skill.executor == "async":
            return await handler(inp, *extra, ctx)
        return await asyncio.to_thread(handler, inp, *extra, ctx)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._mp_queue.put(None)
            self._pool = None
