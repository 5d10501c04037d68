"""A rendered piece as discord.py's send and edit arguments, and the messages a SentRef names.

A group's messages live in its thread (``SentRef.message_id`` lists the pieces' ids) or, for
a group by direct messages (a conversation id starting ``dm:``), in each person's DM channel
(``channel/message`` pairs)."""

from __future__ import annotations

import io
from typing import Any

import discord

from adapters.discord import render
from adapters.discord.views import button_view
from bot.ports import DIRECT, SentRef

DM_PREFIX = DIRECT  # a group by direct messages: the core knows it by this


def targets(sent: SentRef) -> dict[int, list[int]]:
    """The messages behind a SentRef, by channel: a thread's pieces, or each DM's."""
    if not sent.conversation.id.startswith(DM_PREFIX):
        return {int(sent.conversation.id): [int(m) for m in sent.message_id.split(",") if m]}
    found: dict[int, list[int]] = {}
    for part in sent.message_id.split(","):
        channel, _, message_id = part.partition("/")
        if message_id:
            found.setdefault(int(channel), []).append(int(message_id))
    return found


def send_arguments(piece: render.Piece) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "content": piece.content,
        "embeds": list(piece.embeds),
        "allowed_mentions": discord.AllowedMentions.none(),
    }
    view = button_view(piece.buttons)
    if view is not None:
        arguments["view"] = view
    if piece.attachment is not None:
        arguments["file"] = _file(piece.attachment)
    return arguments


def edit_arguments(piece: render.Piece) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "content": piece.content,
        "embeds": list(piece.embeds),
        "view": button_view(piece.buttons),
    }
    if piece.attachment is not None:
        arguments["attachments"] = [_file(piece.attachment)]
    return arguments


def _file(attachment: render.Attachment) -> discord.File:
    return discord.File(
        io.BytesIO(attachment.data),
        filename=attachment.filename,
        description=attachment.description,
    )
