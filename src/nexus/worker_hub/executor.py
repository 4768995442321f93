"""Invokes a skill's handler on the right executor: the event loop, a thread, or a process.

Process-pool skills get progress reporting through a multiprocessing queue installed by
the pool's initializer; their kept files travel back with the output.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from pydantic import BaseModel

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
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
        model = skill.input_model
        if skill.executor == "process" and self._process_workers > 0:
            loop = asyncio.get_running_loop()
            out, kept = await loop.run_in_executor(
                self._process_pool(), _run_in_child, handler, model, params, ctx, extra
            )
            ctx.kept.extend(kept)
            return out
        ctx.progress_sink = LoopSink(asyncio.get_running_loop(), self._progress)
        inp = model.model_validate(params)
        if skill.executor == "async":
            return _dump(await handler(inp, *extra, ctx))
        return _dump(await asyncio.to_thread(handler, inp, *extra, ctx))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._mp_queue.put(None)
            self._pool = None
