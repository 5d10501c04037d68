"""A bad database, data folder, .env or option gets a message naming it and exit 2, never a
traceback; doctor names the same problem as a check to fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli import app
from bot.settings import Settings

runner = CliRunner()
COMMANDS = (["community", "list"], ["db", "upgrade"], ["run-now", "intros", "--community", "1"])


@pytest.fixture(autouse=True)
def isolated(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def refused(args: list[str], *, doctor_ok: bool = False) -> str:
    result: Result = runner.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.exit_code == (1 if doctor_ok else 2), result.output
    return result.output


def everywhere(expected: str) -> None:
    for args in COMMANDS:
        assert expected in refused(args), args
    doctor = refused(["doctor"], doctor_ok=True)
    assert "FIX" in doctor and expected in doctor


def test_a_file_that_is_not_a_database_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "notes.db").write_text("shopping list\n" * 100)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'notes.db'}")
    everywhere("is not a SQLite database")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite://", "sqlite:///path/to/bridgework.db"),
        ("sqlite:///", "sqlite:///path/to/bridgework.db"),
        ("postgresql+asyncpg://bw@localhost/x", "asyncpg is not installed"),
        ("postgresql+nosuchdriver://bw@localhost/x", "nosuchdriver is not installed"),
        ("postgresql://bw@[::1/x", "is not a database URL"),
        ("postgresql://bw@host:notaport/x", "is not a database URL"),
        ("mysql://bw:PGSECRET42@db/x", "a sqlite:/// or postgresql:// URL"),
    ],
)
def test_a_database_url_we_cannot_use_names_the_setting(
    url: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    for args in COMMANDS:
        output = refused(args)
        assert "DATABASE_URL" in output and expected in output, output
        assert "PGSECRET42" not in output
    doctor = refused(["doctor"], doctor_ok=True)
    assert "DATABASE_URL" in doctor and "PGSECRET42" not in doctor


@pytest.mark.parametrize("where", ["under a file", "in /proc"])
def test_a_data_folder_that_cannot_be_made_is_named(
    where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "plain").write_text("x")
    folder = tmp_path / "plain" / "data" if where == "under a file" else Path("/proc/bw/data")
    monkeypatch.setenv("BRIDGEWORK_DATA_DIR", str(folder))
    for args in COMMANDS:
        assert "BRIDGEWORK_DATA_DIR" in refused(args), args
    doctor = runner.invoke(app, ["doctor"])  # names the folder; creates nothing
    assert doctor.exception is None or isinstance(doctor.exception, SystemExit)
    assert "BRIDGEWORK_DATA_DIR" in doctor.output and "does not exist" in doctor.output


def test_a_dot_env_that_is_not_utf8_is_named_with_its_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"LOG_LEVEL=INFO\nDEFAULT_TIMEZONE=Europe/Z\xfcrich\n")
    everywhere(".env")
    assert "line 2" in refused(["community", "list"])


def test_a_missing_script_is_named(tmp_path: Path) -> None:
    output = refused(["run", "--console", "--script", str(tmp_path / "nope.txt")])
    assert "--script" in output and "nope.txt" in output


def test_script_without_console_is_refused(tmp_path: Path) -> None:
    script = tmp_path / "s.txt"
    script.write_text("ada: help\n")
    output = refused(["run", "--script", str(script)])
    assert "--script" in output and "--console" in output


def test_console_with_a_role_is_refused() -> None:
    output = refused(["run", "--console", "--role", "sender"])
    assert "--role" in output and "--console" in output
