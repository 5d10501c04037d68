"""The plain values of the domain: no I/O, no platform words."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date

from bot.errors import InputError


class Platform(enum.StrEnum):
    SLACK = "slack"
    DISCORD = "discord"
    CONSOLE = "console"


class Role(enum.IntEnum):
    """What a person may do in a community; each role includes the ones below it."""

    MEMBER = 1
    FACILITATOR = 2
    LEAD = 3
    ADMIN = 4


class MemberStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    OPTED_OUT = "opted_out"  # said leave: stays out until they join again
    LEFT = "left"  # no longer in the community's channel (or role): back in when they return


class Outcome(enum.StrEnum):
    """A member's answer to the "did you meet?" follow-up."""

    MET = "met"
    NOT_YET = "not_yet"
    SKIPPED = "skipped"


class Cadence(enum.StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "every-4-weeks"

    @property
    def weeks(self) -> int:
        return {"weekly": 1, "biweekly": 2, "every-4-weeks": 4}[self.value]


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_TEAM_DEPTH = 6
MAX_TEAM_PART = 60


@dataclass(frozen=True, order=True)
class TeamPath:
    """A team inside its departments and organisation: ``Acme/Engineering/Platform``."""

    parts: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> TeamPath:
        parts = tuple(p.strip() for p in text.strip().strip("/").split("/"))
        shown = text if len(text) <= 60 else text[:57] + "…"
        if not parts or any(not p for p in parts):
            raise InputError(
                f"'{shown}' is not a team path",
                usage="Organisation/Department/Team",
                example="Acme/Engineering/Platform",
            )
        if len(parts) > MAX_TEAM_DEPTH or any(len(p) > MAX_TEAM_PART for p in parts):
            raise InputError(
                f"'{shown}' is too long for a team path "
                f"(at most {MAX_TEAM_DEPTH} levels of {MAX_TEAM_PART} characters)",
                usage="Organisation/Department/Team",
                example="Acme/Engineering/Platform",
            )
        return cls(parts)

    @classmethod
    def clipped(cls, text: str) -> TeamPath | None:
        """A platform's team text cut to the limits: the first levels, each level's first
        characters; None where no level is left."""
        parts = tuple(p.strip()[:MAX_TEAM_PART].strip() for p in text.strip().split("/"))
        kept = tuple(p for p in parts if p)[:MAX_TEAM_DEPTH]
        return cls(kept) if kept else None

    def __str__(self) -> str:
        return "/".join(self.parts)

    @property
    def name(self) -> str:
        """The team's own name, the last part of the path."""
        return self.parts[-1]

    def distance(self, other: TeamPath) -> int:
        """How far apart two teams sit: 0 for the same team, more for less shared ancestry."""
        shared = 0
        for a, b in zip(self.parts, other.parts, strict=False):
            if a != b:
                break
            shared += 1
        return max(len(self.parts), len(other.parts)) - shared


UNASSIGNED = TeamPath(("Unassigned",))


@dataclass(frozen=True)
class CommunitySettings:
    cadence: Cadence = Cadence.WEEKLY
    weekday: int = 0  # Monday
    local_time: str = "10:00"
    timezone: str = "UTC"
    group_size: int = 2
    recency: int = 12
    followup_days: int = 3


@dataclass(frozen=True)
class Community:
    id: int
    platform: Platform
    workspace: str  # Slack team id, Discord guild id, or a console space name
    channel: str
    name: str
    settings: CommunitySettings = field(default_factory=CommunitySettings)
    linked: tuple[str, ...] = ()  # other servers of a coalition whose members it takes in


@dataclass(frozen=True)
class Member:
    id: int
    community_id: int
    platform_id: str
    first_name: str
    team: TeamPath
    timezone: str
    status: MemberStatus
    paused_until: date | None = None

    def is_available(self, on: date) -> bool:
        """Whether this member takes part in a round run on ``on``."""
        if self.status is MemberStatus.ACTIVE:
            return True
        if self.status is MemberStatus.PAUSED:
            return self.paused_until is not None and self.paused_until <= on
        return False


def first_name_of(display_name: str) -> str:
    """The first name to address someone by, never a title ("Dr. Ada Lovelace" → "Ada")."""
    titles = {"dr", "mr", "mrs", "ms", "mx", "prof", "sir", "dame", "miss", "rev", "fr"}
    words = [w for w in display_name.replace(",", " ").split() if w]
    for word in words:
        if word.lower().rstrip(".") not in titles:
            return word
    return words[-1] if words else "there"
