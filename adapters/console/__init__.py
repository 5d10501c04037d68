"""The console adapter: the Chat port over a terminal, a scripted mode, and the demo."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from adapters.console.adapter import ConsoleChat, ConsoleSpace, Delivered, to_event
from adapters.console.demo import DemoResult, run_demo
from adapters.console.output import ConsoleOutput, route_logs
from adapters.console.runner import ConsoleRunner
from bot.core import open_core
from bot.domain import Community, Platform
from bot.ports import Chat
from bot.settings import Settings

LOCAL = ConsoleSpace("local", "console")

__all__ = [
    "ConsoleChat",
    "chat_for",
    "ConsoleRunner",
    "ConsoleSpace",
    "Delivered",
    "DemoResult",
    "run_console",
    "run_demo",
    "to_event",
]


def chat_for(settings: Settings) -> Callable[[Community], Chat]:
    """Console communities deliver to this terminal (for `run-now` and `outbox drain`)."""
    chat = ConsoleChat(ConsoleOutput(sys.stdout))

    def same(_community: Community) -> Chat:
        return chat

    return same


async def run_console(settings: Settings, *, lines: Sequence[str] | None = None) -> None:
    """Serve the local console community: interactively, or from ``lines`` and then exit."""
    route_logs()
    core = await open_core(settings)
    try:
        community = await core.ensure_community(
            Platform.CONSOLE,
            LOCAL.workspace,
            LOCAL.channel,
            name="Console",
            timezone=settings.default_timezone,
        )
        out = ConsoleOutput(sys.stdout)
        chat = ConsoleChat(out)
        runner = ConsoleRunner(core, chat, LOCAL, community, out)
        if lines is None:
            await runner.run_interactive()
        else:
            await runner.run_script(lines)
    finally:
        await core.close()
