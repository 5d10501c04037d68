"""The core's messages as Block Kit, within Slack's limits. Pure: no I/O, no SDK.

Limits kept (https://docs.slack.dev/reference/block-kit/blocks): 50 blocks a message, 100 a
modal or Home tab; 3,000 characters of section text; 75 characters of button text, 25 buttons an
actions block; modal titles and submit labels of 24 characters. A text longer than one message
holds is split at line breaks into several messages (``render`` returns them in order).

Buttons carry the core's ``action`` in their ``action_id`` (``bw.<action>.<n>``) and its value
in ``value``; the actions block's ``block_id`` carries the community's channel
(``bw|<channel>|<n>|<revision>``), so a press in a group DM or the App Home finds its community
again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.messages import (
    Button,
    Choices,
    Form,
    FormErrors,
    Image,
    Intro,
    Invite,
    MeetingTime,
    Message,
    Text,
    plain_text,
)

Block = dict[str, Any]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_SECTION_FIELDS = 10
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_BUTTONS = 25
MAX_FALLBACK_TEXT = 3000
MAX_VIEW_TITLE = 24
MAX_INPUT_LABEL = 2000
MAX_INPUT_LENGTH = 3000
MAX_ALT_TEXT = 2000
MAX_PRIVATE_METADATA = 3000

ACTION_PREFIX = "bw."
BLOCK_PREFIX = "bw|"


@dataclass(frozen=True)
class SlackMessage:
    """One chat.postMessage's worth: the notification/fallback text and the blocks."""

    text: str
    blocks: list[Block]


def render(message: Message, *, channel: str = "") -> list[SlackMessage]:
    """``message`` as one or more Slack messages; ``channel`` is the community's channel."""
    match message:
        case Text(body=body):
            return _paged(_sections(body), [], plain_text(message))
        case Choices(body=body, buttons=buttons):
            shown = plain_text(message)
            return _paged(_sections(body), _actions(buttons, channel, shown), shown)
        case Intro():
            shown = plain_text(message)
            return _paged(
                _intro_blocks(message, channel, shown),
                _actions(message.buttons, channel, shown),
                shown,
            )
        case Image():
            raise TypeError("an Image is uploaded first; render it with image_message()")
        case Invite():
            raise TypeError("an Invite is a file upload with its text as the initial comment")
        case Form():
            raise TypeError("a Form opens as a modal; render it with modal()")
        case FormErrors():  # outside a modal: the problems, as text
            return _paged(_sections(plain_text(message)), [], plain_text(message))
    raise TypeError(f"not a message: {message!r}")  # pragma: no cover - exhaustive above


def image_message(image: Image, file_id: str) -> SlackMessage:
    """The message showing an uploaded picture, with its text alternative."""
    block: Block = {
        "type": "image",
        "slack_file": {"id": file_id},
        "alt_text": _cut(image.alt_text or image.filename, MAX_ALT_TEXT),
    }
    if image.title:
        block["title"] = _plain(_cut(image.title, MAX_FIELD_TEXT))
    return SlackMessage(_cut(plain_text(image), MAX_FALLBACK_TEXT), [block])


def modal(form: Form, *, private_metadata: str = "") -> Block:
    """A modal view of ``form``: one plain-text input per field, ``callback_id`` the form's id."""
    blocks: list[Block] = []
    for field in form.fields[:MAX_VIEW_BLOCKS]:
        element: Block = {
            "type": "plain_text_input",
            "action_id": field.name,
            "multiline": field.multiline,
            "max_length": max(1, min(field.max_length, MAX_INPUT_LENGTH)),
        }
        if field.initial:
            element["initial_value"] = _cut(field.initial, element["max_length"])
        blocks.append(
            {
                "type": "input",
                "block_id": field.name,
                "label": _plain(_cut(field.label, MAX_INPUT_LABEL)),
                "optional": field.optional,
                "element": element,
            }
        )
    view: Block = {
        "type": "modal",
        "callback_id": form.form_id,
        "title": _plain(_cut(form.title, MAX_VIEW_TITLE)),
        "submit": _plain(_cut(form.submit_label, MAX_VIEW_TITLE)),
        "blocks": blocks,
    }
    if private_metadata:
        if len(private_metadata) > MAX_PRIVATE_METADATA:
            raise ValueError("private_metadata is longer than Slack keeps")
        view["private_metadata"] = private_metadata
    return view


def result_modal(form_title: str, message: Message) -> Block:
    """What a modal turns into after its submission: the core's answer, and a close button."""
    blocks = _sections(plain_text(message))[:MAX_VIEW_BLOCKS]
    return {
        "type": "modal",
        "title": _plain(_cut(form_title, MAX_VIEW_TITLE)),
        "blocks": blocks,
    }


