"""`bridgework report --community ID`: the steering's lift over the community's holdout, as CSV
or JSON (an estimate, with its interval; see bot/lift.py)."""

from __future__ import annotations

import csv
import io
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from bot.cli._base import CommunityOption, app, err, with_core
from bot.core import Core
from bot.errors import InputError
from bot.lift import Lift
from bot.pairing.cli import _target, _write_atomically


class Format(StrEnum):
    csv = "csv"
    json = "json"


@app.command("report")
def report(
    community: CommunityOption,
    format: Annotated[Format, typer.Option("--format", help="csv or json.")] = Format.csv,
    out: Annotated[
        Path | None, typer.Option(help="Write the report here instead of stdout; - is stdout.")
    ] = None,
) -> None:
    """Estimate how many more never-met team pairs the steering joined than chance, over the
    community's holdout (`set holdout 10%`)."""
    try:
        target = _target(out)
    except InputError as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error

    async def go(core: Core) -> Lift:
        lift = await core.lift(community)
        if lift is None:
            raise InputError(
                f"community {community} has no holdout to report on",
                usage="an admin starts one in chat; it begins with the next round",
                example="set holdout 10%",
            )
        return lift

    fields = {"community": community, **with_core(go).as_dict()}
    if format is Format.json:
        text = json.dumps(fields, indent=2) + "\n"
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(fields), lineterminator="\n")
        writer.writeheader()
        writer.writerow(fields)
        text = buffer.getvalue()
    if target is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        _write_atomically(target, text)
    except InputError as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
