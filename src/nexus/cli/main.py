"""The ``nexus`` Typer application: wires every sub-command."""

from __future__ import annotations

import typer

from nexus.cli import (
    admin,
    approvals,
    asset_choices,
    assets,
    budgets,
    chat,
    cluster,
    contracts,
    explain,
    observe,
    policies,
    providers,
    revisions,
    routing,
    runs,
    serve,
    skills,
    studio,
    user_skills,
)
from nexus.cli.common import console, report_errors, run_async, settings_from_env
from nexus.core.db import Database
from nexus.core.migrate import migrate as apply_migrations

app = typer.Typer(
    name="nexus",
    help="Nexus: story to narrated, subtitled video, durably.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("produce")(studio.produce)
app.command("revise")(studio.revise)
app.command("revise-entity")(revisions.revise_entity)
app.command("edit-cue")(revisions.edit_cue)
app.command("run")(runs.run_pipeline)
runs.runs_app.command("explain")(explain.explain)
app.add_typer(runs.runs_app, name="runs")
runs.runs_app.command("pin-asset")(asset_choices.pin_asset)
runs.runs_app.command("reject-asset")(asset_choices.reject_asset)
app.add_typer(asset_choices.bible_app, name="bible")
app.add_typer(observe.observe_app, name="observe")
app.command("serve")(serve.serve)
app.command("api")(serve.api)
app.add_typer(admin.admin_app, name="admin")
app.add_typer(contracts.contracts_app, name="contracts")
app.add_typer(budgets.budgets_app, name="budgets")
app.add_typer(assets.assets_app, name="assets")
app.command("costs")(budgets.costs)
app.add_typer(providers.providers_app, name="providers")
providers.providers_app.command("route")(routing.route)
app.add_typer(skills.skills_app, name="skills")
app.add_typer(policies.policies_app, name="policies")
app.add_typer(approvals.approvals_app, name="approvals")
app.add_typer(chat.chat_app, name="chat")
app.add_typer(user_skills.user_skills_app, name="user-skills")
app.command("orchestrator")(cluster.orchestrator)
app.command("worker")(cluster.worker)


@app.command("migrate")
@report_errors
def migrate() -> None:
    """Apply database migrations (embedded mode also does this on first use)."""
    settings = settings_from_env()

    async def go() -> bool:
        db = Database.from_url(settings.database_url)
        try:
            return await apply_migrations(db.engine)
        finally:
            await db.dispose()

    applied = run_async(go())
    console.print("migrations applied" if applied else "database is up to date")


if __name__ == "__main__":
    app()
