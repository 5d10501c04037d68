"""Every chat command, button and form, fed huge numbers, empty, over-long, non-UTF-8 (lone
surrogates, as a platform's JSON may carry) and control-character input through the core as the
adapters call it: each gets a reply, never an uncaught exception, and a rejected one changes no
row of any table.

The commands, button actions and form kinds fuzzed are read from the code (the usage table of
``bot.commands``, the ``Command`` union, the dispatcher's cases), so a new one fails
``test_every_*_is_fuzzed`` until it is added here."""

from __future__ import annotations

import ast
import asyncio
import inspect
import typing
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine

from bot import commands, dispatch
from bot.core import Core, open_core
from bot.domain import Platform
from bot.events import Actor, ButtonPressed, CommandInvoked, Event, FormSubmitted
from bot.messages import Choices, Form, FormErrors, Message, Text
from bot.set_command import SET_USAGE
from bot.settings import Settings
from bot.store.models import Base
from tests.conftest import WHERE, MovableClock

ROOT = Path(__file__).resolve().parents[2]

# The inputs every command, button and form gets, by the kinds the issue names; each template
# gets one of each kind, the values of a kind taking turns over the templates.
KINDS: tuple[tuple[str, ...], ...] = (
    (str(10**50), "9" * 5000, "-1", "0", "٣", "²"),  # huge and odd numbers
    ("", " "),  # empty
    ("x" * 100_000, "é" * 3000),  # over-long
    (b"caf\xe9 \xff\xfe".decode("utf-8", "surrogateescape"), "\ud800"),  # not UTF-8
    ("\x00", "a\x00b", "\x1b[31mred\x1b[0m", "\r\nset day friday", "\u202eevil\u202c", "\ufeff"),
)
NASTY = tuple(value for kind in KINDS for value in kind)


def nasty_for(turn: int) -> tuple[str, ...]:
    """One input of each kind, for the ``turn``-th template."""
    return tuple(kind[turn % len(kind)] for kind in KINDS)


# Each command as a template: {} is where the nasty input goes; the second item fills it validly.
TEMPLATES: tuple[tuple[str, str], ...] = (
    ("join {}", ""),
    ("leave {}", ""),
    ("pause until {}", "2027-02-01"),
    ("pause {} days", "3"),
    ("pause {}", "2 weeks"),
    ("resume {}", ""),
    ("team {}", "Acme/Eng/Platform"),
    ("team Acme/{}", "Sales"),
    ("timezone {}", "Europe/Berlin"),
    ("status {}", ""),
    ('about "{}"', "I look after payroll"),
    ("about {}", "clear"),
    ("hours {}", "08:00-16:00"),
    ("intro {}", "me"),
    ('suggest @ada @{} "a topic"', "bob"),
    ('suggest @ada @bob "{}"', "how each team plans"),
    ("hours 08:00-{}", "16:00"),
    ("help {}", ""),
    ("my-data {}", ""),
    ("forget-me {}", ""),
    ("digest {}", ""),
    ("dashboard {}", ""),
    ("roles {}", ""),
    *(
        (f"set {setting} {{}}", example.split()[-1])
        for setting, (_, example) in sorted(SET_USAGE.items())
    ),
    ('prompt schedule "{}" every monday 10:00 #coffee', "What helped?"),
    ("prompt schedule library every {} 10:00 #coffee", "monday"),
    ("prompt list {}", ""),
    ("prompt pause {}", "1"),
    ("prompt resume {}", "1"),
    ("prompt delete {}", "1"),
    ('checkin schedule "{}" every friday 10:00', "How are you?"),
    ('checkin schedule "Q?" once {} 10:00', "2027-02-01"),
    ('checkin schedule "Q?" every friday 10:00 for {}', "Acme/Eng"),
    ('checkin schedule "Q?" every friday 10:00 window {} days', "3"),
    ("checkin results {}", "1"),
    ("checkin results 1 team {}", "Acme/Eng"),
    ("checkin list {}", ""),
    ("checkin pause {}", "1"),
    ('library add starter "{}"', "What surprised you?"),
    ('library add {} "text"', "listening"),
    ("themes {}", "list"),
    ('themes add {} "Name" "Description"', "parking"),
    ('themes add parking "{}" "Description"', "Parking"),
    ("themes remove {}", "parking"),
    ("themes reset {}", ""),
    ("role grant @{} lead", "bob"),
    ("role revoke @bob {}", "lead"),
    ('role link lead "{}"', "Leads"),
    ('role unlink {} "Leads"', "lead"),
    ("role list {}", ""),
    ("opt-out @{}", "ada"),
    ("opt-in {}", "@bob"),
    ("skip {}", "2027-12-21..2028-01-03"),
    ("skip {}..2027-03-01", "2027-02-01"),
    ("skip clear {}", "2027-12-21.."),
    ("skip list {}", ""),
    ("{}", "help"),
)


