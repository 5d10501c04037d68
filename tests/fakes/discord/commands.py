"""Application commands as the fake Discord keeps them: what it refuses when an app registers its
commands, and who may use a registered command.

Beyond the OpenAPI spec (lengths, the 25 options and 25 choices), Discord's documentation
(Application Commands) refuses: a ``CHAT_INPUT`` name or option name outside
``^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$`` or with an upper-case letter that has a lower
case; a ``CHAT_INPUT`` command without a description of 1-100 characters; two commands of one
type with one name, or two options with one name at one level; a required option after an
optional one; subcommands mixed with other options at one level, or a group inside a group;
more than 100 ``CHAT_INPUT`` commands; more than 8000 characters of names, descriptions and
choice values in one command. ``default_member_permissions`` is documented as a string bit set
(the spec says integer; discord.py sends an integer): either is taken, anything else refused.

Who may use a command: a member with Administrator (or the owner) always; otherwise the
overwrites a server's admins set under Server Settings → Integrations (the member's own, then
their roles' — any allowing wins —, then @everyone's); without any, the command's
``default_member_permissions`` (none: everyone; ``0``: admins only; else all those bits).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from tests.fakes.discord.world import Guild, JsonObject, World

CHAT_INPUT = 1
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
ADMINISTRATOR = 1 << 3
MAX_CHAT_INPUT = 100
MAX_CHARACTERS = 8000
NAME_PUNCTUATION = frozenset("-_'")


def for_spec(body: Any) -> Any:
    """``body`` with a documented string ``default_member_permissions`` as the spec's integer,
    so the spec check does not refuse what Discord's documentation allows."""
    if not isinstance(body, list):
        return body
    shown: list[Any] = []
    for command in body:
        value = command.get("default_member_permissions") if isinstance(command, dict) else None
        if isinstance(value, str) and value.isdigit():
            command = command | {"default_member_permissions": int(value)}
        shown.append(command)
    return shown


def problems(commands: list[JsonObject]) -> list[str]:
    """The ways a bulk overwrite of commands breaks Discord's documented rules (none: it is
    taken)."""
    found: list[str] = []
    seen: set[tuple[int, str]] = set()
    chat_input = 0
    for index, command in enumerate(commands):
        where = f"body[{index}]"
        kind = int(command.get("type") or CHAT_INPUT)
        name = str(command.get("name") or "")
        if (kind, name) in seen:
            found.append(f"{where}.name: {name!r} is registered twice")
        seen.add((kind, name))
        found.extend(_permissions(command.get("default_member_permissions"), where))
        if kind != CHAT_INPUT:
            continue
        chat_input += 1
        found.extend(_name(name, f"{where}.name"))
        found.extend(_description(command.get("description"), f"{where}.description"))
        found.extend(_options(command.get("options") or [], f"{where}.options", depth=0))
        if (size := _characters(command)) > MAX_CHARACTERS:
            found.append(f"{where}: {size} characters, more than {MAX_CHARACTERS}")
    if chat_input > MAX_CHAT_INPUT:
        found.append(f"body: {chat_input} chat input commands, more than {MAX_CHAT_INPUT}")
    return found


def may_use(world: World, guild: Guild, user_id: str, command: JsonObject) -> bool:
    """Whether Discord shows ``command`` to the member and lets them run it."""
    held = guild.permissions_of(user_id)
    if held & ADMINISTRATOR:
        return True
    overwrites = world.command_overwrites.get((guild.id, str(command["name"])), {})
    if user_id in overwrites:
        return overwrites[user_id]
    roles = [overwrites[r] for r in guild.members[user_id].roles if r in overwrites]
    if roles:
        return any(roles)
    if guild.id in overwrites:  # @everyone's role id is the guild's
        return overwrites[guild.id]
    needed = command.get("default_member_permissions")
    if needed is None:
        return True
    bits = int(needed)
    return bits != 0 and held & bits == bits


def with_subcommand(commands: list[JsonObject], subcommand: str) -> list[JsonObject]:
    """The registered chat input commands that have a subcommand named ``subcommand``."""
    return [
        c
        for c in commands
        if int(c.get("type") or CHAT_INPUT) == CHAT_INPUT
        and any(
            o.get("type") == SUB_COMMAND and o.get("name") == subcommand
            for o in c.get("options") or []
        )
    ]


def _name(name: str, where: str) -> list[str]:
    if not 1 <= len(name) <= 32:
        return [f"{where}: {name!r} is not 1-32 characters"]
    for character in name:
        if character != character.lower():
            return [f"{where}: {name!r} has an upper-case letter (use its lower case)"]
        if not _name_character(character):
            return [f"{where}: {name!r} has {character!r}, which a command name may not"]
    return []


def _name_character(character: str) -> bool:
    if character in NAME_PUNCTUATION:
        return True
    category = unicodedata.category(character)
    if category[0] in "LN":
        return True
    script = unicodedata.name(character, "")
    return category[0] == "M" and script.startswith(("DEVANAGARI", "THAI"))


def _description(value: Any, where: str) -> list[str]:
    if not isinstance(value, str) or not 1 <= len(value) <= 100:
        return [f"{where}: a chat input command needs a description of 1-100 characters"]
    return []


def _permissions(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) and value.isdigit():
        return []
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return []
    return [f"{where}.default_member_permissions: {value!r} is not a permission bit set"]


def _options(options: list[JsonObject], where: str, *, depth: int) -> list[str]:
    found: list[str] = []
    names: set[str] = set()
    kinds = {int(o.get("type") or 0) for o in options}
    nesting = kinds & {SUB_COMMAND, SUB_COMMAND_GROUP}
    if nesting and kinds - nesting:
        found.append(f"{where}: subcommands mixed with other options")
    optional_seen = False
    for index, option in enumerate(options):
        at = f"{where}[{index}]"
        name = str(option.get("name") or "")
        if name in names:
            found.append(f"{at}.name: {name!r} twice at one level")
        names.add(name)
        found.extend(_name(name, f"{at}.name"))
        kind = int(option.get("type") or 0)
        if kind == SUB_COMMAND_GROUP and depth > 0:
            found.append(f"{at}: a subcommand group inside a group")
        if kind in (SUB_COMMAND, SUB_COMMAND_GROUP):
            inner = option.get("options") or []
            found.extend(_options(inner, f"{at}.options", depth=depth + 1))
            continue
        if option.get("required"):
            if optional_seen:
                found.append(f"{at}: the required option {name!r} follows an optional one")
        else:
            optional_seen = True
    return found


def _characters(command: JsonObject) -> int:
    """Names, descriptions and choice values of a command and its options, summed."""
    total = len(str(command.get("name") or "")) + len(str(command.get("description") or ""))
    for option in command.get("options") or []:
        total += _characters(option)
    for choice in command.get("choices") or []:
        total += len(str(choice.get("name") or "")) + len(str(choice.get("value") or ""))
    return total
