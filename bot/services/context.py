"""What a use case runs with: one session (one transaction), the clock, the community."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.calendar import local_date, moment_text, next_round_at
from bot.clock import Clock
from bot.store import repo
from bot.store.models import CommunityRow


@dataclass
class Context:
    session: AsyncSession
    clock: Clock
    community: CommunityRow
    threshold: int = 5  # the anonymity threshold: no figure over fewer people than this

    @property
    def today(self) -> date:
        return local_date(self.clock(), self.community.timezone)

    async def next_round_text(self, not_before: date | None = None) -> str:
        """The next round (on ``not_before`` or later: after a pause), as people read it:
        "Monday 7 December 2026, 10:00 Europe/Berlin"."""
        community = repo.to_community(self.community)
        last = await repo.last_round(self.session, self.community.id)
        after = self.clock()
        if not_before is not None:
            zone = ZoneInfo(self.community.timezone)
            start = datetime.combine(not_before, time(0, 0), tzinfo=zone) - timedelta(seconds=1)
            after = max(after, start.astimezone(UTC))
        moment = next_round_at(community.settings, after, last.run_on if last else None)
        return moment_text(moment, self.community.timezone)
