"""Messages to and from JSON, for the outbox's payload column."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from bot.messages import (
    Button,
    Choices,
    Field,
    Form,
    Image,
    Intro,
    IntroPerson,
    Invite,
    MeetingTime,
    Message,
    Text,
)


def encode(message: Message) -> dict[str, Any]:
    """A message as JSON. A FormErrors is an answer to a form, never queued: it has no form."""
    match message:
        case Text(body=body):
            return {"type": "text", "body": body}
        case Choices(body=body, buttons=buttons):
            return {"type": "choices", "body": body, "buttons": [_button(b) for b in buttons]}
        case Image():
            return {
                "type": "image",
                "png": base64.b64encode(message.png).decode("ascii"),
                "filename": message.filename,
                "alt_text": message.alt_text,
                "title": message.title,
            }
        case Form():
            return {
                "type": "form",
                "form_id": message.form_id,
                "title": message.title,
                "submit_label": message.submit_label,
                "fields": [vars(f).copy() for f in message.fields],
            }
        case Intro():
            return {
                "type": "intro",
                "greeting": message.greeting,
                "people": [vars(p).copy() for p in message.people],
                "starter": message.starter,
                "scheduler_note": message.scheduler_note,
                "buttons": [_button(b) for b in message.buttons],
                "followup": message.followup,
                "times_note": message.times_note,
                "times": [
                    {
                        "starts_at": t.starts_at.isoformat(),
                        "for_each": t.for_each,
                        "button": _button(t.button),
                    }
                    for t in message.times
                ],
            }
        case Invite():
            return {
                "type": "invite",
                "body": message.body,
                "ics": message.ics,
                "filename": message.filename,
            }
    raise TypeError(f"not a message: {message!r}")  # pragma: no cover - exhaustive above


def decode(data: dict[str, Any]) -> Message:
    kind = data["type"]
    if kind == "text":
        return Text(data["body"])
    if kind == "choices":
        return Choices(data["body"], tuple(Button(**b) for b in data["buttons"]))
    if kind == "image":
        return Image(
            png=base64.b64decode(data["png"]),
            filename=data["filename"],
            alt_text=data["alt_text"],
            title=data["title"],
        )
    if kind == "form":
        return Form(
            form_id=data["form_id"],
            title=data["title"],
            fields=tuple(Field(**f) for f in data["fields"]),
            submit_label=data["submit_label"],
        )
    if kind == "intro":
        return Intro(
            greeting=data["greeting"],
            people=tuple(IntroPerson(**p) for p in data["people"]),
            starter=data["starter"],
            scheduler_note=data["scheduler_note"],
            buttons=tuple(Button(**b) for b in data["buttons"]),
            followup=data.get("followup", ""),
            times_note=data.get("times_note", ""),
            times=tuple(
                MeetingTime(
                    datetime.fromisoformat(t["starts_at"]), t["for_each"], Button(**t["button"])
                )
                for t in data.get("times", [])
            ),
        )
    if kind == "invite":
        return Invite(data["body"], data["ics"], data["filename"])
    raise ValueError(f"unknown message type {kind!r}")


def _button(button: Button) -> dict[str, str]:
    return {"label": button.label, "action": button.action, "value": button.value}