def field_errors(errors: Sequence[tuple[str, str]]) -> Block:
    """A view_submission answer that keeps the modal open with a problem beside each field
    (``response_action`` ``errors``, keyed by the input block's id: the field's name)."""
    return {
        "response_action": "errors",
        "errors": {name: _cut(problem, MAX_FIELD_TEXT) for name, problem in errors},
    }


def home(sections: Sequence[tuple[str, Message]], *, notice: Message | None = None) -> Block:
    """The App Home tab: the core's home content for each ``(channel, content)`` community of
    the workspace, with the answer to the last press on top. With several communities each
    is headed by its channel (Slack shows ``<#C…>`` as the channel's name)."""
    blocks: list[Block] = []
    if notice is not None:
        blocks.extend(_sections(plain_text(notice)))
        blocks.append({"type": "divider"})
    numbered = 0
    for index, (channel, message) in enumerate(sections):
        if index:
            blocks.append({"type": "divider"})
        if len(sections) > 1 and channel:
            blocks.append(_section(f"<#{channel}>"))
        match message:
            case Choices(body=body, buttons=buttons):
                blocks.extend(_sections(body))
                shown = plain_text(message) + (plain_text(notice) if notice else "")
                blocks.extend(_actions(buttons, channel, shown, first=numbered))
                numbered += len(buttons)
            case _:
                blocks.extend(_sections(plain_text(message)))
    return {"type": "home", "blocks": blocks[:MAX_VIEW_BLOCKS]}


def ephemeral(message: Message, *, channel: str = "") -> SlackMessage:
    """A reply only the actor sees: the first page of ``message`` (replies are short)."""
    if isinstance(message, (Image, Form, Invite)):
        message = Text(plain_text(message))
    return render(message, channel=channel)[0]


def outbox_metadata(key: str, part: int = 0) -> Block:
    """The message metadata that marks a message as the outbox's ``key`` (``part`` of a split)."""
    payload: dict[str, Any] = {"key": key}
    if part:
        payload["part"] = part
    return {"event_type": "bridgework_outbox", "event_payload": payload}


def metadata_key(message: dict[str, Any]) -> tuple[str, int] | None:
    """The outbox key and part a Slack message carries, if it is one of ours."""
    metadata = message.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("event_type") != "bridgework_outbox":
        return None
    payload = metadata.get("event_payload")
    if not isinstance(payload, dict) or not isinstance(payload.get("key"), str):
        return None
    part = payload.get("part", 0)
    return payload["key"], part if isinstance(part, int) else 0


def block_channel(block_id: str) -> str:
    """The community channel an actions block carries ("" if it carries none)."""
    if not block_id.startswith(BLOCK_PREFIX):
        return ""
    return block_id.removeprefix(BLOCK_PREFIX).split("|")[0]


def action_name(action_id: str) -> str:
    """The core's action a button's ``action_id`` carries."""
    return action_id.removeprefix(ACTION_PREFIX).rpartition(".")[0]


def form_metadata(channel: str) -> str:
    return json.dumps({"channel": channel}, separators=(",", ":"))


