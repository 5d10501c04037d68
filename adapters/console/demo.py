"""`bridgework demo`: several rounds for a bundled sample organisation, through the console.

People join and pause by console lines, each round pairs them, the sender delivers intros and
follow-ups through the console port, simulated members press the follow-up buttons, and a closing
summary shows who met across which teams. Then an admin runs an anonymous check-in, members
answer it with the bundled sample answers, and the leads' digest is posted to a #leads channel,
its network picture saved beside the database. Each run starts on a fresh SQLite file.
"""

from __future__ import annotations

import csv
import io
import random
import re
import shlex
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

from sqlalchemy import select

from adapters.console.adapter import ConsoleChat, ConsoleSpace, Delivered
from adapters.console.runner import ConsoleRunner
from adapters.console.summary import summary_lines
from bot.clock import system_clock
from bot.core import Core, open_core
from bot.domain import Platform, Role, TeamPath
from bot.messages import Image, Intro, Invite, Text, plain_text
from bot.ports import MemberInfo
from bot.settings import Settings
from bot.store.models import OutcomeRow
from bot.web import port_of

SPACE = ConsoleSpace("demo", "coffee")
START = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)  # a Monday, 09:00 in London
PAUSES = {
    "u003": "pause 2 weeks",
    "u019": "pause until 2027-03-01",
    "u041": "pause 3 weeks",
    "u058": "pause until 2027-02-15",
    "u060": "pause 10 days",
}
ABOUT = (
    "I look after the payroll system; ask me about cycling routes",
    "New to the team: I'd love to hear how your team plans its quarter",
    "I run our customer interviews, and the Thursday running club",
    "Ask me about the data warehouse, or sourdough",
)
OWN_HOURS = {"u050": "hours 11:00-19:00", "u036": "hours 08:00-16:00"}
ANSWERS = (("met", 7), ("not_yet", 2), ("skipped", 1))
QUESTION = "What helped or got in your way this week?"
PICTURE = "digest-network.png"


@dataclass(frozen=True)
class RosterEntry:
    id: str
    name: str
    team: str
    timezone: str


@dataclass(frozen=True)
class DemoResult:
    database: Path
    rounds: tuple[tuple[tuple[str, ...], ...], ...]
    team_of: dict[str, TeamPath]
    delivered: int
    outcomes: dict[str, int]
    finished: datetime = START  # the demo's clock when it posted the digest
    dashboard_link: str = ""  # the admin's one-use link, valid for 15 minutes from the run


