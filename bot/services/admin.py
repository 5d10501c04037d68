"""An admin's changes to a community's settings."""

from __future__ import annotations

import logging

from bot.commands import WEEKDAYS, Set
from bot.messages import Message, Text
from bot.services import holdout
from bot.services.context import Context
from bot.services.installs import OAUTH
from bot.texts import copy, count

log = logging.getLogger(__name__)


async def apply_setting(
    ctx: Context,
    command: Set,
    *,
    actor: str,
    llm_missing: tuple[str, ...] = (),
    workspace_admin: bool = False,
) -> Message:
    """Change one setting; each change is logged with who made it, the old and the new value.

    The LLM of a community whose workspace installed Bridgework itself (OAuth) is turned on by
    that workspace's own admin (``workspace_admin``: the platform says so), never by someone the
    operator made an admin here."""
    community = ctx.community
    if command.setting == "llm" and command.value == "on" and llm_missing:
        return Text(copy("set.llm_unconfigured", missing=", ".join(llm_missing)))
    turning_on = command.setting == "llm" and command.value == "on"
    if turning_on and community.installed_via == OAUTH and not workspace_admin:
        log.info("community %s: %s refused the LLM: not the workspace's admin", community.id, actor)
        return Text(copy("set.llm_workspace_admin"))
    old = _current(ctx, command.setting)
    shown = str(command.value)
    match command.setting:
        case "cadence":
            community.cadence = str(command.value)
        case "day":
            community.weekday = int(command.value)
            shown = WEEKDAYS[community.weekday].capitalize()
        case "time":
            community.local_time = str(command.value)
        case "timezone":
            community.timezone = str(command.value)
        case "group-size":
            community.group_size = int(command.value)
        case "half-life":
            community.half_life_weeks = int(command.value)
            shown = copy("set.weeks", weeks=community.half_life_weeks)
        case "leads-in-groups":
            community.leads_in_groups = int(command.value)
            shown = copy("set.leads", leads=community.leads_in_groups)
        case "holdout":
            community.holdout_percent = int(command.value)
            if community.holdout_percent:
                await holdout.restart(ctx)
                shown = copy("set.holdout", percent=community.holdout_percent)
            else:
                shown = copy("set.holdout_off")
        case "blackout":
            community.blackout_mode = str(command.value)
        case "close-dms-after":
            community.close_dms_after = int(command.value)
            shown = close_dms_text(community.close_dms_after)
        case "llm":
            community.llm_enabled = command.value == "on"
        case "digest-channel":
            community.digest_channel = str(command.value) or None
            if community.digest_channel:
                shown = f"#{community.digest_channel}"
            else:
                shown = copy("set.digest_direct")
        case _:  # pragma: no cover - the parser admits no other setting
            raise ValueError(command.setting)
    log.info(
        "community %s: %s changed %s from %s to %s",
        community.id,
        actor,
        command.setting,
        old,
        _current(ctx, command.setting),
    )
    if command.setting == "close-dms-after" and community.platform != "slack":
        return Text(copy("set.close_dms_elsewhere", value=shown))  # accepted, and said so
    return Text(copy("set.ok", setting=command.setting, value=shown))


def _current(ctx: Context, setting: str) -> str:
    """A setting's value as the log shows it: words, never content."""
    community = ctx.community
    values = {
        "cadence": community.cadence,
        "day": WEEKDAYS[community.weekday],
        "time": community.local_time,
        "timezone": community.timezone,
        "group-size": community.group_size,
        "llm": "on" if community.llm_enabled else "off",
        "half-life": community.half_life_weeks,
        "leads-in-groups": community.leads_in_groups,
        "holdout": f"{community.holdout_percent}%",
        "blackout": community.blackout_mode,
        "close-dms-after": close_dms_text(community.close_dms_after),
        "digest-channel": f"#{community.digest_channel}" if community.digest_channel else "direct",
    }
    return str(values.get(setting, "?"))


def close_dms_text(days: int) -> str:
    """When introductions' group DMs are closed, as people read it: "30 days after their
    round", or "never"."""
    return copy("set.close_dms", days=count(days, "day")) if days else copy("set.close_dms_off")
