"""The console's thin runner: typed lines in, the core's replies and deliveries out."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import AsyncIterator, Iterable
from typing import TextIO

from adapters.console.adapter import ConsoleChat, ConsoleSpace, Out, to_event
from adapters.console.render import render
from bot.core import Core
from bot.errors import InputError
from bot.texts import count

OPERATOR_HELP = """Console: type `ID: command` (e.g. `ada: join`; `ada! …` speaks as an admin),
`ID presses ACTION VALUE` as each button shows it (e.g. [We met → outcome 12:met]),
`ID replies m3: text` in a message's thread, `ID submits FORM q0='…'` to answer a form,
`+ID 'First Last' Org/Dept/Team [Time/Zone]` to add someone, `-ID` to remove them.
Jobs now: `!round`, `!followups`, `!prompts`, `!checkins`, `!sweep` (close ended check-ins),
`!digest`; `!quit` (or Ctrl-C) stops."""

JOBS = {"!prompts": "prompts", "!checkins": "checkins", "!sweep": "sweep", "!digest": "digest"}


class ConsoleRunner:
    def __init__(
        self, core: Core, chat: ConsoleChat, space: ConsoleSpace, community_id: int, out: Out
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
                if result.number == 0:
                    self.out.write("no round: a round needs two members taking part\n")
                else:
                    groups = count(len(result.groups), "group")
                    self.out.write(f"round {result.number}: {groups}\n")
            elif text == "!followups":
                queued = await self.core.send_followups(self.community_id)
                self.out.write(f"{count(queued, 'follow-up')} queued\n")
            elif text in JOBS:
                done = await self.core.run_job(JOBS[text], self.community_id)
                self.out.write(f"{done}\n")
            elif text in {"!help", "?"}:
                self.out.write(OPERATOR_HELP + "\n")
            elif text.startswith("!") and " " not in text:
                self.out.write(f"! there is no console command {text[:30]}; `!help` lists them\n")
            else:
                event = to_event(text, self.space, self.names)
                if event is not None:
                    reply = await self.core.handle(event)
                    if reply is not None:
                        who = event.actor.platform_id
                        self.out.write(f"→ {who}: {render(reply, who)}\n")
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
        async for line in typed_lines(stdin, self.out):
            if not await self.feed(line):
                return


async def typed_lines(stdin: TextIO, out: Out) -> AsyncIterator[str]:
    """Lines as they are typed, read by a daemon thread: Ctrl-C (which cancels the task) stops
    at once, with no executor thread left waiting for Enter."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str] = asyncio.Queue()

    def hand_over(line: str) -> None:
        try:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        except RuntimeError:  # the loop has closed: nobody is reading any more
            pass

    def read() -> None:
        for line in iter(stdin.readline, ""):
            hand_over(line)
        hand_over("")  # end of input

    threading.Thread(target=read, name="console-input", daemon=True).start()
    while True:
        out.write("> ")
        out.flush()
        line = await lines.get()
        if not line:
            return
        yield line
