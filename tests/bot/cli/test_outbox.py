"""`bridgework outbox status` by community and age, and `outbox retry [--dead] [--community]`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.core import open_core
from bot.delivery import outbox
from bot.domain import Platform
from bot.messages import Text
from bot.settings import Settings
from bot.store.models import OutboxRow

runner = CliRunner()


@pytest.fixture(autouse=True)
def isolated(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def queue(url: str, settings: Settings) -> None:
    """Two communities: the first with 2 dead messages (one 3 days old) and 1 pending, the
    second with 1 dead and 1 sent."""

    async def go() -> None:
        core = await open_core(settings, url=url)
        try:
            first = await core.ensure_community(Platform.CONSOLE, "w", "a", name="A")
            second = await core.ensure_community(Platform.CONSOLE, "w", "b", name="B")
            plan = [
                (first, "dead", 3 * 24),
                (first, "dead", 0),
                (first, "pending", 2),
                (second, "dead", 0),
                (second, "sent", 0),
            ]
            now = datetime.now(UTC)
            async with core.db.session() as session, session.begin():
                for number, (community, state, hours) in enumerate(plan):
                    row = await outbox.enqueue(
                        session,
                        community_id=community,
                        key=f"k{number}",
                        kind="text",
                        message=Text("hello"),
                        conversation_id=f"c{number}",
                    )
                    row.created_at = now - timedelta(hours=hours, minutes=5)
                    row.status = state
                    if state == "dead":
                        row.attempts = 8
                        row.last_error = "gave up after 8 attempts: no credentials"
                    elif state == "pending":
                        row.next_attempt_at = now + timedelta(minutes=30)
        finally:
            await core.close()

    asyncio.run(go())


def states(url: str, settings: Settings) -> dict[str, tuple[str, int]]:
    async def go() -> dict[str, tuple[str, int]]:
        core = await open_core(settings, url=url)
        try:
            async with core.db.session() as session:
                rows = (await session.scalars(select(OutboxRow))).all()
                return {r.key: (r.status, r.attempts) for r in rows}
        finally:
            await core.close()

    return asyncio.run(go())


def test_status_breaks_pending_and_dead_down_by_community_and_age(
    db_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue(db_url, settings)
    monkeypatch.setenv("DATABASE_URL", db_url)
    shown = runner.invoke(app, ["outbox", "status"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "pending 1, sent 1, dead 3" in shown.output
    lines = [" ".join(line.replace("│", " ").split()) for line in shown.output.splitlines()]
    assert "1 pending 1 0 1 0 2 h 5 min" in lines
    assert "1 dead 2 1 0 1 3 d 0 h" in lines
    assert "2 dead 1 1 0 0 5 min" in lines
    assert "bridgework outbox retry --dead" in shown.output


def test_retry_dead_requeues_the_dead_of_one_community_then_of_all(
    db_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue(db_url, settings)
    monkeypatch.setenv("DATABASE_URL", db_url)
    one = runner.invoke(app, ["outbox", "retry", "--dead", "--community", "1"])
    assert one.exit_code == 0, one.output
    assert "Re-queued 2 dead messages of community 1" in one.output
    assert states(db_url, settings) == {
        "k0": ("pending", 0),
        "k1": ("pending", 0),
        "k2": ("pending", 0),
        "k3": ("dead", 8),
        "k4": ("sent", 0),
    }
    rest = runner.invoke(app, ["outbox", "retry", "--dead"])
    assert "Re-queued 1 dead message:" in rest.output
    assert states(db_url, settings)["k3"] == ("pending", 0)


def test_retried_messages_are_delivered_by_the_next_drain(
    db_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue(db_url, settings)
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert runner.invoke(app, ["outbox", "retry", "--dead"]).exit_code == 0
    waiting = runner.invoke(app, ["outbox", "retry"])  # the pending one's backoff, cut short
    assert "Re-queued 1 waiting message:" in waiting.output
    drained = runner.invoke(app, ["outbox", "drain"])
    assert drained.exit_code == 0, drained.output
    assert "delivered 4, dead 0" in drained.output
    assert {s for s, _ in states(db_url, settings).values()} == {"sent"}


def test_nothing_to_retry_is_said_plainly(
    db_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    queue(db_url, settings)
    done = runner.invoke(app, ["outbox", "retry", "--community", "2"])
    assert done.exit_code == 0 and "Re-queued 0 waiting messages of community 2" in done.output
    missing = runner.invoke(app, ["outbox", "retry", "--dead", "--community", "7"])
    assert missing.exit_code == 2 and "there is no community 7" in missing.output
