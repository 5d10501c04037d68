"""`bridgework pair`: plan rounds from an HR export, no chat platform needed.

Registered in ``bot.cli`` as ``app.command("pair")(pair)``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from bot.errors import InputError
from bot.network import NetworkReport, summarise
from bot.pairing.model import Candidate, PairingSettings, PastGroup
from bot.pairing.plan import PlannedRound, plan_rounds
from bot.pairing.roster import read_history, read_roster, round_lines

SHOWN_NAMES = 5


def pair(
    roster: Annotated[
        Path,
        typer.Option(
            help="Roster CSV: columns id,name,team; optional timezone,never_with (ids split by ;)."
        ),
    ],
    history: Annotated[
        Path | None,
        typer.Option(help="Past rounds as JSON lines, the format this command writes."),
    ] = None,
    rounds: Annotated[int, typer.Option(help="How many rounds to plan.")] = 1,
    group_size: Annotated[int, typer.Option(help="Members per group, 2 to 6.")] = 2,
    recency: Annotated[int, typer.Option(help="Rounds within which nobody meets again.")] = 12,
    seed: Annotated[int, typer.Option(help="The same seed gives the same rounds.")] = 0,
    out: Annotated[
        Path | None, typer.Option(help="Write the rounds here (JSON lines) instead of stdout.")
    ] = None,
) -> None:
    """Plan pairing rounds from a roster: one JSON line per round, a summary on stderr."""
    errors = Console(stderr=True, soft_wrap=True, highlight=False)
    try:
        settings = _settings(group_size, recency, seed, rounds)
        candidates = read_roster(roster)
        past = read_history(history) if history is not None else []
        planned = _plan(candidates, past, settings, rounds, errors)
    except InputError as error:
        errors.print(f"[red]error:[/red] {error}", markup=True)
        if error.usage:
            errors.print(f"usage: {error.usage}", markup=False)
        if error.example:
            errors.print(f"example:\n{error.example}", markup=False)
        raise typer.Exit(2) from error
    text = round_lines(planned)
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        _write_atomically(out, text)
    errors.print(summary_table(planned, candidates))


def _plan(
    candidates: Sequence[Candidate],
    past: Sequence[PastGroup],
    settings: PairingSettings,
    rounds: int,
    console: Console,
) -> list[PlannedRound]:
    """The rounds, one at a time under a progress bar on the terminal (none when piped)."""
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    planned: list[PlannedRound] = []
    history = list(past)
    with Progress(
        *columns, console=console, transient=True, disable=not console.is_terminal
    ) as bar:
        task = bar.add_task(f"Pairing {len(candidates):,} members", total=rounds)
        for _ in range(rounds):
            [(number, groups)] = plan_rounds(candidates, history, settings, 1)
            planned.append((number, groups))
            history.extend(PastGroup(number, group) for group in groups)
            bar.advance(task)
    return planned


def _settings(group_size: int, recency: int, seed: int, rounds: int) -> PairingSettings:
    if rounds < 1:
        raise InputError(f"--rounds {rounds}: plan at least one round", usage="--rounds 1 or more")
    try:
        return PairingSettings(group_size=group_size, recency=recency, seed=seed)
    except InputError as error:
        option = "--group-size" if "group size" in str(error) else "--recency"
        raise InputError(f"{option}: {error}", usage=error.usage, example=error.example) from error


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` only whole: a temporary file beside it, then a rename."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        raise


def summary_table(planned: Sequence[PlannedRound], candidates: Sequence[Candidate]) -> Table:
    """The network figures of the planned rounds, a row a round and the cumulative figures."""
    team_of = {c.id: c.team for c in candidates}
    report = summarise([groups for _, groups in planned], team_of, least=3)
    table = Table(
        title=f"{len(candidates)} members, {len(report.teams)} teams", title_justify="left"
    )
    for heading in ("round", "groups", "cross-team ties", "team pairs met", "E-I index"):
        table.add_column(heading, justify="right")
    for at, (number, groups) in enumerate(planned):
        table.add_row(
            str(number),
            str(len(groups)),
            str(report.cross_team_ties_per_round[at]),
            f"{report.coverage_per_round[at]:.1%}",
            f"{report.ei_index_per_round[at]:+.2f}",
        )
    table.add_section()
    table.add_row(
        "all",
        str(sum(len(g) for _, g in planned)),
        str(report.cross_team_ties),
        f"{report.coverage_fraction:.1%}",
        f"{report.ei_index:+.2f}",
    )
    table.caption = _caption(report)
    table.caption_justify = "left"
    return table


def _caption(report: NetworkReport) -> str:
    never = report.never_crossed
    shown = ", ".join(never[:SHOWN_NAMES]) + (" …" if len(never) > SHOWN_NAMES else "")
    lines = [f"never met another team: {len(never)}" + (f" ({shown})" if never else "")]
    if report.least_connected:
        pairs = "; ".join(f"{p.first} – {p.second}: {p.ties}" for p in report.least_connected)
        lines.append(f"least connected team pairs: {pairs}")
    return "\n".join(lines)
