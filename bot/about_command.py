"""`about "…"`: a member's own line, shown under their name in introductions."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import InputError

MAX_ABOUT = 160
USAGE = (
    f'about "a line about you, {MAX_ABOUT} characters at most" | about clear',
    'about "I look after the payroll system; ask me about cycling routes"',
)


@dataclass(frozen=True)
class About:
    """A member's line about themselves: ``None`` shows it, ``""`` clears it."""

    text: str | None


def parse_about(rest: str) -> About:
    """``rest`` is what follows the word `about`; quotes around it are optional."""
    if not rest.strip():
        return About(None)
    line = " ".join(rest.split())  # one line: no newlines, tabs or runs of spaces
    if len(line) >= 2 and line[0] in "\"“'" and line[-1] in "\"”'":
        line = line[1:-1].strip()
    if line.lower() == "clear":
        return About("")
    if not line or any(not ch.isprintable() for ch in line):
        raise InputError("say a line of plain text about you", usage=USAGE[0], example=USAGE[1])
    if len(line) > MAX_ABOUT:
        raise InputError(
            f"that is {len(line)} characters; {MAX_ABOUT} at most", usage=USAGE[0], example=USAGE[1]
        )
    return About(line)
