"""`bridgework pair`, driven through the typer app as a person would run it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from bot.pairing.cli import pair

ROSTER = """id,name,team,timezone,never_with
u1,Ada,Acme/Eng/Platform,Europe/London,u2
u2,Bo,Acme/Eng/Platform,Europe/London,
u3,Cy,Acme/Sales/Field,America/New_York,
u4,Di,Acme/Sales/Field,America/New_York,
u5,Ed,Globex/Ops/Support,Asia/Tokyo,
u6,Flo,Globex/Ops/Support,Asia/Tokyo,u1
"""


def the_app() -> typer.Typer:
    """``bot.cli.app`` once it registers ``pair``; until then an app of our own."""
    from bot.cli import app

    if any(c.name == "pair" for c in app.registered_commands):
        return app
    own = typer.Typer()
    own.command("pair")(pair)
    own.command("version")(lambda: None)
    return own


def run(*args: str) -> Result:
    return CliRunner().invoke(the_app(), ["pair", *args])


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER)
    return path


def rounds_of(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_one_round_is_written_to_stdout_as_a_json_line(roster: Path) -> None:
    result = run("--roster", str(roster))
    assert result.exit_code == 0, result.stderr
    (line,) = rounds_of(result.stdout)
    assert line["round"] == 1
    groups = line["groups"]
    assert isinstance(groups, list)
    assert sorted(m for g in groups for m in g) == ["u1", "u2", "u3", "u4", "u5", "u6"]
    assert "E-I index" in result.stderr


def test_several_rounds_never_repeat_a_pair_and_respect_never_lists(roster: Path) -> None:
    result = run("--roster", str(roster), "--rounds", "3", "--seed", "5")
    assert result.exit_code == 0, result.stderr
    lines = rounds_of(result.stdout)
    assert [r["round"] for r in lines] == [1, 2, 3]
    pairs = [frozenset(g) for r in lines for g in r["groups"]]
    assert len(pairs) == len(set(pairs))
    assert frozenset({"u1", "u2"}) not in pairs and frozenset({"u1", "u6"}) not in pairs


def test_one_runs_output_feeds_the_next_as_history(roster: Path, tmp_path: Path) -> None:
    first = tmp_path / "first.jsonl"
    assert run("--roster", str(roster), "--rounds", "2", "--out", str(first)).exit_code == 0
    result = run("--roster", str(roster), "--history", str(first))
    assert result.exit_code == 0, result.stderr
    (line,) = rounds_of(result.stdout)
    assert line["round"] == 3
    before = {frozenset(g) for r in rounds_of(first.read_text()) for g in r["groups"]}
    assert not {frozenset(g) for g in line["groups"]} & before


def test_out_gets_the_rounds_and_stdout_stays_empty(roster: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.jsonl"
    result = run("--roster", str(roster), "--rounds", "2", "--out", str(out))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert len(rounds_of(out.read_text())) == 2


def test_the_same_seed_plans_the_same_rounds(roster: Path) -> None:
    first = run("--roster", str(roster), "--rounds", "2", "--seed", "9").stdout
    assert first == run("--roster", str(roster), "--rounds", "2", "--seed", "9").stdout


def test_groups_of_three_are_planned(roster: Path) -> None:
    result = run("--roster", str(roster), "--group-size", "3")
    (line,) = rounds_of(result.stdout)
    assert sorted(len(g) for g in line["groups"]) == [3, 3]


BAD_ROSTERS = {
    "missing column": ("id,name\nu1,Ada\n", "line 1, column team"),
    "duplicate id": ("id,name,team\nu1,Ada,A/B\nu2,Bo,A/C\nu1,Cy,A/D\n", "line 4, column id"),
    "unknown never_with": (
        "id,name,team,never_with\nu1,Ada,A/B,\nu2,Bo,A/C,u1;u9\n",
        "line 3, column never_with",
    ),
    "empty file": ("", "line 1"),
    "unknown time zone": (
        "id,name,team,timezone\nu1,Ada,A/B,UTC\nu2,Bo,A/C,Mars/Olympus\n",
        "line 3, column timezone",
    ),
    "bad team path": ("id,name,team\nu1,Ada,A//B\nu2,Bo,A/C\n", "line 2, column team"),
    "empty id": ("id,name,team\n,Ada,A/B\n", "line 2, column id"),
    "header only": ("id,name,team\n", "no members"),
}


@pytest.mark.parametrize("case", sorted(BAD_ROSTERS))
def test_a_bad_roster_names_line_and_column_and_writes_nothing(case: str, tmp_path: Path) -> None:
    text, where = BAD_ROSTERS[case]
    roster = tmp_path / "roster.csv"
    roster.write_text(text)
    out = tmp_path / "plan.jsonl"
    result = run("--roster", str(roster), "--out", str(out))
    assert result.exit_code == 2
    assert where in result.stderr
    assert result.stdout == ""
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.csv"]


BAD_HISTORY = {
    "not json": ('{"round": 1, "groups": [["u1", "u3"]]}\n{"round": 2, groups}\n', "line 2"),
    "no round": ('{"groups": [["u1", "u3"]]}\n', "line 1, column round"),
    "bad groups": ('{"round": 1, "groups": "u1,u3"}\n', "line 1, column groups"),
}


@pytest.mark.parametrize("case", sorted(BAD_HISTORY))
def test_a_bad_history_names_the_line(case: str, roster: Path, tmp_path: Path) -> None:
    text, where = BAD_HISTORY[case]
    history = tmp_path / "past.jsonl"
    history.write_text(text)
    result = run("--roster", str(roster), "--history", str(history))
    assert result.exit_code == 2
    assert where in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("size", ["1", "7"])
def test_a_group_size_out_of_range_is_refused(size: str, roster: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.jsonl"
    result = run("--roster", str(roster), "--group-size", size, "--out", str(out))
    assert result.exit_code == 2
    assert f"--group-size: group size {size} is out of range" in result.stderr
    assert "2 to 6" in result.stderr
    assert not out.exists()


def test_zero_rounds_are_refused(roster: Path) -> None:
    result = run("--roster", str(roster), "--rounds", "0")
    assert result.exit_code == 2
    assert "--rounds" in result.stderr


def test_an_existing_out_file_is_kept_when_the_input_is_bad(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\nu1,Ada\n")
    out = tmp_path / "plan.jsonl"
    out.write_text("kept\n")
    assert run("--roster", str(roster), "--out", str(out)).exit_code == 2
    assert out.read_text() == "kept\n"


def test_a_progress_bar_shows_on_a_terminal_and_changes_no_round() -> None:
    import io

    from rich.console import Console

    from bot.pairing.cli import _plan
    from bot.pairing.model import PairingSettings
    from bot.pairing.plan import plan_rounds
    from tests.bot.pairing.factories import a_history, a_roster

    members = a_roster([30, 20, 10])
    past = a_history(members, 2)
    settings = PairingSettings(seed=3)
    screen = io.StringIO()
    shown = _plan(members, past, settings, 3, Console(file=screen, force_terminal=True, width=100))
    assert "Pairing 60 members" in screen.getvalue() and "3/3" in screen.getvalue()
    piped = io.StringIO()
    quiet = _plan(members, past, settings, 3, Console(file=piped, force_terminal=False))
    assert piped.getvalue() == ""
    assert shown == quiet == plan_rounds(members, past, settings, 3)
