"""Redaction of members' names, emails, phone numbers, links and mentions, before text leaves us."""

from __future__ import annotations

import re
from collections.abc import Sequence

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|io|dev|co|uk)(?:/\S*)?\b"
)
PHONE = re.compile(r"(?<![\w])\+?\d[\d\s().-]{6,}\d(?![\w])")
MENTION = re.compile(r"<[@#!][^>\s]*>|(?<![\w])@[\w.-]+")


def _names_pattern(names: Sequence[str]) -> re.Pattern[str] | None:
    words = {part for name in names for part in re.split(r"\s+", name.strip()) if len(part) > 1}
    words |= {name.strip() for name in names if name.strip()}
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w])(?:{alternatives})(?:'s)?(?![\w])", re.IGNORECASE)


class Redactor:
    """Replaces names (each part of each name given), emails, links, phones and mentions."""

    def __init__(self, names: Sequence[str]) -> None:
        self._names = _names_pattern(names)

    def __call__(self, text: str) -> str:
        text = EMAIL.sub("[email]", text)
        text = URL.sub("[link]", text)
        text = MENTION.sub("[name]", text)
        text = PHONE.sub("[phone]", text)
        if self._names is not None:
            text = self._names.sub("[name]", text)
        return text
