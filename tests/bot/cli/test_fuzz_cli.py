"""Every option and argument of every `bridgework` command, read from the Typer app itself, fed
huge numbers, empty, over-long, non-UTF-8 (arguments decoded with surrogateescape, as Python
reads bytes from argv; files with bad bytes) and control characters: each ends with exit 2 and a
message, or 0 where the input is valid, never with a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.settings import Settings
from tests.bot.cli.surface import Command, Param, commands

RAW = b"caf\xe9 \xff\xfe"
NASTY: tuple[tuple[str, ...], ...] = (
    (str(10**50), "9" * 5000, "-1", "0"),  # huge and negative numbers
    ("",),  # empty
    ("x" * 100_000,),  # over-long
    (RAW.decode("utf-8", "surrogateescape"),),  # not UTF-8, as argv gives it
    ("\x00", "a\x00b", "\x1b[31mred", "\r\n", "\u202eevil"),  # control characters
)
ROSTER = "id,name,team\nada,Ada,Acme/Eng\nbob,Bob,Acme/Sales\ncy,Cy,Acme/Ops\n"
# Valid values, by parameter name (a command may add its own below).
VALID = {
    "job": "intros",
    "community": "1",
    "person": "ada",
    "role": "lead",
    "name": "Leads",
    "workspace": "acme",
    "channel": "coffee",
    "platform": "console",
    "timezone": "UTC",
    "roster": "roster.csv",
    "rounds": "1",
    "group_size": "2",
    "recency": "4",
    "seed": "0",
    "out": "-",
}
OWN = {
    ("run",): {"role": "all"},
    ("community", "add"): {"name": "Coffee"},
    ("themes", "import"): {"file": "themes.yaml"},
}
# Options whose every value would run for long (a demo of N rounds, the bot itself) are fuzzed
# with the inputs that are refused; a flag takes no value.
BASE: dict[tuple[str, ...], list[str]] = {("run",): [], ("demo",): []}
FILES = {"roster", "history", "script", "file"}


def valid(command: Command, param: Param) -> str:
    return OWN.get(command.path, {}).get(param.name, VALID.get(param.name, ""))


def argv(command: Command, fuzzed: Param, value: str) -> list[str]:
    words = list(command.path)
    if command.path == ("run",) and fuzzed.name == "script":
        words.append("--console")
    for param in command.params:
        if param.flag:
            continue
        chosen = value if param == fuzzed else valid(command, param)
        if param != fuzzed and not param.required and param.name not in VALID:
            continue
        if param.option is None:
            words.append(chosen)
        else:
            words += [param.option, chosen]
    return words


def fuzzable() -> list[tuple[Command, Param]]:
    return [(c, p) for c in commands() for p in c.params if not p.flag]


def test_every_option_of_every_command_is_fuzzed() -> None:
    names = {(" ".join(c.path), p.name) for c, p in fuzzable()}
    assert len(names) == len(fuzzable()) and len(names) >= 30
    assert {c.path for c, _ in fuzzable()} >= {("pair",), ("community", "add"), ("run-now",)}


@pytest.fixture
def workdir(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    runner = CliRunner()
    (tmp_path / "themes.yaml").write_text(
        runner.invoke(app, ["themes", "export", "--community", "1"]).output, encoding="utf-8"
    )
    added = runner.invoke(
        app, ["community", "add", "--workspace", "acme", "--channel", "coffee", "--name", "Acme"]
    )
    assert added.exit_code == 0, added.output
    return tmp_path


def ends_cleanly(args: list[str]) -> str:
    result = CliRunner().invoke(app, args)
    shown = repr([a[:30] for a in args])
    assert result.exit_code in (0, 2), (shown, result.exit_code, result.output[-600:])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        shown,
        repr(result.exception),
    )
    assert "Traceback" not in result.output, shown
    return result.output


@pytest.mark.parametrize(
    ("command", "param"),
    fuzzable(),
    ids=lambda x: getattr(x, "name", " ".join(getattr(x, "path", ()))),
)
def test_every_option_ends_with_exit_0_or_2_and_no_traceback(
    workdir: Path, command: Command, param: Param
) -> None:
    for kind in NASTY:
        for value in kind:
            if command.path in BASE and value in ("0",):
                continue
            ends_cleanly(argv(command, param, value))


BAD_FILES = {
    "bad-bytes": b"id,name,team\nada,Ada,Acme/Eng\nbob,B\xffb,Acme/Sales\n",
    "nul": b"id,name,team\x00\nada,Ada,Acme\n",
    "huge-line": b"id,name,team\n" + b"a" * 200_000 + b",A,B\n",
    "empty": b"",
}


@pytest.mark.parametrize("content", BAD_FILES, ids=str)
def test_every_file_option_reads_bad_bytes_with_exit_0_or_2(workdir: Path, content: str) -> None:
    path = workdir / f"{content}.txt"
    path.write_bytes(BAD_FILES[content])
    for command, param in fuzzable():
        if param.name in FILES:
            ends_cleanly(argv(command, param, str(path)))
