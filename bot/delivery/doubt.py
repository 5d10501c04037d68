"""Messages in doubt: a dead sender claimed them, or a call for them failed, so the platform may
hold them though nobody recorded it.

Only such a row is looked for on the platform before it is sent (``FindsSent``), and its group
looked for before it is opened (``FindsOpened``): a row never claimed before is sent without
reading anything, since reading can be dear (Slack allows an app outside its Marketplace one
history read a minute). A Chat that ``ReadsOnce`` reads each conversation once for all the rows
in doubt there, told by :func:`claimed` when a claim brings new ones. A row in doubt that waits
(a rate limit, settings missing here) keeps its doubt in the database, its attempts counting at
least one, for whichever sender takes it next.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from sqlalchemy import select

from bot.domain import Community
from bot.errors import BridgeworkError
from bot.ports import ReadsOnce
from bot.store import repo
from bot.store.db import Database
from bot.store.models import CommunityRow, OutboxRow


async def claimed(
    db: Database, doubtful: Collection[int], chat_for: Callable[[Community], object]
) -> None:
    """Tell the Chats of the communities of ``doubtful`` rows, just claimed, that read each
    conversation once: what they read before may not show these rows."""
    if not doubtful:
        return
    async with db.session() as session:
        rows = await session.scalars(
            select(CommunityRow).where(
                CommunityRow.id.in_(
                    select(OutboxRow.community_id).where(OutboxRow.id.in_(list(doubtful)))
                )
            )
        )
        communities = [repo.to_community(row) for row in rows.all()]
    for community in communities:
        try:
            chat = chat_for(community)
        except BridgeworkError:  # no Chat here (its settings are missing): the sender says so
            continue
        if isinstance(chat, ReadsOnce):
            chat.doubts_claimed()
