"""The dashboard in a real browser: Debian's headless Chromium, driven by Selenium through
/usr/bin/chromedriver (nothing is downloaded), over the data `make demo` leaves behind.

One demo run, one `bridgework run --role web` and one browser serve the whole module. The demo's
own link is opened on that web role (as its last lines tell a newcomer to do); the other tests
use a server in this process whose clock stands at the demo's last moment, so that its figures
are those of the digest the demo posted. Skips, saying why, where chromium is not installed."""

from __future__ import annotations

import asyncio
import csv
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import uvicorn

from adapters.console.demo import DemoResult, run_demo
from bot.dashboard import access
from bot.dashboard.app import Dashboard
from bot.domain import Platform, Role
from bot.settings import Settings
from bot.store import repo
from bot.store.db import Database

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
if CHROMIUM is None or CHROMEDRIVER is None:
    pytest.skip(
        "the dashboard's browser tests need Debian's chromium and chromedriver "
        "(apt-get install chromium chromium-driver; .ci/install-browser does it)",
        allow_module_level=True,
    )

from axe_selenium_python import Axe  # type: ignore[import-untyped]  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOT = ROOT / "docs" / "dashboard.png"
pytestmark = pytest.mark.timeout(900)


@dataclass(frozen=True)
class Demo:
    result: DemoResult
    said: str  # everything the demo printed
    url: str  # the database, as DATABASE_URL
    data: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(port: int, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"nothing listens on port {port}")


@pytest.fixture(scope="module")
def web_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, web_port: int) -> Demo:
    data = tmp_path_factory.mktemp("demo")
    settings = Settings(
        _env_file=None,
        BRIDGEWORK_DATA_DIR=str(data),
        dashboard_url=f"http://127.0.0.1:{web_port}",
    )
    lines: list[str] = []
    result = asyncio.run(run_demo(settings, say=lines.append))
    return Demo(result, "\n".join(lines), f"sqlite:///{result.database}", data)