def _concrete(union: object) -> set[type]:
    found: set[type] = set()
    for member in typing.get_args(union) or (union,):
        if typing.get_args(member):
            found |= _concrete(member)
        elif isinstance(member, type):
            found.add(member)
    return found


def _dispatcher_cases(kind: str) -> Iterator[ast.match_case]:
    tree = ast.parse(inspect.getsource(dispatch.Dispatcher._route).strip().replace("\n    ", "\n"))
    for node in ast.walk(tree):
        if isinstance(node, ast.match_case) and isinstance(node.pattern, ast.MatchClass):
            if isinstance(node.pattern.cls, ast.Name) and node.pattern.cls.id == kind:
                yield node


def button_actions() -> set[str]:
    """The actions the dispatcher routes (``case ButtonPressed(action="…")``)."""
    actions = set()
    for case in _dispatcher_cases("ButtonPressed"):
        for name, value in zip(case.pattern.kwd_attrs, case.pattern.kwd_patterns, strict=True):  # type: ignore[attr-defined]
            if name == "action" and isinstance(value, ast.MatchValue):
                assert isinstance(value.value, ast.Constant)
                actions.add(str(value.value.value))
    return actions


def form_kinds() -> set[str]:
    """The form id prefixes the dispatcher routes (``form_id.startswith("…")``)."""
    kinds = set()
    for case in _dispatcher_cases("FormSubmitted"):
        for node in ast.walk(case.guard or ast.Constant(None)):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "startswith":
                kinds |= {str(a.value) for a in node.args if isinstance(a, ast.Constant)}
    return kinds


def buttons_the_core_shows() -> set[str]:
    """Every action of a ``Button(label, "action", …)`` the core builds."""
    shown = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Button":
                if len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                    shown.add(str(node.args[1].value))
    return shown


BUTTONS = (
    "outcome",
    "join",
    "leave",
    "pause",
    "checkin_answer",
    "checkin_skip",
    "forget_confirm",
    "forget_cancel",
    "meet_again",
    "keep_me_in",
    "slot",
)
FORMS = ("checkin:",)


def test_every_command_is_fuzzed() -> None:
    verbs = {template.split()[0] for template, _ in TEMPLATES if not template.startswith("{")}
    assert verbs == set(commands.USAGE)
    parsed = {
        type(
            commands.parse(template.format(valid), date(2027, 1, 4), frozenset({"coffee", "leads"}))
        )
        for template, valid in TEMPLATES
    }
    assert parsed == _concrete(commands.Command)
    assert {f"set {s} {{}}" for s in SET_USAGE} <= {t for t, _ in TEMPLATES}


def test_every_button_and_form_is_fuzzed() -> None:
    assert set(BUTTONS) == button_actions()
    assert buttons_the_core_shows() <= button_actions()
    assert set(FORMS) == form_kinds()


def replied(reply: Message | None) -> str:
    assert isinstance(reply, Text | Choices | Form | FormErrors), reply
    if isinstance(reply, FormErrors):
        return " ".join(problem for _, problem in reply.errors)
    return reply.body if isinstance(reply, Text | Choices) else reply.title


def rejected(body: str) -> bool:
    return "Usage:" in body or "for admins" in body or "only for" in body


BOSS = Actor("boss", "Boss", platform_admin=True)  # an admin who is also a member
ADA = Actor("ada", "Ada")


class World:
    """A community with members, a round and an open check-in, on its own event loop."""

    def __init__(self, core: Core, loop: asyncio.AbstractEventLoop, db_url: str) -> None:
        self.core, self.loop = core, loop
        self.reader: Engine = create_engine(db_url.replace("+aiosqlite", ""))
        self.last = self.snapshot()

    def snapshot(self) -> list[tuple[object, ...]]:
        """Every row of every table (read on a plain connection of its own: fast)."""
        rows: list[tuple[object, ...]] = []
        with self.reader.connect() as conn:
            for table in Base.metadata.sorted_tables:
                rows.extend((table.name, *row) for row in conn.execute(select(table)).all())
        return sorted(rows, key=repr)

    def run(self, coro: typing.Awaitable[typing.Any]) -> typing.Any:
        return self.loop.run_until_complete(coro)

    def check(self, event: Event) -> str:
        """The reply to ``event``; a rejected event (a usage line, a role refusal) changed no
        row. Events that legitimately change rows (``leave``, an answer) are then the new state."""
        body = replied(self.run(self.core.handle(event)))
        after = self.snapshot()
        if rejected(body):
            assert after == self.last, (repr(event)[:200], body[:200])
        self.last = after
        return body


