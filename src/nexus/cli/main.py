"""The ``nexus`` Typer application: wires every sub-command."""

from __future__ import annotations

import typer

from nexus.cli import (
    admin,
    budgets,
    cluster,
    contracts,
    providers,
    revisions,
    runs,
    serve,
    studio,
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
app.add_typer(runs.runs_app, name="runs")
app.command("serve")(serve.serve)
app.command("api")(serve.api)
app.add_typer(admin.admin_app, name="admin")
app.add_typer(contracts.contracts_app, name="contracts")
app.add_typer(budgets.budgets_app, name="budgets")
app.command("costs")(budgets.costs)
app.add_typer(providers.providers_app, name="providers")
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
