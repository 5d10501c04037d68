"""`set SETTING VALUE`: an admin's change to a community's settings, checked before it applies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain import WEEKDAYS, Cadence
from bot.errors import InputError

SET_VERB_USAGE = (
    "set cadence|day|time|timezone|group-size|llm|digest-channel|half-life|"
    "leads-in-groups|holdout|blackout|close-dms-after VALUE",
    "set day wednesday",
)

MAX_HALF_LIFE_WEEKS = 520
MAX_LEADS_IN_GROUPS = 50
MAX_HOLDOUT_PERCENT = 50
MAX_CLOSE_DAYS = 365

SET_USAGE: dict[str, tuple[str, str]] = {
    "cadence": ("set cadence weekly|biweekly|every-4-weeks", "set cadence biweekly"),
    "day": ("set day monday|tuesday|…|sunday", "set day wednesday"),
    "time": ("set time HH:MM (24-hour, the community's time zone)", "set time 09:30"),
    "timezone": ("set timezone Area/City", "set timezone Europe/Berlin"),
    "group-size": ("set group-size 2…6", "set group-size 3"),
    "llm": ("set llm on|off (themes summarised by the configured LLM)", "set llm off"),
    "digest-channel": (
        "set digest-channel #CHANNEL|direct (the weekly digest: to a channel, or to each lead)",
        "set digest-channel #leads",
    ),
    "half-life": (
        f"set half-life 0…{MAX_HALF_LIFE_WEEKS} (weeks after which a tie between two teams "
        "counts half; 0: ties never age)",
        "set half-life 26",
    ),
    "leads-in-groups": (
        f"set leads-in-groups 0…{MAX_LEADS_IN_GROUPS} (leads who join cross-team groups each "
        "round, taking turns; 0: none)",
        "set leads-in-groups 2",
    ),
    "holdout": (
        f"set holdout 1…{MAX_HOLDOUT_PERCENT}%|off (never-met team pairs left unsteered for 12 "
        "rounds, to measure the steering's lift)",
        "set holdout 10%",
    ),
    "blackout": (
        "set blackout move|skip (a round, prompt or check-in on a `skip` day moves to the day "
        "after the blackout, or is skipped)",
        "set blackout skip",
    ),
    "close-dms-after": (
        f"set close-dms-after 0…{MAX_CLOSE_DAYS}|off (days after its round that an "
        "introduction's group DM is closed, on Slack; 0 or off: never)",
        "set close-dms-after 30",
    ),
}


@dataclass(frozen=True)
class Set:
    """An admin's change to the community's settings; ``value`` is already validated."""

    setting: str
    value: str | int


def parse_set(args: list[str], channels: frozenset[str]) -> Set:
    if len(args) != 2 or args[0].lower() not in SET_USAGE:
        usage, example = SET_VERB_USAGE
        raise InputError("say which setting and its new value", usage=usage, example=example)
    setting, raw = args[0].lower(), args[1]
    usage, example = SET_USAGE[setting]
    value: str | int
    if setting == "cadence":
        try:
            value = Cadence(raw.lower()).value
        except ValueError:
            raise InputError(
                f"'{raw[:30]}' is not a cadence", usage=usage, example=example
            ) from None
    elif setting == "day":
        if raw.lower() not in WEEKDAYS:
            raise InputError(f"'{raw[:30]}' is not a day", usage=usage, example=example)
        value = WEEKDAYS.index(raw.lower())
    elif setting == "time":
        match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", raw)
        if not match:
            raise InputError(f"'{raw[:30]}' is not a time", usage=usage, example=example)
        value = f"{int(match.group(1)):02d}:{match.group(2)}"
    elif setting == "timezone":
        value = check_timezone(raw)
    elif setting == "blackout":
        if raw.lower() not in {"move", "skip"}:
            raise InputError(f"'{raw[:30]}' is not move or skip", usage=usage, example=example)
        value = raw.lower()
    elif setting == "llm":
        if raw.lower() not in {"on", "off"}:
            raise InputError(f"'{raw[:30]}' is not on or off", usage=usage, example=example)
        value = raw.lower()
    elif setting == "digest-channel":
        value = _digest_channel(raw, channels)
    elif setting == "half-life":
        weeks = raw.lower().removesuffix("weeks").removesuffix("w").strip()
        if not re.fullmatch(r"\d{1,3}", weeks) or int(weeks) > MAX_HALF_LIFE_WEEKS:
            raise InputError(f"'{raw[:30]}' is not a number of weeks", usage=usage, example=example)
        value = int(weeks)
    elif setting == "leads-in-groups":
        if not re.fullmatch(r"\d{1,2}", raw) or int(raw) > MAX_LEADS_IN_GROUPS:
            raise InputError(f"'{raw[:30]}' is not a number of leads", usage=usage, example=example)
        value = int(raw)
    elif setting == "holdout":
        percent = "0" if raw.lower() == "off" else raw.removesuffix("%")
        if not re.fullmatch(r"\d{1,2}", percent) or int(percent) > MAX_HOLDOUT_PERCENT:
            raise InputError(f"'{raw[:30]}' is not a percentage", usage=usage, example=example)
        value = int(percent)
    elif setting == "close-dms-after":
        days = "0" if raw.lower() in {"off", "never"} else raw.lower().removesuffix("d")
        if not re.fullmatch(r"\d{1,3}", days) or int(days) > MAX_CLOSE_DAYS:
            raise InputError(f"'{raw[:30]}' is not a number of days", usage=usage, example=example)
        value = int(days)
    else:
        if not re.fullmatch(r"[2-6]", raw):
            raise InputError(f"'{raw[:30]}' is not a group size", usage=usage, example=example)
        value = int(raw)
    return Set(setting, value)


def _digest_channel(raw: str, channels: frozenset[str]) -> str:
    """A channel id the platform resolved, or "" for direct messages to each lead."""
    usage, example = SET_USAGE["digest-channel"]
    if raw.lower() in {"direct", "dm"}:
        return ""
    if not raw.startswith("#") or len(raw) < 2:
        raise InputError(
            f"'{raw[:40]}' is not a channel, or `direct`", usage=usage, example=example
        )
    if raw[1:] not in channels:
        raise InputError(
            f"I can't post in {raw[:40]}: mention a channel I am in", usage=usage, example=example
        )
    return raw[1:]


def check_timezone(raw: str, usage: str = "", example: str = "") -> str:
    """``raw`` if it names an IANA time zone, else an InputError with the usage line of the
    command it came in (by default an admin's `set timezone`)."""
    if not usage:
        usage, example = SET_USAGE["timezone"]
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InputError(f"'{raw[:40]}' is not a time zone", usage=usage, example=example) from None
    return raw
