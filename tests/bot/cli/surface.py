"""The `bridgework` command line as its Typer app declares it: every command, with its arguments
and options, read from the app itself so that a new command or option is fuzzed too."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import typer

from bot.cli import app


@dataclass(frozen=True)
class Param:
    name: str
    option: str | None  # "--community"; None for an argument
    required: bool
    flag: bool


@dataclass(frozen=True)
class Command:
    path: tuple[str, ...]
    params: tuple[Param, ...]

    def takes(self, name: str) -> bool:
        return any(p.name == name for p in self.params)


def commands() -> list[Command]:
    """Every leaf command of the app, e.g. ("role", "grant"), with its parameters."""
    return list(_walk(typer.main.get_command(app), ()))


def _walk(command: Any, path: tuple[str, ...]) -> Iterator[Command]:
    children = getattr(command, "commands", None)
    if children:
        for name, child in sorted(children.items()):
            yield from _walk(child, (*path, name))
        return
    params = tuple(
        Param(
            p.name,
            p.opts[0] if p.opts and p.opts[0].startswith("-") else None,
            bool(p.required),
            bool(getattr(p, "is_flag", False)),
        )
        for p in command.params
    )
    yield Command(path, params)
