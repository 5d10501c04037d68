"""What every command module shares: the app, the consoles, settings and running a coroutine."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Coroutine
from typing import IO, Annotated, Any, TypeVar, cast

import typer
from rich.console import Console

from bot.core import Core
from bot.errors import BridgeworkError, ConfigError, InputError, StoreError
from bot.ids import MAX_ID, parse_id
from bot.settings import Settings, load_settings

T = TypeVar("T")

app = typer.Typer(
    help="Bridgework: cross-team introductions, listening prompts and check-ins.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(asked: bool) -> None:
    if asked:
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("bridgework")
        except PackageNotFoundError:  # run from a source tree that is not installed
            found = "unknown (not installed)"
        print(f"bridgework {found}")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Bridgework: cross-team introductions, listening prompts and check-ins."""


def community_id(raw: str | int) -> int:
    """``--community``: an id as `community list` shows it; anything else is a usage error (exit
    2) before a database is opened, never a number too large for SQL."""
    if isinstance(raw, int):  # a default, already a number
        raw = str(raw) if 1 <= raw <= MAX_ID else "out of range"
    found = parse_id(raw.strip())
    if found is None or found < 1:
        shown = raw if len(raw) <= 24 else f"{raw[:24]}…"
        raise typer.BadParameter(
            f"{shown!r} is not a community id: a number that `bridgework community list` shows"
        )
    return found


CommunityOption = Annotated[
    int, typer.Option("--community", parser=community_id, help="The community's id.")
]


class _Printable:
    """A text stream that writes what it cannot encode as U+FFFD: a value from argv that was not
    UTF-8 (decoded with surrogateescape) is echoed in a message, never a UnicodeEncodeError."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(_SURROGATES.sub("\ufffd", text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def shown_path(path: object) -> str:
    """A path as a message names it: cut short, quoted where it holds odd characters, so that a
    100,000-character or control-character argument makes a short, plain line."""
    text = str(path)
    cut = text if len(text) <= 200 else f"{text[:120]}…{text[-40:]}"
    return cut if cut.isprintable() else repr(cut)


_SURROGATES = re.compile(r"[\ud800-\udfff]")


class SafeConsole(Console):
    """A rich Console on the current stdout or stderr (as a test runner swaps them), printing
    lone surrogates as U+FFFD."""

    @property  # type: ignore[misc]
    def file(self) -> IO[str]:
        return cast(IO[str], _Printable(Console.file.fget(self)))  # type: ignore[attr-defined]


err = SafeConsole(stderr=True, soft_wrap=True)
out = SafeConsole(soft_wrap=True, highlight=False)


def load_and_log() -> Settings:
    from bot.logs import configure

    settings = load_settings()
    configure(settings.log_level, settings.log_format)
    return settings


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine; a BridgeworkError becomes a message and exit status 2."""
    try:
        return asyncio.run(coro)
    except ConfigError as exc:
        err.print(f"[red]Setting {exc.setting}[/red]: {exc.problem}")
    except InputError as exc:
        err.print(f"[red]{exc}[/red]")
        if exc.usage:
            err.print(f"Usage: {exc.usage}")
        if exc.example:
            err.print(f"Example: {exc.example}")
    except StoreError as exc:
        err.print(f"[red]Database[/red]: {exc}")
    except BridgeworkError as exc:
        err.print(f"[red]{exc}[/red]")
    raise typer.Exit(2)


async def open_with(settings: Settings) -> Core:
    from bot.core import open_core

    return await open_core(settings)


def with_core(use: Callable[[Core], Coroutine[Any, Any, T]]) -> T:
    from bot.core import open_core

    async def go() -> T:
        core = await open_core(load_and_log())
        try:
            return await use(core)
        finally:
            await core.close()

    return run_async(go())
