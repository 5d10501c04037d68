"""The values the pairing engine takes: who is in the round, what happened before, the settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.domain import TeamPath
from bot.errors import InputError

MIN_GROUP_SIZE = 2
MAX_GROUP_SIZE = 6
DEFAULT_WORKING_HOURS = (9, 17)
# Working hours are local; the day they are converted to UTC on fixes daylight saving time.
DEFAULT_HOURS_ON = date(2024, 1, 15)
DEFAULT_HALF_LIFE_WEEKS = 26.0


@dataclass(frozen=True)
class Candidate:
    """A member who takes part in a round."""

    id: str
    team: TeamPath
    timezone: str = "UTC"
    working_hours: tuple[int, int] | None = None  # local start and end hour, e.g. (9, 17)
    never_with: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.working_hours is not None:
            start, end = self.working_hours
            if not (0 <= start <= 24 and 0 <= end <= 24):
                raise InputError(
                    f"working hours {start}-{end} of {self.id} are not hours of a day",
                    usage="two whole hours from 0 to 24, start and end",
                    example="9-17",
                )


@dataclass(frozen=True)
class PastGroup:
    """A group of an earlier round."""

    round_index: int
    members: tuple[str, ...]
    on: date | None = None  # the day of its round, where known: ties age from it


@dataclass(frozen=True)
class PairingSettings:
    group_size: int = 2
    recency: int = 12
    seed: int = 0
    hours_on: date = DEFAULT_HOURS_ON  # the day whose UTC offsets place working hours
    # Ties age: a tie counts half as much after this many weeks (0: ties never age). A tie's
    # age is from its group's day to ``today`` where both are known, else a week a round.
    half_life_weeks: float = DEFAULT_HALF_LIFE_WEEKS
    today: date | None = None
    # Team pairs held out of steering (``set holdout``): valued as a pair of average connection,
    # never for being unmet, so that the lift of the steering can be measured against them.
    untargeted: frozenset[tuple[TeamPath, TeamPath]] = frozenset()

    def __post_init__(self) -> None:
        if not MIN_GROUP_SIZE <= self.group_size <= MAX_GROUP_SIZE:
            raise InputError(
                f"group size {self.group_size} is out of range",
                usage=f"{MIN_GROUP_SIZE} to {MAX_GROUP_SIZE}",
                example="2",
            )
        if self.recency < 0:
            raise InputError(f"recency {self.recency} cannot be negative", usage="0 or more")
        if self.half_life_weeks < 0:
            raise InputError(
                f"half-life {self.half_life_weeks} cannot be negative",
                usage="0 (ties never age) or more weeks",
            )