def escape(text: str) -> str:
    """Text as mrkdwn shows it literally: no mentions, links or entities slip through."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _paged(body: list[Block], tail: list[Block], fallback: str) -> list[SlackMessage]:
    """Split ``body`` over messages of at most 50 blocks; ``tail`` goes at the end of the last."""
    blocks = body + tail
    if not blocks:
        blocks = [_section(" ")]
    pages: list[list[Block]] = []
    while blocks:
        cut = MAX_MESSAGE_BLOCKS
        rest = len(blocks) - cut
        if 0 < rest <= len(tail):  # keep the buttons together, with the last text above them
            cut = max(1, len(blocks) - len(tail) - 1)
        pages.append(blocks[:cut])
        blocks = blocks[cut:]
    if len(pages) == 1:
        return [SlackMessage(_cut(fallback, MAX_FALLBACK_TEXT), pages[0])]
    return [SlackMessage(_cut(_page_text(page), MAX_FALLBACK_TEXT), page) for page in pages]


def _page_text(page: list[Block]) -> str:
    texts = [b["text"]["text"] for b in page if b.get("type") == "section" and "text" in b]
    return "\n".join(texts) or " "


def _sections(body: str) -> list[Block]:
    """Sections of at most 3,000 shown characters: lines kept whole where they fit, a line
    longer than that cut (never inside an ``&amp;``-style entity), escaping counted."""
    pieces: list[str] = []
    current: str | None = None
    for line in body.split("\n"):
        shown = escape(line)
        while len(shown) > MAX_SECTION_TEXT:
            cut = _entity_safe(shown, MAX_SECTION_TEXT)
            if current is not None:
                pieces.append(current)
                current = None
            pieces.append(shown[:cut])
            shown = shown[cut:]
        if current is None:
            current = shown
        elif len(current) + 1 + len(shown) <= MAX_SECTION_TEXT:
            current = f"{current}\n{shown}"
        else:
            pieces.append(current)
            current = shown
    if current is not None:
        pieces.append(current)
    return [_section(p) for p in pieces if p.strip()] or [_section(" ")]


def _entity_safe(text: str, limit: int) -> int:
    """Where to cut ``text`` at ``limit`` or just before, outside an escaped entity."""
    amp = text.rfind("&", max(0, limit - 4), limit)
    return amp if amp > 0 and ";" not in text[amp:limit] else limit


def _intro_blocks(intro: Intro, channel: str = "", shown: str = "") -> list[Block]:
    blocks = _sections(intro.greeting)
    fields = [
        {
            "type": "mrkdwn",
            "text": _cut(
                f"*{escape(p.first_name)}*"
                + (f"\n{escape(p.team)}" if p.team else "")
                + (f"\n_{escape(p.about)}_" if p.about else ""),
                MAX_FIELD_TEXT,
            ),
        }
        for p in intro.people
    ]
    for start in range(0, len(fields), MAX_SECTION_FIELDS):
        blocks.append({"type": "section", "fields": fields[start : start + MAX_SECTION_FIELDS]})
    quoted = "\n".join(f"> {line}" if line else ">" for line in intro.starter.split("\n"))
    blocks.append(_section(_cut(escape_quote(quoted), MAX_SECTION_TEXT)))
    blocks.extend(_sections(intro.scheduler_note))
    if intro.times_note:
        blocks.extend(_sections(intro.times_note))
    revision = _revision(shown, [t.button for t in intro.times])
    blocks.extend(_time_block(t, n, channel, revision) for n, t in enumerate(intro.times))
    if intro.followup:
        blocks.extend(_sections(intro.followup))
    return blocks


def _time_block(offered: MeetingTime, number: int, channel: str, revision: str) -> Block:
    """One offered time, shown in each reader's own time zone and clock (Slack's date
    formatting; the fallback names each member's time), with its "This works" beside it."""
    stamp = int(offered.starts_at.timestamp())
    fallback = escape(offered.for_each).replace("|", "/")
    text = f"{number + 1}. <!date^{stamp}^{{date_short_pretty}}, {{time}}|{fallback}> (your time)"
    button = offered.button
    accessory: Block = {
        "type": "button",
        "text": _plain(_cut(button.label, MAX_BUTTON_TEXT)),
        "action_id": f"{ACTION_PREFIX}{button.action}.t{number}",
    }
    if button.value:
        accessory["value"] = button.value[:MAX_BUTTON_VALUE]
    return {
        "type": "section",
        "block_id": f"{BLOCK_PREFIX}{channel}|t{number}|{revision}",
        "text": {"type": "mrkdwn", "text": _cut(text, MAX_SECTION_TEXT)},
        "accessory": accessory,
    }


def _revision(shown: str, buttons: Sequence[Button]) -> str:
    # Slack asks for a new block_id when a message is updated: the id carries a digest of what
    # the message shows, so an intro and the follow-up that replaces it differ.
    digest = repr((shown, [(b.label, b.action, b.value) for b in buttons]))
    return hashlib.sha1(digest.encode(), usedforsecurity=False).hexdigest()[:8]


def escape_quote(text: str) -> str:
    """Escape a quoted text but keep its leading ``>`` quote marks."""
    return "\n".join(
        ("> " + escape(line[2:])) if line.startswith("> ") else escape(line)
        for line in text.split("\n")
    )


def _actions(buttons: Sequence[Button], channel: str, shown: str, *, first: int = 0) -> list[Block]:
    """Actions blocks of at most 25 buttons; ``first`` numbers the buttons on from earlier
    actions in the same view (action ids must be unique in it)."""
    revision = _revision(shown, buttons)
    blocks: list[Block] = []
    for start in range(0, len(buttons), MAX_BUTTONS):
        chunk = buttons[start : start + MAX_BUTTONS]
        elements: list[Block] = []
        for offset, button in enumerate(chunk):
            element: Block = {
                "type": "button",
                "text": _plain(_cut(button.label, MAX_BUTTON_TEXT)),
                "action_id": f"{ACTION_PREFIX}{button.action}.{first + start + offset}",
            }
            if button.value:
                element["value"] = button.value[:MAX_BUTTON_VALUE]
            elements.append(element)
        blocks.append(
            {
                "type": "actions",
                "block_id": f"{BLOCK_PREFIX}{channel}|{start}|{revision}",
                "elements": elements,
            }
        )
    return blocks


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _plain(text: str) -> Block:
    return {"type": "plain_text", "text": text or " ", "emoji": True}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
