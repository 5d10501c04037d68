"""What the core asks a platform to show. Plain values; each adapter renders them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Button:
    """A choice a person can press; ``action`` and ``value`` come back in a ButtonPressed."""

    label: str
    action: str
    value: str = ""


@dataclass(frozen=True)
class Text:
    body: str


@dataclass(frozen=True)
class Choices:
    """A text with buttons under it."""

    body: str
    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class Image:
    """A picture with its text alternative (shown where pictures are not)."""

    png: bytes
    filename: str
    alt_text: str
    title: str = ""


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    multiline: bool = False
    optional: bool = False
    max_length: int = 3000
    initial: str = ""


@dataclass(frozen=True)
class Form:
    """A small form: a modal on Slack and Discord, a question-by-question prompt on the console."""

    form_id: str
    title: str
    fields: tuple[Field, ...]
    submit_label: str = "Send"


@dataclass(frozen=True)
class FormErrors:
    """A form's answer that keeps the form open, with a problem beside each named field."""

    errors: tuple[tuple[str, str], ...]  # (field name, what is wrong)


@dataclass(frozen=True)
class IntroPerson:
    first_name: str
    team: str  # "" where the person has no team
    about: str = ""  # their own line about themselves (`about "…"`), shown under their name

    @property
    def label(self) -> str:
        return f"{self.first_name} ({self.team})" if self.team else self.first_name


@dataclass(frozen=True)
class MeetingTime:
    """A 30-minute time offered to a group: ``starts_at`` in UTC (a platform that can shows it in
    each reader's own time), ``for_each`` as each member reads it ("Tue 14:00 for Ana, 09:00 for
    Ben"), and the one-tap "This works" button."""

    starts_at: datetime
    for_each: str
    button: Button


@dataclass(frozen=True)
class Intro:
    """A cross-team introduction: who is in the group, what to talk about, who suggests a time."""

    greeting: str
    people: tuple[IntroPerson, ...]
    starter: str
    scheduler_note: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)
    followup: str = ""  # the "did you meet?" question, once the follow-up updates the intro
    times_note: str = ""  # above the times offered; where none suits everyone, says so instead
    times: tuple[MeetingTime, ...] = ()


@dataclass(frozen=True)
class Invite:
    """A text with a calendar invite attached: ``ics`` is an RFC 5545 calendar, as text."""

    body: str
    ics: str
    filename: str


Message = Text | Choices | Image | Form | Intro | FormErrors | Invite


def plain_text(message: Message) -> str:
    """A text rendering of any message: the console's, and every platform's fallback text."""
    match message:
        case Text(body=body):
            return body
        case Choices(body=body, buttons=buttons):
            labels = " ".join(f"[{b.label}]" for b in buttons)
            return f"{body}\n{labels}" if labels else body
        case Image(alt_text=alt, title=title):
            return f"{title}: {alt}" if title else alt
        case Form(title=title, fields=fields):
            return title + "".join(f"\n- {f.label}" for f in fields)
        case Intro():
            return _intro_text(message)
        case FormErrors(errors=errors):
            return "\n".join(problem for _, problem in errors)
        case Invite(body=body, filename=filename):
            return f"{body}\n📎 {filename}"
    raise TypeError(f"not a message: {message!r}")  # pragma: no cover - exhaustive above


def _intro_text(intro: Intro) -> str:
    lines: list[str] = [intro.greeting]
    for person in intro.people:
        lines.append(f"• {person.label}")
        if person.about:
            lines.append(f"  {person.about}")
    lines.append(intro.starter)
    lines.append(intro.scheduler_note)
    lines.extend(times_lines(intro))
    if intro.followup:
        lines.append(intro.followup)
    if intro.buttons:
        lines.append(" ".join(f"[{b.label}]" for b in intro.buttons))
    return "\n".join(lines)


def times_lines(intro: Intro, button: Callable[[Button], str] | None = None) -> list[str]:
    """The times offered, one a line with its button (shown by ``button``, by default its label),
    under the note; the note alone where no time suits everyone."""
    lines = [intro.times_note] if intro.times_note else []
    for number, offered in enumerate(intro.times, start=1):
        shown = button(offered.button) if button else f"[{offered.button.label}]"
        lines.append(f"{number}. {offered.for_each} {shown}")
    return lines


def split_text(body: str, limit: int) -> Sequence[str]:
    """Split a long text at line breaks into pieces of at most ``limit`` characters."""
    pieces: list[str] = []
    current = ""
    for line in body.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces
