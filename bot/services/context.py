"""What a use case runs with: one session (one transaction), the clock, the community."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.calendar import local_date, next_round_at
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

    async def next_round_text(self) -> str:
        """The next round, as people read it: "Monday 07 December, 10:00 Europe/Berlin"."""
        community = repo.to_community(self.community)
        last = await repo.last_round(self.session, self.community.id)
        moment = next_round_at(community.settings, self.clock(), last.run_on if last else None)
        local = moment.astimezone(ZoneInfo(self.community.timezone))
        return f"{local:%A %d %B, %H:%M} {self.community.timezone}"
