"""The `role` and `roles` commands: admins grant and revoke facilitator, lead and admin, and link
a platform's role or user group name to a role; `roles` lists who holds what.

role grant @bob lead            role revoke @bob lead
role link lead "Team Leads"     role unlink lead "Team Leads"
roles
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NoReturn

from bot.domain import Role
from bot.errors import InputError

USAGE = (
    "role grant|revoke @PERSON facilitator|lead|admin | role link|unlink facilitator|lead|admin "
    '"PLATFORM ROLE OR GROUP" | roles'
)
EXAMPLE = "role grant @bob lead"
ROLE_WORDS = {"facilitator": Role.FACILITATOR, "lead": Role.LEAD, "admin": Role.ADMIN}
MAX_NAME = 100
# A person as each platform writes a mention: @bob (console), @U123 (Slack, unescaped),
# <@123> or <@!123> (Discord), <@U123|bob> (Slack, escaped).
MENTION = re.compile(r"^(?:<@!?([\w.-]{1,64})(?:\|[^>]*)?>|@([\w.-]{1,64}))$")


@dataclass(frozen=True)
class ListRoles:
    pass


@dataclass(frozen=True)
class GrantRole:
    person: str  # the platform id
    role: Role


@dataclass(frozen=True)
class RevokeRole:
    person: str
    role: Role


@dataclass(frozen=True)
class LinkRole:
    """A platform role (Discord) or user group (Slack) whose holders hold ``role`` here."""

    name: str
    role: Role
    linked: bool  # False: unlink


RoleCommand = ListRoles | GrantRole | RevokeRole | LinkRole


def parse_role(args: list[str]) -> RoleCommand:
    """``args`` are the words after `role`, split like a shell (names in quotes)."""
    action = args[0].lower() if args else ""
    rest = args[1:]
    if action == "list" and not rest:
        return ListRoles()
    if action in {"grant", "revoke"}:
        if len(rest) != 2:
            _fail(f"say whom to {action} which role, like `role {action} @bob lead`")
        person = mention(rest[0])
        role = role_word(rest[1])
        return GrantRole(person, role) if action == "grant" else RevokeRole(person, role)
    if action in {"link", "unlink"}:
        if len(rest) != 2:
            _fail(f'say the role and the platform\'s name in quotes: `role {action} lead "Leads"`')
        role = role_word(rest[0])
        name = " ".join(rest[1].lstrip("@").split())
        if not name or len(name) > MAX_NAME:
            _fail(f"say a platform role or group name of 1 to {MAX_NAME} characters")
        return LinkRole(name, role, linked=action == "link")
    _fail("say grant, revoke, link, unlink or list")


def mention(word: str) -> str:
    """The platform id in a mention of a person (``@bob``, ``<@U123>``), or an InputError."""
    match = MENTION.match(word)
    if match is None:
        _fail(f"'{word[:40]}' is not a person: mention them, like @bob")
    return match.group(1) or match.group(2)


def role_word(word: str) -> Role:
    role = ROLE_WORDS.get(word.lower().rstrip("s"))
    if role is None:
        _fail(f"'{word[:30]}' is not a role: say facilitator, lead or admin")
    return role


def _fail(problem: str) -> NoReturn:
    raise InputError(problem, usage=USAGE, example=EXAMPLE)
