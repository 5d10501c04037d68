"""`bridgework db upgrade` and `doctor`: the schema and the checks of a deployment."""

from __future__ import annotations

import typer

from bot.cli._base import app, load_and_log, out, run_async

db_app = typer.Typer(help="The database: schema upgrades.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema up to this version (refuses a newer schema)."""
    from bot.store import migrate
    from bot.store.db import Database

    async def go() -> None:
        db = Database(load_and_log().database)
        try:
            head = await migrate.upgrade(db)
            out.print(f"Database at {db.location} is at schema {head}.")
        finally:
            await db.dispose()

    run_async(go())


@app.command()
def doctor() -> None:
    """Check the settings, the database and each configured platform."""
    from bot.doctor import run_checks

    checks = run_async(run_checks())
    for check in checks:
        if not check.ok:
            mark = "[red]FIX[/red] "
        elif check.warn:
            mark = "[yellow]WARN[/yellow]"
        else:
            mark = "[green]OK[/green]  "
        out.print(f"{mark} {check.name}: {check.detail}")
    if not all(c.ok for c in checks):
        raise typer.Exit(1)
