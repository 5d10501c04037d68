"""What the dashboard's pages and CSVs show: the digest's figures, nothing under the anonymity
threshold anywhere, and the security headers on every answer."""

from __future__ import annotations

import csv
import io
import re

from bot.core import Core
from bot.dashboard.app import CSV_PAGES
from bot.events import Actor, FormSubmitted
from bot.services import digest
from bot.services.context import Context
from bot.store import repo
from bot.web import ASGIApp
from tests.bot.dashboard.asgi import Answer, call
from tests.bot.dashboard.conftest import ADMIN, link_for
from tests.bot.services.test_digest import MEETINGS, closed_checkin
from tests.conftest import WHERE, MovableClock, say

PAGES = ("/", "/network", "/themes", "/rounds")
CSVS = ("summary", "rounds", "least-connected", "teams", "ties", "themes", "groups")


async def everything(app: ASGIApp, community: int, cookie: str) -> dict[str, Answer]:
    """Every page and every CSV an admin can fetch."""
    paths = [f"/dashboard/{community}{p}" for p in PAGES]
    paths += [f"/dashboard/{community}/csv/{name}.csv" for name in CSVS]
    return {path: await call(app, path, cookie=cookie) for path in paths}


def rows(answer: Answer) -> dict[str, str]:
    return {row[0]: row[1] for row in csv.reader(io.StringIO(answer.text))}


async def test_the_summary_csv_holds_the_digests_own_figures(
    core: Core, history: int, app: ASGIApp
) -> None:
    await core.handle(say("talent0", "pause 2 weeks"))
    cookie = (await call(app, await link_for(core))).cookie()
    summary = rows(await call(app, f"/dashboard/{history}/csv/summary.csv", cookie=cookie))
    async with core.db.transaction() as session:
        row = await repo.get_community(session, history)
        assert row is not None
        text = (await digest.build(Context(session, core.clock, row, core.threshold))).text
    participation = re.search(
        r"Participation: (\d+) taking part, (\d+) paused, (\d+) opted out; (\d+) people", text
    )
    meetings = re.search(r"Meetings held: (\d+) of (\d+) groups", text)
    network = re.search(
        r"(\d+) cross-team ties this period, (\d+) in all; (\d+) of (\d+) team pairs have met; "
        r"E-I index ([+-]\d\.\d\d)",
        text,
    )
    assert participation and meetings and network, text
    assert (
        summary["taking_part"],
        summary["paused"],
        summary["opted_out"],
        summary["introduced_this_period"],
    ) == participation.groups()
    assert (summary["groups_met_this_period"], summary["groups_this_period"]) == meetings.groups()
    assert (
        summary["cross_team_ties_this_period"],
        summary["cross_team_ties_in_all"],
        summary["team_pairs_met"],
        summary["team_pairs"],
    ) == network.groups()[:4]
    assert float(summary["ei_index"]) == float(network.group(5))
    assert summary["paused"] == "1"  # the pause shows: the figures are read, not fixed


async def test_the_overview_charts_each_have_a_table_and_a_csv_of_every_round(
    core: Core, history: int, app: ASGIApp
) -> None:
    cookie = (await call(app, await link_for(core))).cookie()
    page = (await call(app, f"/dashboard/{history}/", cookie=cookie)).text
    assert page.count("<svg") == 5 and page.count("<table>") >= 5
    assert page.count(f'href="/dashboard/{history}/csv/rounds.csv"') == 5
    table = list(
        csv.DictReader(
            io.StringIO(
                (await call(app, f"/dashboard/{history}/csv/rounds.csv", cookie=cookie)).text
            )
        )
    )
    assert [r["round"] for r in table] == ["1", "2"]
    assert all(r["groups"] == "6" and r["people"] == "12" for r in table)
    assert all(r["groups_met"] == "6" and float(r["we_met_rate"]) == 1.0 for r in table)
    assert float(table[-1]["team_pair_coverage"]) > 0


async def test_the_network_page_draws_the_pictures_teams_and_ties_with_a_table(
    core: Core, history: int, app: ASGIApp
) -> None:
    async with core.db.transaction() as session:
        row = await repo.get_community(session, history)
        assert row is not None
        picture = (await digest.build(Context(session, core.clock, row, core.threshold))).picture
    cookie = (await call(app, await link_for(core))).cookie()
    page = (await call(app, f"/dashboard/{history}/network", cookie=cookie)).text
    assert page.count('class="team"') == len(picture.nodes)
    assert page.count('<line class="tie') == len(picture.edges)
    assert page.count('class="tie new"') == len(picture.new_edges)
    assert '<script src="/dashboard/static/network.js">' in page and "<script>" not in page
    ties = list(
        csv.DictReader(
            io.StringIO((await call(app, f"/dashboard/{history}/csv/ties.csv", cookie=cookie)).text)
        )
    )
    assert {(t["team"], t["other_team"], int(t["meetings_held"])) for t in ties} == set(
        picture.edges
    )


