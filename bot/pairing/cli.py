"""`bridgework pair`: plan rounds from an HR export, no chat platform needed.

Registered in ``bot.cli`` as ``app.command("pair")(pair)``.
"""

from __future__ import annotations

import os
import stat
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
from bot.pairing.model import MIN_GROUP_SIZE, Candidate, PairingSettings, PastGroup
from bot.pairing.plan import PlannedRound, plan_rounds
from bot.pairing.roster import ROSTER_EXAMPLE, read_history, read_roster, round_lines

SHOWN_NAMES = 5
MAX_ROUNDS = 520  # ten years of weekly rounds
MAX_RECENCY = 520
MAX_SEED = 2**63 - 1
STDOUT = Path("-")


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
    rounds: Annotated[int, typer.Option(help=f"How many rounds to plan, 1 to {MAX_ROUNDS}.")] = 1,
    group_size: Annotated[int, typer.Option(help="Members per group, 2 to 6.")] = 2,
    recency: Annotated[int, typer.Option(help="Rounds within which nobody meets again.")] = 12,
    seed: Annotated[int, typer.Option(help="The same seed gives the same rounds.")] = 0,
    out: Annotated[
        Path | None,
        typer.Option(help="Write the rounds here (JSON lines) instead of stdout; - is stdout."),
    ] = None,
) -> None:
    """Plan pairing rounds from a roster: one JSON line per round, a summary on stderr."""
    errors = Console(stderr=True, soft_wrap=True, highlight=False)
    try:
        settings = _settings(group_size, recency, seed, rounds)
        target = _target(out)
        candidates = read_roster(roster)
        if len(candidates) < MIN_GROUP_SIZE:
            raise InputError(
                f"{roster}: a round needs at least two members; the roster has one",
                example=ROSTER_EXAMPLE,
            )
        past = read_history(history) if history is not None else []
        planned = _plan(candidates, past, settings, rounds, errors)
        text = round_lines(planned)
        if target is not None:
            _write_atomically(target, text)
    except InputError as error:
        errors.print(f"[red]error:[/red] {error}", markup=True)
        if error.usage:
            errors.print(f"usage: {error.usage}", markup=False)
        if error.example:
            errors.print(f"example:\n{error.example}", markup=False)
        raise typer.Exit(2) from error
    if target is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    for line in repeat_lines(planned, past, settings.recency):
        errors.print(line, markup=False)
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
    if not 1 <= rounds <= MAX_ROUNDS:
        raise InputError(
            f"--rounds {_short(rounds)}: plan 1 to {MAX_ROUNDS} rounds",
            usage=f"--rounds 1…{MAX_ROUNDS}",
        )
    if not 0 <= recency <= MAX_RECENCY:
        raise InputError(
            f"--recency {_short(recency)}: out of range", usage=f"--recency 0…{MAX_RECENCY}"
        )
    if not 0 <= seed <= MAX_SEED:
        raise InputError(f"--seed {_short(seed)}: out of range", usage="--seed 0 or more, e.g. 7")
    if abs(group_size) > MAX_ROUNDS:
        raise InputError(f"--group-size {_short(group_size)}: out of range", usage="2 to 6")
    try:
        return PairingSettings(group_size=group_size, recency=recency, seed=seed)
    except InputError as error:
        option = "--group-size" if "group size" in str(error) else "--recency"
        raise InputError(f"{option}: {error}", usage=error.usage, example=error.example) from error


def _short(number: int) -> str:
    shown = str(number) if abs(number) < 10**30 else f"{'-' if number < 0 else ''}9…9"
    return shown


def _target(out: Path | None) -> Path | None:
    """Where ``--out`` writes (None: stdout), refused now if it cannot be written whole."""
    if out is None or out == STDOUT:
        return None
    usage = "--out FILE in an existing folder, or --out - for stdout"
    try:
        return _checked_target(out, usage)
    except (OSError, ValueError) as error:  # a name too long, a NUL byte
        shown = str(out) if len(str(out)) <= 60 else f"{str(out)[:60]}…"
        problem = getattr(error, "strerror", None) or str(error)
        raise InputError(f"--out {shown!r}: cannot write there ({problem})", usage=usage) from None


def _checked_target(out: Path, usage: str) -> Path:
    if out.is_dir():
        raise InputError(f"--out {out}: is a folder; name a file in it", usage=usage)
    if os.path.lexists(out) and not stat.S_ISREG(out.lstat().st_mode):
        raise InputError(
            f"--out {out}: is not a regular file, and I will not replace it; "
            "use --out - to write to stdout",
            usage=usage,
        )
    if not out.parent.is_dir():
        raise InputError(f"--out {out}: there is no folder {out.parent}", usage=usage)
    return out


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` only whole: a temporary file beside it, then a rename."""
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except (OSError, ValueError) as error:
        problem = getattr(error, "strerror", None) or str(error)
        raise InputError(f"--out {path}: cannot write there ({problem})") from error
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise InputError(f"--out {path}: cannot write there ({error.strerror})") from error


def repeat_lines(
    planned: Sequence[PlannedRound], past: Sequence[PastGroup], recency: int
) -> list[str]:
    """A line for each planned round in which some pairs meet again within ``recency`` rounds:
    the engine repeats a pair only when no grouping avoids it."""
    met: dict[frozenset[str], int] = {}
    for earlier in past:
        _remember(met, earlier.members, earlier.round_index)
    lines: list[str] = []
    for number, groups in planned:
        again = sum(
            1
            for group in groups
            for pair in _pairs(group)
            if pair in met and number - met[pair] <= recency
        )
        if again:
            lines.append(
                f"round {number}: {again} pair{'s' if again != 1 else ''} meet again "
                f"within {recency} rounds (unavoidable)"
            )
        for planned_group in groups:
            _remember(met, planned_group, number)
    return lines


def _pairs(group: Sequence[str]) -> list[frozenset[str]]:
    return [frozenset((a, b)) for i, a in enumerate(group) for b in group[i + 1 :]]


def _remember(met: dict[frozenset[str], int], group: Sequence[str], number: int) -> None:
    for pair in _pairs(group):
        met[pair] = max(met.get(pair, number), number)


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
