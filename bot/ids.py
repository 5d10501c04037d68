"""Ids read from what people typed or pressed, bounded before they reach SQL."""

from __future__ import annotations

import re

# A database id fits a signed 64-bit integer; 18 ASCII digits always do.
MAX_ID_DIGITS = 18
MAX_ID = 10**MAX_ID_DIGITS - 1
_ID = re.compile(rf"[0-9]{{1,{MAX_ID_DIGITS}}}")


def parse_id(raw: str) -> int | None:
    """The id ``raw`` spells in ASCII digits, or None: not digits, or too long to be an id."""
    return int(raw) if _ID.fullmatch(raw) else None


def is_id(raw: str) -> bool:
    return parse_id(raw) is not None