def open_world(db_url: str, settings: Settings, clock: MovableClock) -> World:
    loop = asyncio.new_event_loop()
    core = loop.run_until_complete(open_core(settings, clock=clock, url=db_url))
    world = World(core, loop, db_url)

    async def setup() -> None:
        await core.ensure_community(Platform.CONSOLE, WHERE.workspace, WHERE.channel, name="Acme")
        for pid, team in (
            ("ada", "Acme/Eng"),
            ("bob", "Acme/Sales"),
            ("cy", "Acme/Eng"),
            ("di", "Acme/Ops"),
        ):
            await core.handle(CommandInvoked(WHERE, Actor(pid, pid.capitalize()), "join"))
            await core.handle(CommandInvoked(WHERE, Actor(pid, pid.capitalize()), f"team {team}"))
        boss = Actor("boss", "Boss", platform_admin=True)
        await core.handle(
            CommandInvoked(WHERE, boss, 'checkin schedule "How are you?" every monday 09:00')
        )
        await core.run_job("intros", 1, force=True)
        await core.run_job("checkins", 1, force=True)

    world.run(setup())
    world.last = world.snapshot()
    return world


def close(world: World) -> None:
    world.reader.dispose()
    world.run(world.core.close())
    world.loop.close()


def test_every_command_gets_a_reply_for_every_kind_of_nasty_input(
    db_url: str, settings: Settings, clock: MovableClock
) -> None:
    world = open_world(db_url, settings, clock)
    try:
        for turn, (template, _) in enumerate(TEMPLATES):
            for nasty in nasty_for(turn):
                world.check(CommandInvoked(WHERE, BOSS, template.format(nasty)))
    finally:
        close(world)


def test_every_button_and_form_gets_a_reply_for_every_kind_of_nasty_value(
    db_url: str, settings: Settings, clock: MovableClock
) -> None:
    world = open_world(db_url, settings, clock)
    try:
        for turn, action in enumerate(BUTTONS):
            for nasty in nasty_for(turn):
                for value in (nasty, f"{nasty}:met", f"1:{nasty}"):
                    world.check(ButtonPressed(WHERE, ADA, action, value))
        for turn, nasty in enumerate(nasty_for(0) + nasty_for(1)):
            world.check(ButtonPressed(WHERE, ADA, nasty, "1"))
            for form in (*(f"{kind}{nasty}" for kind in FORMS), nasty):
                world.check(FormSubmitted(WHERE, ADA, form, (("q0", "x"),)))
            name = ("q0", "q1", "q2", nasty)[turn % 4]
            world.check(FormSubmitted(WHERE, ADA, "checkin:1", ((name, nasty), ("q0", nasty))))
    finally:
        close(world)


SPECIALS = st.sampled_from(
    [
        "\x00",
        "\x1b",
        "\r",
        "\n",
        "\u202e",
        "\u200f",
        "\udcff",
        "\ud800",
        "\ufeff",
        '"',
        "#",
        "@",
        "/",
        ":",
        " ",
    ]
)
FRAGMENTS = st.one_of(
    st.integers(min_value=-(10**60), max_value=10**60).map(str),
    st.text(max_size=20),
    SPECIALS,
    st.sampled_from(["9" * 5000, "x" * 3000]),
)
INPUT = st.lists(FRAGMENTS, max_size=5).map("".join)


def test_random_mixes_of_commands_buttons_and_forms_get_a_reply(
    db_url: str, settings: Settings, clock: MovableClock
) -> None:
    world = open_world(db_url, settings, clock)
    events: list[Callable[[str, bool], Event]] = [
        *(
            (
                lambda raw, admin, t=template: CommandInvoked(
                    WHERE, (ADA, BOSS)[admin], t.format(raw)
                )
            )
            for template, _ in TEMPLATES
        ),
        *(
            (lambda raw, admin, a=action: ButtonPressed(WHERE, (ADA, BOSS)[admin], a, raw))
            for action in BUTTONS
        ),
        lambda raw, admin: FormSubmitted(WHERE, (ADA, BOSS)[admin], "checkin:1", (("q0", raw),)),
        lambda raw, admin: FormSubmitted(WHERE, (ADA, BOSS)[admin], raw, (("q0", raw),)),
    ]

    @hypothesis_settings(max_examples=25, deadline=None, database=None)
    @given(st.sampled_from(events), INPUT, st.booleans())
    def one(make: Callable[[str, bool], Event], raw: str, admin: bool) -> None:
        world.check(make(raw, admin))

    try:
        one()
    finally:
        close(world)
