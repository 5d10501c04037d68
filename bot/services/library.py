"""The prompt library: bundled texts plus a community's own, rotated without repeats until the
community has used them all."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import delete, select

from bot.facilitation import AddToLibrary
from bot.messages import Message, Text
from bot.services.context import Context
from bot.store.facilitation import LibraryItemRow, LibraryUseRow
from bot.texts import copy, library

KINDS = ("starter", "listening", "reflection")


@dataclass(frozen=True)
class Item:
    id: str  # "s01" for a bundled text, "c12" for a community's own
    text: str


async def items(ctx: Context, kind: str) -> list[Item]:
    bundled = [Item(s.id, s.text) for s in library(kind)]
    own = (
        await ctx.session.scalars(
            select(LibraryItemRow)
            .where(LibraryItemRow.community_id == ctx.community.id, LibraryItemRow.kind == kind)
            .order_by(LibraryItemRow.id)
        )
    ).all()
    return bundled + [Item(f"c{row.id}", row.text) for row in own]


async def next_item(ctx: Context, kind: str) -> Item:
    """The next text of ``kind`` this community has not used yet (then it starts over)."""
    pool = await items(ctx, kind)
    random.Random(f"{ctx.community.id}:{kind}").shuffle(pool)
    used = set(
        (
            await ctx.session.scalars(
                select(LibraryUseRow.item).where(
                    LibraryUseRow.community_id == ctx.community.id, LibraryUseRow.kind == kind
                )
            )
        ).all()
    )
    fresh = [item for item in pool if item.id not in used]
    if not fresh:
        await ctx.session.execute(
            delete(LibraryUseRow).where(
                LibraryUseRow.community_id == ctx.community.id, LibraryUseRow.kind == kind
            )
        )
        fresh = pool
    chosen = fresh[0]
    ctx.session.add(LibraryUseRow(community_id=ctx.community.id, kind=kind, item=chosen.id))
    await ctx.session.flush()
    return chosen


async def add(ctx: Context, actor_id: str, command: AddToLibrary) -> Message:
    row = LibraryItemRow(
        community_id=ctx.community.id, kind=command.kind, text=command.text, created_by=actor_id
    )
    ctx.session.add(row)
    await ctx.session.flush()
    return Text(copy("library.added", kind=command.kind, count=len(await items(ctx, command.kind))))
