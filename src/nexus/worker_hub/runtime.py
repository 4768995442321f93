"""The worker runtime: consume a pool's queue, claim, execute under a lease, report back.

The consume handler only waits for a free slot and claims the job; execution continues in
a task after the handler returns, so a broker acks right after the claim and no broker
consumer timeout can ever kill a long job. The orchestrator owns retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from nexus.contracts.errors import ErrorCode
from nexus.contracts.tasks import ArtifactMeta, Claim
from nexus.core import metrics, telemetry
from nexus.core.broker import Broker, Message
from nexus.core.errors import NexusError, from_exception
from nexus.core.ids import utcnow
from nexus.core.logging import bind_context, get_logger
from nexus.core.registry import Registry, SkillContext
from nexus.core.storage import ArtifactStore
from nexus.worker_hub.executor import SkillExecutor
from nexus.worker_hub.ports import EagerClaim, JobLedger
from nexus.worker_hub.publisher import Publisher

log = get_logger(__name__)
PROGRESS_MIN_INTERVAL_S = 0.5
CLAIM_RETRY_S = 1.0
CLAIM_RETRY_MAX_S = 60.0


class WorkerRuntime:
    def __init__(
        self,
        ledger: JobLedger,
        broker: Broker,
        store: ArtifactStore,
        registry: Registry,
        *,
        pools: list[str],
        concurrency: int,
        lease_s: float,
        heartbeat_s: float,
        workdir: Path,
        process_workers: int,
        owner: str,
    ) -> None:
        self.ledger = ledger
        self.broker = broker
        self.store = store
        self.registry = registry
        self.pools = pools
        self.lease_s = lease_s
        self.heartbeat_s = heartbeat_s
        self.workdir = workdir
        self.owner = owner
        self.publisher = Publisher(broker)
        self._slots = asyncio.Semaphore(concurrency)
        self._concurrency = concurrency
        self._progress: asyncio.Queue[Any] = asyncio.Queue()
        self.executor = SkillExecutor(process_workers=process_workers, progress=self._progress)
        self._tasks: set[asyncio.Task[None]] = set()
        self._consumers: list[asyncio.Task[None]] = []
        self._attempts: dict[str, int] = {}
        self._running: dict[str, _Running] = {}
        self._last_progress: dict[str, float] = {}
        self._claim_failures: dict[str, int] = {}
        self._queues = frozenset(f"nexus.jobs.{pool}" for pool in pools)

    async def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        for pool in self.pools:
            queue = f"nexus.jobs.{pool}"
            self._consumers.append(
                asyncio.create_task(
                    self.broker.consume(
                        queue,
                        functools.partial(self._on_message, queue),
                        prefetch=self._concurrency,
                    )
                )
            )
        self._consumers.append(asyncio.create_task(self._report_progress()))
        self._consumers.append(asyncio.create_task(self._heartbeats()))

    async def stop(self) -> None:
        for task in [*self._consumers, *self._tasks]:
            task.cancel()
        await asyncio.gather(*self._consumers, *self._tasks, return_exceptions=True)
        self.publisher.close()
        self.executor.close()

    @property
    def busy(self) -> int:
        return len(self._tasks)

    async def _on_message(self, queue: str, message: Message) -> None:
        # Checked before taking a slot: a malformed message is dropped with a warning (it
        # names no job to fail), never an exception that would leak the slot.
        raw: Any = message  # typed as a dict, but it is whatever the broker delivered
        job_id = raw.get("job_id") if isinstance(raw, dict) else None
        if not isinstance(job_id, str) or not job_id:
            log.warning("job.message_malformed", queue=queue, message=repr(message)[:200])
            return
        await self._slots.acquire()
        parent = telemetry.extract(message) if telemetry.ENABLED else None
        try:
            with (
                telemetry.span("nexus.job.claim", {"nexus.job_id": job_id}, parent=parent),
                telemetry.quiet(),  # one statement, timed by the claim span (ADR 0255)
            ):
                claim = await self.ledger.claim_job(job_id, owner=self.owner, lease_s=self.lease_s)
        except asyncio.CancelledError:
            self._slots.release()
            raise
        except Exception:
            self._slots.release()
            failures = self._claim_failures.get(job_id, 0) + 1
            self._claim_failures[job_id] = failures
            delay = min(CLAIM_RETRY_MAX_S, CLAIM_RETRY_S * 2 ** (failures - 1))
            log.exception("claim.failed", job_id=job_id, retry_in_s=delay)
            await self.publisher.publish(
                [_Retry(job_id, queue, utcnow() + timedelta(seconds=delay))]
            )
            return
        self._claim_failures.pop(job_id, None)
        if claim is None:
            self._slots.release()
            return
        task = asyncio.create_task(self._execute(claim, parent))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _execute(self, claim: Claim, parent: Any = None) -> None:
        """Run a claimed job, then any job its commit claimed for us, holding one slot.
        Tracing on: each attempt is one span under the dispatch span its message carried (an
        eagerly claimed job: under the run span), with how long the skill and the commit
        took as attributes (ADR 0255)."""
        current: Claim | None = claim
        try:
            while current is not None:
                if not telemetry.ENABLED:
                    current = await self._run_one(current)
                    continue
                t = current.task
                attrs = {"nexus.run_id": t.run_id, "nexus.job_id": t.job_id,
                         "nexus.skill": t.skill, "nexus.attempt": t.attempt}  # fmt: skip
                context = parent or telemetry.run_parent(t.trace_id)
                with telemetry.span(f"nexus.job {t.skill}", attrs, parent=context):
                    current = await self._run_one(current)
                parent = None
        finally:
            self._slots.release()

    async def _run_one(self, claim: Claim) -> Claim | None:
        task = claim.task
        bind_context(run_id=task.run_id, job_id=task.job_id, trace_id=task.trace_id)
        started = time.perf_counter()
        outcome = "failed"
        workdir = self.workdir / f"{task.job_id}-{task.attempt}-{uuid.uuid4().hex[:6]}"
        self._attempts[task.job_id] = task.attempt
        work: asyncio.Task[dict[str, Any]] | None = None
        try:
            ctx = SkillContext(
                run_id=task.run_id,
                job_id=task.job_id,
                node_key=task.node_key,
                attempt=task.attempt,
                workdir_path=workdir,
                upstream=task.inputs,
                artifact_paths=await self._materialise(claim.upstream_artifacts),
                tenant_id=task.tenant_id,
                project_id=task.project_id,
                trace_id=task.trace_id,
                cache_key=task.cache_key,
            )
            skill = self.registry.skill(task.skill)
            if task.skill_version != skill.version:
                raise NexusError(
                    ErrorCode.SKILL_VERSION_MISMATCH,
                    f"the run pinned {task.skill}@{task.skill_version}; "
                    f"this worker has {task.skill}@{skill.version}",
                )
            work = asyncio.create_task(
                self.executor.invoke(skill, task.params, ctx, claim.compensation)
            )
            self._running[task.job_id] = _Running(
                task.attempt, work, time.monotonic() + self.heartbeat_s
            )
            async with asyncio.timeout(task.timeout_s):
                output = await work
            executed = time.perf_counter()
            artifacts = [
                await self.store.put_file(k.path, media_type=k.media_type, name=k.name)
                for k in ctx.kept
            ]
            eager = EagerClaim(self.owner, self.lease_s, self._queues)
            try:
                with telemetry.quiet():  # the step statement; its time is nexus.commit_s
                    _, dispatches = await self.ledger.complete_job(
                        task.job_id, task.attempt, output, artifacts, claim_next=eager
                    )
            except Exception:
                # The output is not committed; the lease expires and the job is reclaimed
                # and run again (retryable), instead of failing a skill that succeeded.
                log.exception("job.commit_failed")
                telemetry.mark_failed("commit_failed")
                return None
            outcome = "succeeded"
            if telemetry.ENABLED:
                execute_s, commit_s = executed - started, time.perf_counter() - executed
                telemetry.annotate({"nexus.execute_s": execute_s, "nexus.commit_s": commit_s})
            await self.publisher.publish(dispatches)
            return eager.claimed
        except asyncio.CancelledError:
            outcome = "abandoned"
            if work is not None and work.cancelled() and not _current_cancelling():
                log.info("job.abandoned", reason="lease lost or job cancelled")
            else:
                raise
        except TimeoutError:
            await self._report_failure(
                task.job_id,
                task.attempt,
                NexusError(ErrorCode.JOB_TIMEOUT, f"exceeded {task.timeout_s:.0f}s"),
            )
        except Exception as exc:  # noqa: BLE001 - every skill error becomes a job failure
            await self._report_failure(task.job_id, task.attempt, from_exception(exc))
        finally:
            metrics.JOBS_FINISHED.labels(task.skill, outcome).inc()
            metrics.JOB_DURATION.labels(task.skill).observe(time.perf_counter() - started)
            if work is not None and not work.done():
                work.cancel()
            self._running.pop(task.job_id, None)
            self._attempts.pop(task.job_id, None)
            self._last_progress.pop(task.job_id, None)
            if workdir.exists():
                shutil.rmtree(workdir, ignore_errors=True)
        return None

    async def _report_failure(self, job_id: str, attempt: int, err: NexusError) -> None:
        log.warning("job.failed", error_code=err.code.value, detail=err.detail[:300])
        telemetry.mark_failed(err.code.value)
        try:
            _, dispatches = await self.ledger.fail_job(job_id, attempt, err.code, err.detail)
        except Exception:
            log.exception("job.failure_not_recorded", job_id=job_id)
            return
        await self.publisher.publish(dispatches)

    async def _heartbeats(self) -> None:
        """One loop extends the leases of all running jobs (no task per job): each job is
        beaten every ``heartbeat_s``, at most half a period late; a job whose lease was lost
        (cancelled, reclaimed) has its work cancelled."""
        while True:
            await asyncio.sleep(self.heartbeat_s / 2)
            now = time.monotonic()
            for job_id, running in list(self._running.items()):
                if running.next_beat > now or running.work.done():
                    continue
                running.next_beat = now + self.heartbeat_s
                try:
                    alive = await self.ledger.heartbeat_job(
                        job_id, running.attempt, lease_s=self.lease_s
                    )
                except Exception:
                    log.warning("heartbeat.failed", job_id=job_id, exc_info=True)
                    continue
                if not alive:
                    running.work.cancel()

    async def _materialise(self, artifacts: list[ArtifactMeta]) -> dict[str, Path]:
        paths: dict[str, Path] = {}
        cache = self.workdir / "_cache"
        for meta in artifacts:
            local = await self.store.local_path(meta.sha256)
            if local is None:
                target = cache / meta.sha256
                local = target if target.exists() else await self.store.fetch(meta.sha256, target)
            paths[meta.sha256] = local
        return paths

    async def _report_progress(self) -> None:
        while True:
            job_id, fraction, message = await self._progress.get()
            now = time.monotonic()
            attempt = self._attempts.get(job_id)
            if attempt is None:
                continue
            if (
                fraction < 1.0
                and now - self._last_progress.get(job_id, 0.0) < PROGRESS_MIN_INTERVAL_S
            ):
                continue
            self._last_progress[job_id] = now
            with contextlib.suppress(Exception):
                await self.ledger.record_progress(job_id, attempt, fraction, message)


@dataclass
class _Running:
    attempt: int
    work: asyncio.Task[dict[str, Any]]
    next_beat: float


@dataclass(frozen=True)
class _Retry:
    job_id: str
    queue: str
    deliver_after: datetime | None


def _current_cancelling() -> bool:
    task = asyncio.current_task()
    return bool(task and task.cancelling())
