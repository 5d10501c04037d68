"""An uninstalled community on the command line: `community list` and `doctor` show it with the
date its people's data is purged (``UNINSTALL_GRACE_DAYS`` later), and `outbox retry --dead`
leaves its messages dead."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.core import open_core
from bot.delivery import outbox
from bot.domain import Platform
from bot.events import Uninstalled
from bot.messages import Text
from bot.settings import Settings

runner = CliRunner()


@pytest.fixture(autouse=True)
def isolated(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def two_communities_one_uninstalled(url: str, settings: Settings) -> None:
    async def go() -> None:
        core = await open_core(settings, url=url)
        try:
            kept = await core.ensure_community(Platform.SLACK, "T0KEPT001", "C0KEPT01", name="Kept")
            gone = await core.ensure_community(Platform.SLACK, "T0GONE001", "C0GONE01", name="Gone")
            async with core.db.session() as session, session.begin():
                for cid in (kept, gone):
                    row = await outbox.enqueue(
                        session,
                        community_id=cid,
                        key=f"k{cid}",
                        kind="text",
                        message=Text("hello"),
                        conversation_id="C0",
                    )
                    row.status, row.last_error = "dead", "gave up"
            await core.installation(Uninstalled(Platform.SLACK, "T0GONE001", "uninstalled"))
        finally:
            await core.close()

    asyncio.run(go())


def flat(output: str) -> list[str]:
    return [" ".join(line.replace("│", " ").split()) for line in output.splitlines()]


def test_community_list_and_doctor_show_an_uninstalled_community_with_its_purge_date(
    db_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNINSTALL_GRACE_DAYS", "7")
    two_communities_one_uninstalled(db_url, settings)
    monkeypatch.setenv("DATABASE_URL", db_url)
    today = datetime.now(UTC).date()
    purge = (today + timedelta(days=7)).isoformat()

    listed = runner.invoke(app, ["community", "list"], env={"COLUMNS": "250"})

    assert listed.exit_code == 0, listed.output
    lines = flat(listed.output)
    assert any(
        line.startswith("1 slack T0KEPT001") and line.endswith("installed") for line in lines
    )
    shown = " ".join(lines)  # a narrow terminal wraps the last column onto the next lines
    assert "2 slack T0GONE001" in shown
    assert (
        f"uninstalled on {today.isoformat()} (uninstalled); its people's data is purged on {purge}"
        in shown
    )
    doctor = runner.invoke(app, ["doctor"], env={"COLUMNS": "250"})
    assert f"community 2: Gone: uninstalled on {today.isoformat()}" in " ".join(
        doctor.output.split()
    )
    assert f"purged on {purge}" in " ".join(doctor.output.split())


def test_retry_dead_leaves_the_messages_of_an_uninstalled_community_dead(
    db_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_communities_one_uninstalled(db_url, settings)
    monkeypatch.setenv("DATABASE_URL", db_url)
    retried = runner.invoke(app, ["outbox", "retry", "--dead"])
    assert retried.exit_code == 0, retried.output
    assert "Re-queued 1 dead message:" in retried.output
    assert "1 dead message of uninstalled communities stays dead" in retried.output


def table_rows(output: str) -> list[list[str]]:
    """The body rows of a table as printed, each cell whole though a narrow terminal wrapped it
    onto the following lines (whose first cell, the id, is empty)."""
    rows: list[list[str]] = []
    for line in output.splitlines():
        if "│" not in line:
            continue
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if cells[0].isdigit():
            rows.append(cells)
        elif rows and len(cells) == len(rows[-1]):
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
    return rows


def test_community_list_and_doctor_show_an_enterprise_grid_orgs_communities_under_the_org(
    db_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def go() -> None:
        core = await open_core(settings, url=db_url)
        try:
            for channel, name in (("C0GRIDS001", "Sales"), ("C0GRIDL001", "Labs")):
                await core.ensure_community(Platform.SLACK, "E0GRID0001", channel, name=name)
            await core.ensure_community(Platform.SLACK, "T0KEPT001", "C0KEPT01", name="Kept")
        finally:
            await core.close()

    asyncio.run(go())
    monkeypatch.setenv("DATABASE_URL", db_url)
    listed = runner.invoke(app, ["community", "list"], env={"COLUMNS": "250"})
    assert listed.exit_code == 0, listed.output
    found = table_rows(listed.output)
    assert [r[:4] for r in found] == [
        ["1", "slack", "E0GRID0001 (Enterprise Grid org)", "C0GRIDS001"],
        ["2", "slack", "E0GRID0001 (Enterprise Grid org)", "C0GRIDL001"],
        ["3", "slack", "T0KEPT001", "C0KEPT01"],
    ]
    doctor = " ".join(runner.invoke(app, ["doctor"], env={"COLUMNS": "250"}).output.split())
    assert (
        "slack org E0GRID0001: Enterprise Grid organisation, installed org-wide: communities "
        "1 (Sales, #C0GRIDS001), 2 (Labs, #C0GRIDL001)" in doctor
    )
    assert "slack org T0KEPT001" not in doctor