@pytest.fixture(scope="module")
def web_role(demo: Demo, web_port: int) -> Iterator[int]:
    """`bridgework run --role web` on the demo's database, as the demo's last lines say."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))},
        "DATABASE_URL": demo.url,
        "DASHBOARD_URL": f"http://127.0.0.1:{web_port}",
        "PORT": str(web_port),
        "BRIDGEWORK_DATA_DIR": str(demo.data),
        "PYTHONPATH": str(ROOT),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--role", "web"],
        env=env,
        cwd=demo.data,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(web_port)
        yield web_port
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
        assert b"/dashboard/login/" not in err.replace(b"/dashboard/login/\xe2\x80\xa6", b"")


@pytest.fixture(scope="module")
def here(demo: Demo) -> Iterator[str]:
    """The dashboard in this process, its clock at the demo's last moment (the digest's)."""
    port = free_port()
    db = Database(demo.url.replace("sqlite:///", "sqlite+aiosqlite:///"))
    app = Dashboard(db, clock=lambda: demo.result.finished, base_url=None).mounted(None)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--no-sandbox", "--headless=new", "--disable-dev-shm-usage", "--lang=en"):
        options.add_argument(flag)
    options.add_argument("--window-size=1280,1000")
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
        },
    )
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    try:
        yield driver
    finally:
        driver.quit()


async def _link(demo: Demo, pid: str, role: Role, now: datetime, community: int = 1) -> str:
    db = Database(demo.url.replace("sqlite:///", "sqlite+aiosqlite:///"))
    try:
        async with db.transaction() as session:
            await repo.grant_role(session, community, pid, role)
            token = await access.issue(session, community, pid, role, now)
    finally:
        await db.dispose()
    return access.LOGIN_PATH + token


def link(demo: Demo, pid: str, role: Role, now: datetime | None = None) -> str:
    return asyncio.run(_link(demo, pid, role, now or demo.result.finished))


def heading(browser: WebDriver) -> str:
    return str(browser.find_element(By.TAG_NAME, "h1").text)


def no_serious_violations(browser: WebDriver) -> str:
    """Run axe-core on the page: no serious or critical violation; its version."""
    axe = Axe(browser)
    axe.inject()
    results = axe.run()
    serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, axe.report(serious)
    return str(browser.execute_script("return axe.version"))


def test_the_demos_link_opens_the_overview_while_the_web_role_runs(
    demo: Demo, web_role: int, browser: WebDriver
) -> None:
    assert "bridgework run --role web" in demo.said
    assert demo.said.rstrip().endswith(demo.result.dashboard_link)
    browser.get(demo.result.dashboard_link)
    assert heading(browser) == "Overview"
    assert "Acme & Northwind" in browser.title
    browser.find_element(By.LINK_TEXT, "Rounds").click()  # the demo's link is the admin's
    assert heading(browser) == "Rounds"
    browser.get(demo.result.dashboard_link)
    assert heading(browser) == "This link was used already"


def test_a_lead_sees_the_overview_and_the_network_and_they_pass_axe(
    demo: Demo, here: str, browser: WebDriver
) -> None:
    browser.get(here + link(demo, "u010", Role.LEAD))
    assert heading(browser) == "Overview"
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.chart")) == 5
    version = no_serious_violations(browser)
    browser.find_element(By.LINK_TEXT, "Network").click()
    assert heading(browser) == "The team network"
    teams = browser.find_elements(By.CSS_SELECTOR, "#network .team")
    assert len(teams) == len({t.name for t in demo.result.team_of.values()})
    assert not browser.find_elements(By.LINK_TEXT, "Rounds")  # leads see no rounds
    ActionChains(browser).move_to_element(teams[0]).perform()
    lit = browser.find_elements(By.CSS_SELECTOR, "#network .tie.lit")
    assert "focused" in str(browser.find_element(By.ID, "network").get_attribute("class"))
    assert lit and len(lit) < len(browser.find_elements(By.CSS_SELECTOR, "#network .tie"))
    assert "taking part; met" in browser.find_element(By.ID, "network-focus").text
    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(str(SCREENSHOT))  # shown in the README
    assert no_serious_violations(browser) == version
    print(f"axe-core {version}")


def test_the_downloaded_csv_holds_the_figures_of_the_digest_the_demo_posted(
    demo: Demo, here: str, browser: WebDriver, downloads: Path
) -> None:
    browser.get(here + link(demo, "u011", Role.LEAD))
    browser.find_element(By.PARTIAL_LINK_TEXT, "The digest's figures").click()
    target = downloads / "summary.csv"
    for _ in range(1200):
        if target.exists() and target.stat().st_size:
            break
        time.sleep(0.1)
    assert target.exists(), sorted(p.name for p in downloads.iterdir())
    summary = {row[0]: row[1] for row in csv.reader(target.open(encoding="utf-8"))}
    said = demo.said
    participation = re.search(
        r"Participation: (\d+) taking part, (\d+) paused, (\d+) opted out; (\d+) people", said
    )
    meetings = re.search(r"Meetings held: (\d+) of (\d+) groups", said)
    network = re.search(
        r"(\d+) cross-team ties this period, (\d+) in all; (\d+) of (\d+) team pairs have met; "
        r"E-I index ([+-]\d\.\d\d)",
        said,
    )
    assert participation and meetings and network, said
    assert (
        summary["taking_part"],
        summary["paused"],
        summary["opted_out"],
        summary["introduced_this_period"],
    ) == participation.groups()
    assert (summary["groups_met_this_period"], summary["groups_this_period"]) == meetings.groups()
    assert (
        tuple(
            summary[k]
            for k in ("cross_team_ties_this_period", "cross_team_ties_in_all", "team_pairs_met")
        )
        + (summary["team_pairs"],)
        == network.groups()[:4]
    )
    assert float(summary["ei_index"]) == float(network.group(5))


def test_an_expired_or_reused_link_is_refused(demo: Demo, here: str, browser: WebDriver) -> None:
    stale = link(demo, "u012", Role.LEAD, demo.result.finished - timedelta(minutes=16))
    browser.get(here + stale)
    assert heading(browser) == "This link or session has expired"
    fresh = link(demo, "u012", Role.LEAD)
    browser.get(here + fresh)
    assert heading(browser) == "Overview"
    browser.get(here + fresh)
    assert heading(browser) == "This link was used already"


def test_a_lead_of_one_community_cannot_see_another_by_editing_the_url(
    demo: Demo, here: str, browser: WebDriver
) -> None:
    async def second() -> int:
        db = Database(demo.url.replace("sqlite:///", "sqlite+aiosqlite:///"))
        try:
            async with db.transaction() as session:
                row = await repo.add_community(
                    session,
                    platform=Platform.CONSOLE,
                    workspace="globex",
                    channel="lounge",
                    name="Globex",
                )
                return row.id
        finally:
            await db.dispose()

    other = asyncio.run(second())
    browser.get(here + link(demo, "u013", Role.LEAD))
    assert heading(browser) == "Overview"
    for page in ("", "network", "themes", "rounds", "csv/summary.csv"):
        browser.get(f"{here}/dashboard/{other}/{page}")
        assert heading(browser) == "Nothing here"
        assert "Globex" not in browser.page_source


def test_a_members_link_is_refused(demo: Demo, here: str, browser: WebDriver) -> None:
    member = link(demo, "u014", Role.LEAD)

    async def revoke() -> None:
        db = Database(demo.url.replace("sqlite:///", "sqlite+aiosqlite:///"))
        try:
            async with db.transaction() as session:
                await repo.revoke_role(session, 1, "u014", Role.LEAD)
        finally:
            await db.dispose()

    asyncio.run(revoke())  # a member now: the link sent while a lead opens nothing
    browser.get(here + member)
    assert heading(browser) == "The dashboard is for leads and admins"
    assert "Overview" not in browser.page_source


def test_the_admins_rounds_page_lists_each_rounds_groups_and_reads_on_a_phone(
    demo: Demo, here: str, browser: WebDriver
) -> None:
    browser.get(here + link(demo, "u015", Role.ADMIN))
    browser.find_element(By.LINK_TEXT, "Rounds").click()
    last = len(demo.result.rounds)
    section = browser.find_element(By.CSS_SELECTOR, f'section[aria-labelledby="round-{last}"]')
    rows = section.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == len(demo.result.rounds[-1])
    assert re.search(r"\w+ \([\w ]+\), \w+ \([\w ]+\)", rows[0].text)
    no_serious_violations(browser)
    browser.set_window_size(390, 844)
    try:
        for page in ("rounds", "", "network", "themes"):
            browser.get(f"{here}/dashboard/1/{page}")
            wide = browser.execute_script(
                "return document.documentElement.scrollWidth - window.innerWidth"
            )
            assert int(wide) <= 0, page
    finally:
        browser.set_window_size(1280, 1000)
