"""An admin's `opt-out @person` / `opt-in @person`: a service account, or someone who asked in
person, is left out of rounds, prompts and check-ins (or taken back in), and told privately, once.

Opted out by an admin is the state a member's own `leave` gives (``opted_out``): every round,
prompt and check-in already passes them by, and they may say `join` themselves to come back."""

from __future__ import annotations

import logging

from bot.control_commands import OptCommand, OptIn, OptOut
from bot.delivery import outbox
from bot.domain import MemberStatus
from bot.messages import Message, Text
from bot.services.context import Context
from bot.store import repo
from bot.texts import copy

log = logging.getLogger(__name__)


async def handle(ctx: Context, command: OptCommand, *, actor: str, me: str = "") -> Message:
    """Opt ``command.person`` out or in; ``actor`` is the admin, ``me`` the bot's own id."""
    person = command.person
    verb = "opt-out" if isinstance(command, OptOut) else "opt-in"
    if me and person == me:
        return Text(copy("opt.bot", verb=verb))
    member = await repo.get_member(ctx.session, ctx.community.id, person)
    if member is None:
        return Text(copy("opt.unknown", verb=verb, person=person[:64]))
    name = member.first_name
    if member.status == MemberStatus.LEFT.value:
        return Text(copy("opt.gone", first_name=name))
    out = member.status == MemberStatus.OPTED_OUT.value
    if isinstance(command, OptOut) and out:
        return Text(copy("opt.already_out", first_name=name))
    if isinstance(command, OptIn) and not out:
        return Text(copy("opt.already_in", first_name=name))
    member.status = (
        MemberStatus.OPTED_OUT.value if isinstance(command, OptOut) else MemberStatus.ACTIVE.value
    )
    member.paused_until = None
    word = "out" if isinstance(command, OptOut) else "in"
    # One message per change: the moment makes the key of this change, so a retry sends once.
    key = f"opt:{ctx.community.id}:{person}:{word}:{ctx.clock().isoformat()}"
    told = (
        copy("opt.told_out", first_name=name, community=ctx.community.name)
        if isinstance(command, OptOut)
        else copy(
            "opt.told_in",
            first_name=name,
            community=ctx.community.name,
            next_round=await ctx.next_round_text(),
        )
    )
    await outbox.enqueue(
        ctx.session,
        community_id=ctx.community.id,
        key=key[:200],
        kind="opt",
        message=Text(told),
        people=[person],
    )
    log.info("community %s: %s opted member %s %s", ctx.community.id, actor, member.id, word)
    if isinstance(command, OptOut):
        return Text(copy("opt.done_out", first_name=name))
    return Text(copy("opt.done_in", first_name=name))
