"""`bridgework pair` given bad files and paths: a message naming the problem, exit 2, nothing
written or replaced."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.bot.pairing.test_cli import ROSTER, run


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER)
    return path


def refused(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    return result.stderr


def test_a_five_megabyte_field_is_reported_at_its_line(tmp_path: Path) -> None:
    roster = tmp_path / "big.csv"
    roster.write_text(f"id,name,team\nu1,Ada,A/B\nu2,{'x' * 5_000_000},A/C\n")
    stderr = refused("--roster", str(roster))
    assert "line 3" in stderr and "too long" in stderr


def test_out_into_a_missing_folder_is_refused(roster: Path, tmp_path: Path) -> None:
    stderr = refused("--roster", str(roster), "--out", str(tmp_path / "nowhere" / "plan.jsonl"))
    assert "--out" in stderr and "no folder" in stderr


def test_out_naming_a_folder_is_refused(roster: Path, tmp_path: Path) -> None:
    stderr = refused("--roster", str(roster), "--out", str(tmp_path))
    assert "--out" in stderr and "is a folder" in stderr


def test_out_never_replaces_what_is_not_a_regular_file(roster: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    stderr = refused("--roster", str(roster), "--out", str(fifo))
    assert "not a regular file" in stderr and "--out -" in stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    link = tmp_path / "link"
    link.symlink_to(fifo)
    refused("--roster", str(roster), "--out", str(link))
    assert link.is_symlink() and stat.S_ISFIFO(fifo.lstat().st_mode)


def test_out_dash_writes_the_rounds_to_stdout(
    roster: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("--roster", str(roster), "--out", "-")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[0])["round"] == 1
    assert not (tmp_path / "-").exists()


def test_a_one_person_roster_is_refused(tmp_path: Path) -> None:
    roster = tmp_path / "one.csv"
    roster.write_text("id,name,team\nu1,Ada,A/B\n")
    assert "at least two members" in refused("--roster", str(roster))


def test_a_duplicate_column_is_refused(tmp_path: Path) -> None:
    roster = tmp_path / "dup.csv"
    roster.write_text("id,name,team,team\nu1,Ada,A/B,A/C\nu2,Bo,A/C,A/B\n")
    stderr = refused("--roster", str(roster))
    assert "line 1, column team" in stderr and "twice" in stderr


def test_a_roster_that_is_not_utf8_is_reported_at_the_bad_line(tmp_path: Path) -> None:
    roster = tmp_path / "latin1.csv"
    roster.write_bytes(b"id,name,team\nu1,Ada,A/B\nu2,Bo,A/C\nu3,Ren\xe9,A/D\n")
    stderr = refused("--roster", str(roster))
    assert "line 4" in stderr and "UTF-8" in stderr


def test_a_history_that_is_not_utf8_is_reported_at_the_bad_line(
    roster: Path, tmp_path: Path
) -> None:
    history = tmp_path / "past.jsonl"
    history.write_bytes(b'{"round": 1, "groups": [["u1", "u3"]]}\n{"round": 2, "\xff": 1}\n')
    assert "line 2" in refused("--roster", str(roster), "--history", str(history))


def test_unavoidable_repeats_are_reported(tmp_path: Path) -> None:
    roster = tmp_path / "three.csv"
    roster.write_text("id,name,team\nu1,Ada,A/B\nu2,Bo,A/C\nu3,Cy,A/D\n")
    result = run("--roster", str(roster), "--rounds", "2")
    assert result.exit_code == 0, result.stderr
    assert "round 2: 3 pairs meet again within 12 rounds (unavoidable)" in result.stderr
    alone = run("--roster", str(roster))
    assert "again" not in alone.stderr


@pytest.mark.parametrize(
    "option", ["--rounds", "--seed", "--recency", "--group-size"], ids=str.strip
)
@pytest.mark.parametrize("value", ["9" * 30, "9" * 5000, "-" + "9" * 30])
def test_a_huge_number_in_an_option_is_refused(roster: Path, option: str, value: str) -> None:
    stderr = refused("--roster", str(roster), option, value)
    assert option in stderr
