"""A calendar invite as RFC 5545 text: one VEVENT, times in UTC, no external calendar.

Lines end in CRLF and are folded at 75 octets (3.1); text values escape backslashes,
semicolons, commas and line breaks (3.3.11).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

PRODID = "-//Bridgework//Introductions//EN"


def invite(
    *, uid: str, stamp: datetime, starts: datetime, length: timedelta, summary: str, text: str
) -> str:
    """One event from ``starts`` (aware) for ``length``, stamped ``stamp``."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{escape(uid)}",
        f"DTSTAMP:{utc(stamp)}",
        f"DTSTART:{utc(starts)}",
        f"DTEND:{utc(starts + length)}",
        f"SUMMARY:{escape(summary)}",
        f"DESCRIPTION:{escape(text)}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)


def utc(moment: datetime) -> str:
    """A DATE-TIME in UTC form: 20261208T140000Z."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str, limit: int = 75) -> str:
    """``line`` folded into pieces of at most ``limit`` octets, never inside a character."""
    pieces: list[str] = []
    current = ""
    room = limit
    for char in line:
        size = len(char.encode("utf-8"))
        if len(current.encode("utf-8")) + size > room:
            pieces.append(current)
            current = ""
            room = limit - 1  # a continuation line starts with a space
        current += char
    pieces.append(current)
    return "\r\n ".join(pieces)
