"""The calendar invite as RFC 5545 text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.ics import invite


def unfolded(text: str) -> list[str]:
    """The content lines of an iCalendar text, unfolded (RFC 5545 3.1); every line must end in
    CRLF and none be longer than 75 octets."""
    assert text.endswith("\r\n")
    raw = text.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in raw)
    assert "\n" not in "".join(raw)
    lines: list[str] = []
    for line in raw:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def made(summary: str = "Ana and Ben meet", text: str = "Hello") -> list[str]:
    return unfolded(
        invite(
            uid="bridgework-1-2@bridgework",
            stamp=datetime(2026, 12, 3, 12, 0, 5, tzinfo=UTC),
            starts=datetime(2026, 12, 8, 14, 0, tzinfo=UTC),
            length=timedelta(minutes=30),
            summary=summary,
            text=text,
        )
    )


def test_one_event_with_uid_stamp_and_times_in_utc() -> None:
    lines = made()
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    event = lines[lines.index("BEGIN:VEVENT") + 1 : lines.index("END:VEVENT")]
    assert "UID:bridgework-1-2@bridgework" in event
    assert "DTSTAMP:20261203T120005Z" in event
    assert "DTSTART:20261208T140000Z" in event
    assert "DTEND:20261208T143000Z" in event
    assert "SUMMARY:Ana and Ben meet" in event


def test_text_is_escaped_and_long_lines_are_folded_without_splitting_a_character() -> None:
    lines = made(summary="Zoë, Ana; and \\Ben", text="é" * 100 + "\nnext")
    assert "SUMMARY:Zoë\\, Ana\\; and \\\\Ben" in lines
    assert "DESCRIPTION:" + "é" * 100 + "\\nnext" in lines
