"""The `bridgework` command line: demo, run, run-now, db, doctor, community, outbox, themes, pair,
report.

Each module registers its commands on the one Typer ``app`` of ``bot.cli._base``.
"""

from __future__ import annotations

from bot.cli import community, db, outbox, report, roles, run, themes
from bot.cli._base import app
from bot.pairing.cli import pair

__all__ = ["app", "main", "community", "db", "outbox", "report", "roles", "run", "themes"]

app.command("pair")(pair)


def main() -> None:
    app(prog_name="bridgework")
