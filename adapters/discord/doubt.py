"""Finding a message in doubt in its thread, beyond the nonce's few minutes.

Discord answers a repeated nonce (with ``enforce_nonce``) with the first message only for a few
minutes, and does not keep the nonce on the message. A message whose sender died after Discord
took it, and whose re-send comes later (after the outbox's lease, or a restart), is looked for
in its thread instead: the thread says how many messages it holds and which came last
(``message_count``, ``last_message_id``); an empty thread holds nothing of ours, else the last
message is read and, when it is not the one, the thread's recent ones. A message of the bot's
that shows exactly what ``pieces`` render (text, embeds, buttons — whose ids name the group)
is the one. Reading messages needs View Channel and Read Message History in the channel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from discord.http import HTTPClient

from adapters.discord.render import Piece

RECENT = 50  # how many of a thread's latest messages are searched


def same(piece: Piece, data: Mapping[str, Any]) -> bool:
    """Whether a message Discord holds shows what ``piece`` renders."""
    if (data.get("content") or "") != (piece.content or ""):
        return False
    embeds = [e.get("description") or "" for e in data.get("embeds") or []]
    if embeds != [e.description or "" for e in piece.embeds]:
        return False
    buttons = [
        str(c.get("custom_id"))
        for row in data.get("components") or []
        for c in row.get("components") or []
        if c.get("type") == 2
    ]
    return buttons == [b.custom_id for b in piece.buttons]


async def find(
    http: HTTPClient, thread_id: str, pieces: Sequence[Piece], bot_id: str
) -> list[str | None]:
    """The ids of the bot's messages in the thread showing each piece, in order; None for a
    piece not found there."""
    thread = await http.get_channel(thread_id)
    last = thread.get("last_message_id")
    if not thread.get("message_count") or not last:
        return [None] * len(pieces)
    latest = [await http.get_message(thread_id, str(last))]
    found = _match(latest, pieces, bot_id)
    if None in found:
        recent = await http.logs_from(thread_id, RECENT)
        found = _match(list(reversed(recent)), pieces, bot_id)
    return found


def _match(
    messages: Sequence[Mapping[str, Any]], pieces: Sequence[Piece], bot_id: str
) -> list[str | None]:
    """Each piece's message among ``messages`` (oldest first), each message used once."""
    ours = [m for m in messages if str((m.get("author") or {}).get("id")) == bot_id]
    taken: set[str] = set()
    found: list[str | None] = []
    for piece in pieces:
        match = next((m for m in ours if str(m["id"]) not in taken and same(piece, m)), None)
        if match is not None:
            taken.add(str(match["id"]))
        found.append(str(match["id"]) if match is not None else None)
    return found
