from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.settings import Settings
from bot.store import migrate
from bot.themes import default_taxonomy, parse_taxonomy

runner = CliRunner()


@pytest.fixture(autouse=True)
def isolated(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every command in an empty folder, with the data directory under it."""
    monkeypatch.chdir(tmp_path)


def test_the_demo_runs_to_completion_twice_and_says_where_its_database_is(tmp_path: Path) -> None:
    for _ in range(2):
        result = runner.invoke(app, ["demo", "--rounds", "3"])
        assert result.exit_code == 0, result.output
        assert f"Database: {tmp_path / 'data' / 'demo.db'}" in result.output
        assert "Round 3 (" in result.output
        assert "Who met across which teams" in result.output
        assert "team pairs that have met:" in result.output
        assert "The leads' digest, as posted to #leads:" in result.output
        assert "Check-in 1: 49 of 61 answered" in result.output
        assert "answers from at least" in result.output  # themes, each over the threshold
        # No "parking space" emerging theme since 2f7cdbc's relative thresholds (stop 23 note).
    assert (tmp_path / "data" / "demo.db").exists()
    assert (tmp_path / "data" / "digest-network.png").read_bytes().startswith(b"\x89PNG")


def test_the_demo_shows_an_introduction_by_first_names() -> None:
    result = runner.invoke(app, ["demo", "--rounds", "1"])
    assert result.exit_code == 0, result.output
    assert "One of round 1's introductions" in result.output
    assert "[We met] [Not yet] [Skip this round]" in result.output
    assert "1. " in result.output and " [This works]" in result.output  # times to meet
    intro = result.output.split("One of round 1's introductions")[1].split("Round 1 (")[0]
    assert any(line.startswith("      ") for line in intro.splitlines())  # a line about someone
    assert "The group is told once, with the invite attached:" in intro
    assert "It's settled" in intro and ".ics" in intro and "DTSTART:" in intro
    assert "Dr." not in result.output and "Prof." not in result.output


def test_db_upgrade_then_doctor_reports_every_check_ok(tmp_path: Path) -> None:
    upgraded = runner.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert f"is at schema {migrate.head_revision()}" in upgraded.output
    doctor = runner.invoke(app, ["doctor"])
    assert doctor.exit_code == 0, doctor.output
    assert "OK   settings" in doctor.output
    assert "OK   database: reachable at" in doctor.output
    assert f"OK   schema: current ({migrate.head_revision()})" in doctor.output
    assert "OK   themes: all-mpnet-base-v2 for digests of up to 600 answers" in doctor.output


def test_doctor_says_which_setting_is_wrong(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANONYMITY_THRESHOLD", "1")
    doctor = runner.invoke(app, ["doctor"])
    assert doctor.exit_code == 1
    assert "FIX  settings: ANONYMITY_THRESHOLD" in doctor.output


def test_a_malformed_setting_stops_start_up_with_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEFAULT_TIMEZONE", "Nowhere/Land")
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 2
    assert "Setting DEFAULT_TIMEZONE" in result.output
    assert "IANA time zone" in result.output


def add_community(name: str, *options: str) -> str:
    base = ["community", "add", "--workspace", "T1", "--channel", "C1", "--name", name]
    result = runner.invoke(app, [*base, *options])
    assert result.exit_code == 0, result.output
    return result.output


def test_communities_are_added_and_listed_from_the_command_line() -> None:
    added = add_community("Coffee", "--platform", "slack", "--timezone", "Europe/Berlin")
    assert "Community 1: Coffee (slack T1 #C1)" in added
    assert "Community 2: Tea (console T1 #C1)" in add_community("Tea")
    assert "Community 1: Coffee (slack T1 #C1)" in add_community("Coffee", "--platform", "slack")
    listed = runner.invoke(app, ["community", "list"])
    assert "Coffee" in listed.output and "Europe/Berlin" in listed.output


def test_a_community_with_an_unknown_time_zone_is_refused() -> None:
    result = runner.invoke(
        app,
        [
            "community",
            "add",
            "--workspace",
            "T1",
            "--channel",
            "C1",
            "--name",
            "X",
            "--timezone",
            "Mars/Base",
        ],
    )
    assert result.exit_code == 2
    assert "'Mars/Base' is not a time zone" in result.output
    assert "Example: set timezone Europe/Berlin" in result.output


def test_the_console_runs_a_script_from_the_command_line(tmp_path: Path) -> None:
    script = tmp_path / "session.txt"
    script.write_text("+ada 'Ada Lovelace' Acme/Eng\n+kofi Kofi Acme/Sales\n!round\nada: status\n")
    result = runner.invoke(app, ["run", "--console", "--script", str(script)])
    assert result.exit_code == 0, result.output
    assert "round 1: 1 group\n" in result.output
    assert "introductions so far: 1" in result.output


def test_run_without_a_platform_says_what_to_do() -> None:
    result = runner.invoke(app, ["run"])
    assert result.exit_code == 2
    assert "bridgework run --console" in result.output


def test_data_directory_comes_from_the_environment(tmp_path: Path) -> None:
    assert os.environ["BRIDGEWORK_DATA_DIR"] == str(tmp_path / "data")


def test_run_now_runs_a_round_delivers_it_and_exits(tmp_path: Path) -> None:
    script = tmp_path / "people.txt"
    script.write_text("+ada 'Ada Lovelace' Acme/Eng\n+kofi Kofi Acme/Sales\n")
    assert runner.invoke(app, ["run", "--console", "--script", str(script)]).exit_code == 0
    result = runner.invoke(app, ["run-now", "intros", "--community", "1"])
    assert result.exit_code == 0, result.output
    assert "round 1: 1 group; delivered 1, dead 0" in result.output
    assert "Hello Ada and Kofi!" in result.output or "Hello Kofi and Ada!" in result.output
    again = runner.invoke(app, ["run-now", "intros", "--community", "1"])
    assert "round 1 already ran today; delivered 0" in again.output
    status = runner.invoke(app, ["outbox", "status"])
    assert "pending 0, sent 1, dead 0" in status.output
    follow = runner.invoke(app, ["run-now", "followups", "--community", "1"])
    assert "1 follow-up queued; delivered 2" in follow.output
    drained = runner.invoke(app, ["outbox", "drain"])
    assert "delivered 0, dead 0" in drained.output


def test_run_now_refuses_an_unknown_job_or_community() -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    unknown = runner.invoke(app, ["run-now", "lunch", "--community", "1"])
    assert unknown.exit_code == 2
    assert "there is no job 'lunch'" in unknown.output
    assert "Usage: intros | followups | prompts | checkins | digest" in unknown.output
    missing = runner.invoke(app, ["run-now", "intros", "--community", "9"])
    assert missing.exit_code == 2 and "there is no community 9" in missing.output
    digest = runner.invoke(app, ["run-now", "digest", "--community", "9"])
    assert digest.exit_code == 2 and "there is no community 9" in digest.output


def test_a_communitys_themes_are_exported_edited_imported_and_reset(tmp_path: Path) -> None:
    add_community("Coffee")
    exported = runner.invoke(app, ["themes", "export", "--community", "1"])
    assert exported.exit_code == 0, exported.output
    assert parse_taxonomy(exported.output) == default_taxonomy()
    edited = tmp_path / "themes.yaml"
    extra = "  - id: parking\n    name: Parking\n    description: Finding a space near the office\n"
    edited.write_text(exported.output + extra, encoding="utf-8")
    imported = runner.invoke(app, ["themes", "import", "--community", "1", str(edited)])
    assert imported.exit_code == 0, imported.output
    assert f"Community 1 now has {len(default_taxonomy()) + 1} themes." in imported.output
    again = runner.invoke(app, ["themes", "export", "--community", "1"])
    assert parse_taxonomy(again.output)[-1].name == "Parking"
    reset = runner.invoke(app, ["themes", "reset", "--community", "1"])
    assert "back to the default" in reset.output
    assert parse_taxonomy(runner.invoke(app, ["themes", "export", "--community", "1"]).output) == (
        default_taxonomy()
    )


def test_a_bad_themes_file_is_refused_saying_why_and_changes_nothing(tmp_path: Path) -> None:
    add_community("Coffee")
    bad = tmp_path / "themes.yaml"
    bad.write_text("themes:\n  - {id: parking, name: Parking}\n", encoding="utf-8")
    result = runner.invoke(app, ["themes", "import", "--community", "1", str(bad)])
    assert result.exit_code == 2
    assert "theme 1 has no description" in result.output
    assert "Usage: the shape of prompts/themes.yaml" in result.output
    missing = runner.invoke(app, ["themes", "import", "--community", "1", "nowhere.yaml"])
    assert missing.exit_code == 2 and "Cannot read nowhere.yaml" in missing.output
    unknown = runner.invoke(app, ["themes", "export", "--community", "9"])
    assert unknown.exit_code == 2 and "there is no community 9" in unknown.output
    exported = runner.invoke(app, ["themes", "export", "--community", "1"])
    assert parse_taxonomy(exported.output) == default_taxonomy()


def test_no_sql_and_no_parameters_are_logged_even_at_debug(tmp_path: Path) -> None:
    env = {**os.environ, "LOG_LEVEL": "DEBUG", "BRIDGEWORK_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo", "--rounds", "1"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=280,  # the demo loads the themes model: slow on a loaded machine
        check=True,
    )
    assert "Round 1 (" in done.stdout
    assert "INFO bot." in done.stderr  # our own loggers do log
    for sql in ("INSERT INTO", "SELECT ", "UPDATE ", "sqlalchemy.engine"):
        assert sql not in done.stderr and sql not in done.stdout


def test_version_is_shown_and_nothing_else_runs(tmp_path: Path) -> None:
    from importlib.metadata import version

    shown = runner.invoke(app, ["--version"])
    assert shown.exit_code == 0
    assert shown.output == f"bridgework {version('bridgework')}\n"
    assert not (tmp_path / "data").exists()


def test_the_demo_loads_the_themes_model_under_a_spinner(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import time

    from rich.console import Console

    from bot.cli import run as run_module
    from bot.themes import embeddings

    screen = io.StringIO()
    loaded: list[bool] = []
    monkeypatch.setattr(run_module, "err", Console(file=screen, force_terminal=True))
    monkeypatch.setattr(embeddings, "available", lambda: True)

    def slow_load(model: str | None = None) -> None:
        time.sleep(0.3)
        loaded.append(model == embeddings.MPNET)

    monkeypatch.setattr(embeddings, "load", slow_load)
    monkeypatch.setattr(embeddings, "model_for", lambda answers: embeddings.MPNET)
    run_module._load_themes_model()
    assert loaded == [True]
    assert "Loading the themes model (all-mpnet-base-v2)" in screen.getvalue()
