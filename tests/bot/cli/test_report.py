"""`bridgework report --community ID`: the steering's lift over a holdout, as CSV or JSON."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.core import open_core
from bot.events import Actor, MemberJoined
from bot.settings import Settings
from tests.conftest import WHERE, say

runner = CliRunner()


@pytest.fixture(autouse=True)
def database(
    settings: Settings, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    added = runner.invoke(
        app, ["community", "add", "--workspace", "acme", "--channel", "coffee", "--name", "Acme"]
    )
    assert added.exit_code == 0, added.output


def a_holdout_round(settings: Settings, db_url: str) -> None:
    async def go() -> None:
        core = await open_core(settings, url=db_url)
        try:
            for t in range(6):
                for k in range(2):
                    actor = Actor(f"t{t}m{k}", f"Kim {t}{k}")
                    await core.handle(MemberJoined(WHERE, actor, f"Acme/Dept{t}/Team{t}"))
            await core.handle(say("boss", "set holdout 20%", admin=True))
            await core.run_round(1)
        finally:
            await core.close()

    asyncio.run(go())


def test_the_report_is_csv_or_json_labelled_as_an_estimate(
    settings: Settings, db_url: str, tmp_path: Path
) -> None:
    a_holdout_round(settings, db_url)
    shown = runner.invoke(app, ["report", "--community", "1"])
    assert shown.exit_code == 0, shown.output
    [row] = list(csv.DictReader(io.StringIO(shown.output)))
    assert row["label"] == "estimate" and row["community"] == "1"
    assert (row["held_out_pairs"], row["steered_pairs"], row["rounds"]) == ("3", "12", "1")
    assert float(row["interval_low"]) <= float(row["extra_team_pairs_met"])
    written = runner.invoke(
        app, ["report", "--community", "1", "--format", "json", "--out", "lift.json"]
    )
    assert written.exit_code == 0, written.output
    data = json.loads((tmp_path / "lift.json").read_text())
    assert data["label"] == "estimate" and data["held_out_pairs"] == 3
    assert "difference of proportions" in data["interval"]
    to_stdout = runner.invoke(app, ["report", "--community", "1", "--format", "json", "--out", "-"])
    assert json.loads(to_stdout.output) == data


def test_a_community_without_a_holdout_or_a_bad_target_exits_2_saying_why(tmp_path: Path) -> None:
    none = runner.invoke(app, ["report", "--community", "1"])
    assert none.exit_code == 2 and "has no holdout to report on" in none.output
    assert "set holdout 10%" in none.output
    folder = runner.invoke(app, ["report", "--community", "1", "--out", str(tmp_path)])
    assert folder.exit_code == 2 and "is a folder" in folder.output