class DemoClock:
    """A clock the demo moves on by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def sample_roster() -> list[RosterEntry]:
    text = resources.files("bot.samples").joinpath("sample_org.csv").read_text(encoding="utf-8")
    return [RosterEntry(**row) for row in csv.DictReader(text.splitlines())]


def sample_answers() -> list[str]:
    text = resources.files("bot.samples").joinpath("sample_checkin.txt").read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


async def run_demo(
    settings: Settings, *, rounds: int = 4, seed: int = 7, say: Callable[[str], None] = print
) -> DemoResult:
    """Run the demo on a fresh ``demo.db`` in the data directory."""
    path = (settings.data_dir / "demo.db").resolve()
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    clock = DemoClock(START)
    core = await open_core(settings, clock=clock, url=f"sqlite+aiosqlite:///{path}")
    try:
        return await _Demo(core, clock, seed, say, settings).run(path, rounds)
    finally:
        await core.close()


class _Demo:
    def __init__(
        self,
        core: Core,
        clock: DemoClock,
        seed: int,
        say: Callable[[str], None],
        settings: Settings,
    ):
        self.core = core
        self.settings = settings
        self.clock = clock
        self.rng = random.Random(seed)
        self.seed = seed
        self.say = say
        self.roster = sample_roster()
        self.chat = ConsoleChat(
            None, [MemberInfo(r.id, r.name, r.timezone, r.team) for r in self.roster]
        )
        self.log = io.StringIO()

    async def run(self, path: Path, rounds: int) -> DemoResult:
        teams = {r.team for r in self.roster}
        self.say(f"Bridgework demo: {len(self.roster)} people in {len(teams)} teams.")
        self.say(f"Database: {path}")
        community = await self.core.ensure_community(
            Platform.CONSOLE,
            SPACE.workspace,
            SPACE.channel,
            name="Acme & Northwind",
            timezone="Europe/London",
        )
        runner = ConsoleRunner(self.core, self.chat, SPACE, community, self.log)
        await runner.run_script(
            f"+{r.id} {shlex.quote(r.name)} {r.team} {r.timezone}" for r in self.roster
        )
        await runner.run_script(f"{who}: {line}" for who, line in PAUSES.items())
        await runner.run_script(
            f'{r.id}: about "{ABOUT[i % len(ABOUT)]}"' for i, r in enumerate(self.roster[::3])
        )
        await runner.run_script(f"{who}: {line}" for who, line in OWN_HOURS.items())
        self.say(
            f"{len(self.roster)} joined; {len(PAUSES)} paused for a while; "
            f"{len(self.roster[::3])} added a line about themselves, "
            f"{len(OWN_HOURS)} their own working hours.\n"
        )
        history: list[tuple[tuple[str, ...], ...]] = []
        for number in range(1, rounds + 1):
            self.clock.now = START + timedelta(weeks=number - 1)
            result = await self.core.run_round(community, seed=self.seed)
            sent_before = len(self.chat.transcript)
            await runner.sender.drain(community_id=community)
            if number == 1 and self.chat.transcript:
                await self._show_and_agree(runner, sent_before)
            history.append(result.groups)
            self.clock.now += timedelta(days=3)
            await self.core.send_followups(community)
            followups_from = len(self.chat.transcript)
            await runner.sender.drain(community_id=community)
            await runner.run_script(self._answers(followups_from))
            self.say(
                f"Round {number} ({self.clock.now:%d %b %Y}): {len(result.groups)} groups, "
                f"{_people(result.groups)} people"
            )
        team_of = {r.id: TeamPath.parse(r.team) for r in self.roster}
        outcomes = await self._outcomes()
        for line in summary_lines(tuple(history), team_of, outcomes):
            self.say(line)
        await self._checkin_and_digest(runner, path.with_name(PICTURE))
        self.say(f"\nThe demo's data is in {path} (a fresh copy each run).")
        link = await self._dashboard(community, path)
        return DemoResult(
            database=path,
            rounds=tuple(history),
            team_of=team_of,
            delivered=len(self.chat.transcript),
            outcomes=outcomes,
            finished=self.clock.now,
            dashboard_link=link,
        )

    async def _show_and_agree(self, runner: ConsoleRunner, since: int) -> None:
        """Show one of the round's intros (one with a line about someone and times to meet),
        then its people tap the same time and get the invite."""
        sent = self.chat.transcript[since:]
        intros = [d for d in sent if isinstance(d.message, Intro)]
        # Best: times offered across time zones, and a line about someone.
        shown = max(intros, key=_showcase) if intros else sent[0]
        self.say("One of round 1's introductions, as the console shows it:")
        self.say(_indent(plain_text(shown.message)) + "\n")
        if not isinstance(shown.message, Intro) or not shown.message.times:
            return
        chosen = shown.message.times[-1]
        people = shown.conversation.removeprefix("group:").split("+")
        lines = [f"{who} presses {chosen.button.action} {chosen.button.value}" for who in people]
        self.say('Each of them taps "This works" under the last time:')
        self.say(_indent("\n".join(lines)))
        told_from = len(self.chat.transcript)
        await runner.run_script(lines)
        await runner.sender.drain(community_id=runner.community_id)
        for delivered in self.chat.transcript[told_from:]:
            if isinstance(delivered.message, Invite):
                invite = delivered.message
                self.say("The group is told once, with the invite attached:")
                self.say(_indent(plain_text(invite)))
                event = [line for line in invite.ics.splitlines() if line.startswith("DT")]
                self.say(_indent(f"({len(invite.ics)} bytes of iCalendar: {', '.join(event)})"))
        self.say("")

    async def _dashboard(self, community: int, path: Path) -> str:
        """The admin's dashboard link, and the command that serves it."""
        base = (
            self.settings.dashboard_url
            or f"http://{self.settings.web_host}:{port_of(self.settings)}"
        )
        link = await self.core.dashboard_link(
            community, self.roster[0].id, Role.ADMIN, base_url=base, now=system_clock()
        )
        self.say(
            "\nThe leads' dashboard, in your browser: run\n"
            f"    DATABASE_URL=sqlite:///{path} DASHBOARD_URL={base} bridgework run --role web\n"
            "and open, within 15 minutes (the link works once):\n"
            f"    {link}"
        )
        return link

    async def _checkin_and_digest(self, runner: ConsoleRunner, picture: Path) -> None:
        """An admin's anonymous check-in, answered by most members; then the digest to #leads."""
        admin, community = self.roster[0].id, runner.community_id
        tomorrow = self.clock.now + timedelta(days=1)
        when = f"once {tomorrow.date().isoformat()} 10:00 window 2 days anonymous"
        await runner.run_script(
            [
                f'{admin}! checkin schedule "{QUESTION}" {when}',
                f"{admin}! set digest-channel #leads",
            ]
        )
        self.clock.now = tomorrow.replace(hour=10, minute=1)
        asked_from = len(self.chat.transcript)
        opened = await self.core.run_job("checkins", community, force=True)  # all, now
        await runner.sender.drain(community_id=community)
        checkin = opened.split()[1].rstrip(":")
        asked = sorted(
            d.conversation.removeprefix("group:") for d in self.chat.transcript[asked_from:]
        )
        answers = sample_answers()
        people = self.rng.sample(asked, min(len(answers), len(asked)))
        await runner.run_script(
            f"{who} submits checkin:{checkin} q0={shlex.quote(text)}"
            for who, text in zip(people, answers, strict=False)
        )
        self.say(
            f"\nCheck-in {checkin} ({QUESTION!r}, anonymous): {len(asked)} asked privately, "
            f"{len(people)} answered."
        )
        self.clock.now += timedelta(days=2)
        await self.core.run_job("sweep", community)
        posted_from = len(self.chat.transcript)
        await self.core.run_job("digest", community)
        await runner.sender.drain(community_id=community)
        text, image = "", None
        for delivered in self.chat.transcript[posted_from:]:
            if delivered.conversation == "leads" and isinstance(delivered.message, Text):
                text += delivered.message.body
            elif delivered.conversation == "leads" and isinstance(delivered.message, Image):
                image = delivered.message
        self.say("\nThe leads' digest, as posted to #leads:")
        self.say(_indent(text))
        if image is not None:
            picture.write_bytes(image.png)
            self.say(f"Its picture (PNG, {len(image.png):,} bytes): {picture}")

    def _answers(self, since: int) -> list[str]:
        """Each member of each group presses one of the follow-up's buttons."""
        lines: list[str] = []
        for delivered in self.chat.transcript[since:]:
            if not isinstance(delivered.message, Intro) or not delivered.message.followup:
                continue
            group_id = delivered.message.buttons[0].value.split(":")[0]
            people = delivered.conversation.removeprefix("group:").split("+")
            answer = self.rng.choices([a for a, _ in ANSWERS], [w for _, w in ANSWERS])[0]
            lines.extend(f"{person} presses outcome {group_id}:{answer}" for person in people)
        return lines

    async def _outcomes(self) -> dict[str, int]:
        async with self.core.db.session() as session:
            return dict(Counter((await session.scalars(select(OutcomeRow.outcome))).all()))


def _showcase(delivered: Delivered) -> tuple[bool, bool, bool]:
    intro = delivered.message
    if not isinstance(intro, Intro):
        return (False, False, False)
    across = any(len(set(re.findall(r"\d\d:\d\d", t.for_each))) > 1 for t in intro.times)
    return (bool(intro.times), across, any(p.about for p in intro.people))


def _people(groups: tuple[tuple[str, ...], ...]) -> int:
    return sum(len(g) for g in groups)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())
