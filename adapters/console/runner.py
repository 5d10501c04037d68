"""The console's thin runner: typed lines in, the core's replies and deliveries out."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable
from typing import TextIO

from adapters.console.adapter import ConsoleChat, ConsoleSpace, to_event
from bot.core import Core
from bot.errors import InputError
from bot.messages import plain_text

OPERATOR_HELP = """Console: type `ID: command` (e.g. `ada: join`), `ID presses outcome GROUP:met`,
`+ID 'First Last' Org/Dept/Team [Time/Zone]` to add someone, `-ID` to remove them,
`!round` to run a round now, `!followups` to send its follow-ups, `!quit` to stop."""


class ConsoleRunner:
    def __init__(
        self, core: Core, chat: ConsoleChat, space: ConsoleSpace, community_id: int, out: TextIO
    ) -> None:
        self.core = core
        self.chat = chat
        self.space = space
        self.community_id = community_id
        self.out = out
        self.names: dict[str, str] = {}
        self.sender = core.sender(chat)

    async def feed(self, line: str) -> bool:
        """Handle one line; returns False when the person asked to stop."""
        text = line.strip()
        if text in {"!quit", "!exit"}:
            return False
        try:
            if text == "!round":
                result = await self.core.run_round(self.community_id)
                self.out.write(f"round {result.number}: {len(result.groups)} groups\n")
            elif text == "!followups":
                queued = await self.core.send_followups(self.community_id)
                self.out.write(f"{queued} follow-ups queued\n")
            elif text in {"!help", "?"}:
                self.out.write(OPERATOR_HELP + "\n")
            else:
                event = to_event(text, self.space, self.names)
                if event is not None:
                    reply = await self.core.handle(event)
                    if reply is not None:
                        self.out.write(f"→ {event.actor.platform_id}: {plain_text(reply)}\n")
        except InputError as exc:
            self.out.write(f"! {exc}\n  usage: {exc.usage}\n  example: {exc.example}\n")
        await self.sender.drain(community_id=self.community_id, max_wait=5.0)
        return True

    async def run_script(self, lines: Iterable[str]) -> None:
        for line in lines:
            if not await self.feed(line):
                return

    async def run_interactive(self, stdin: TextIO = sys.stdin) -> None:
        self.out.write(OPERATOR_HELP + "\n")
        while True:
            self.out.write("> ")
            self.out.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line or not await self.feed(line):
                return