async def test_nothing_under_the_anonymity_threshold_appears_in_any_page_csv_or_attribute(
    core: Core, history: int, app: ASGIApp, clock: MovableClock
) -> None:
    few = {f"platform{i}": [f"secret-few-{i} {MEETINGS}"] for i in range(3)}
    await closed_checkin(core, history, clock, few, questions=1)
    cookie = (await call(app, await link_for(core, ADMIN))).cookie()
    seen = await everything(app, history, cookie)
    assert all(answer.status == 200 for answer in seen.values()), {
        p: a.status for p, a in seen.items()
    }
    for path, answer in seen.items():
        assert "secret-few" not in answer.text, path
        assert "3 of 6" not in answer.text, path
    themes = seen[f"/dashboard/{history}/themes"].text
    assert "6 asked; how many answered is withheld" in themes  # 3 answered: fewer than 5


async def test_the_themes_page_shows_a_check_ins_themes_by_the_digests_rules(
    core: Core, history: int, app: ASGIApp, clock: MovableClock
) -> None:
    many = {f"platform{i}": [f"{MEETINGS}, week {i}"] for i in range(5)}
    await closed_checkin(core, history, clock, many, questions=1)
    cookie = (await call(app, await link_for(core))).cookie()
    themes = (await call(app, f"/dashboard/{history}/themes", cookie=cookie)).text
    main = themes[themes.find("<main") :]
    assert "5 of 6 answered" in main and "5 answers, from at least 5 people" in main, main
    assert 1 <= main.count(f"<q>{MEETINGS}, week") <= 2
    assert "Lea" not in main and "Person" not in main  # no names on the themes page
    table = list(
        csv.DictReader(
            io.StringIO(
                (await call(app, f"/dashboard/{history}/csv/themes.csv", cookie=cookie)).text
            )
        )
    )
    assert [(r["answers"], r["respondents_at_least"]) for r in table] == [("5", "5")]


async def test_a_check_in_asked_of_fewer_than_the_threshold_shows_no_counts(
    core: Core, history: int, app: ASGIApp, clock: MovableClock
) -> None:
    small = {"talent0": ["secret-small"], "talent1": ["secret-small too"]}
    schedule = 'checkin schedule "How are you?" every friday 15:00 for Acme/People'
    await core.handle(say("lead", schedule))
    done = await core.run_job("checkins", history)
    checkin = int(done.split()[1].rstrip(":"))
    for pid, texts in small.items():
        fields = tuple((f"q{i}", t) for i, t in enumerate(texts))
        await core.handle(FormSubmitted(WHERE, Actor(pid, "P"), f"checkin:{checkin}", fields))
    clock.advance(days=3)
    await core.run_job("sweep", history)
    cookie = (await call(app, await link_for(core))).cookie()
    page = (await call(app, f"/dashboard/{history}/themes", cookie=cookie)).text
    assert f"Check-in {checkin}" in page and "How many were asked and answered is withheld" in page
    assert "secret-small" not in page and "2 of 2" not in page


async def test_every_answer_carries_the_security_headers(
    core: Core, history: int, app: ASGIApp
) -> None:
    link = await link_for(core, ADMIN)
    opened = await call(app, link)
    answers = [opened, await call(app, link), await call(app, "/dashboard/9/")]
    answers += (await everything(app, history, opened.cookie())).values()
    answers.append(await call(app, "/dashboard/static/dashboard.css"))
    for answer in answers:
        csp = answer.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp and answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert answer.headers["cache-control"] == "no-store"
    for answer in answers:
        if answer.headers["content-type"].startswith("text/html"):
            assert "<script>" not in answer.text and " on" not in answer.text.split("<body")[0]
            assert not re.search(r"<[^>]+\son[a-z]+=", answer.text)  # no inline handlers


async def test_each_csv_name_belongs_to_one_page_and_an_unknown_one_is_not_found(
    core: Core, history: int, app: ASGIApp
) -> None:
    assert sorted(n for names in CSV_PAGES.values() for n in names) == sorted(CSVS)
    cookie = (await call(app, await link_for(core, ADMIN))).cookie()
    for name in CSVS:
        answer = await call(app, f"/dashboard/{history}/csv/{name}.csv", cookie=cookie)
        assert answer.status == 200 and answer.headers["content-type"].startswith("text/csv")
        assert f'filename="{name}.csv"' in answer.headers["content-disposition"]
    assert (await call(app, f"/dashboard/{history}/csv/nope.csv", cookie=cookie)).status == 404
