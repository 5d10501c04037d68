"""The dashboard's ASGI routes, under ``/dashboard``; pages rendered on the server by Jinja2.

    GET  /dashboard/login/TOKEN        use a link (once): a session cookie, then the overview
    GET  /dashboard/                   the session's community's overview
    GET  /dashboard/C/                 overview       GET /dashboard/C/network    the network
    GET  /dashboard/C/themes           themes         GET /dashboard/C/rounds     rounds (admins)
    GET  /dashboard/C/csv/NAME.csv     a chart's table as CSV
    POST /dashboard/logout             end the session
    GET  /dashboard/static/FILE        the style sheet and the one script

Every request but the static files checks the session (``access.check``) and that ``C`` is its
community; another community's id is answered 404, as if it did not exist. Every answer carries
a CSP that allows no inline script and no framing, and is not cached.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from http.cookies import CookieError, SimpleCookie
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from bot.clock import Clock, system_clock
from bot.dashboard import access, charts, pages, tables
from bot.dashboard.access import Access, AccessRefused
from bot.services.context import Context
from bot.store import repo
from bot.store.db import Database
from bot.web import ASGIApp, Receive, Scope, Send, lifespan

log = logging.getLogger(__name__)

PREFIX = "/dashboard"
COOKIE = "bridgework_dashboard"
STATIC = {"dashboard.css": "text/css", "network.js": "text/javascript"}
SECURITY_HEADERS = (
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
)
PAGE = re.compile(r"^/dashboard/(\d{1,18})/(|network|themes|rounds|csv/([a-z-]{1,40})\.csv)$")
REFUSED_STATUS = {"role": 403, "ended": 403}
CSV_PAGES = {
    "overview": ("summary", "rounds", "least-connected"),
    "network": ("teams", "ties"),
    "themes": ("themes",),
    "rounds": ("groups",),
}


class Dashboard:
    """The routes, over one database; ``base_url`` is DASHBOARD_URL (https: Secure cookies)."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Clock = system_clock,
        threshold: int = 5,
        base_url: str | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.threshold = threshold
        self.secure = bool(base_url and base_url.startswith("https://"))
        self.templates = Environment(
            loader=PackageLoader("bot.dashboard", "templates"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def mounted(self, inner: ASGIApp | None) -> ASGIApp:
        """An ASGI app serving ``/dashboard`` and handing everything else to ``inner``."""

        async def serve(scope: Scope, receive: Receive, send: Send) -> None:
            path = str(scope.get("path", ""))
            if scope["type"] == "http" and (path == PREFIX or path.startswith(PREFIX + "/")):
                await self(scope, receive, send)
            elif inner is not None:
                await inner(scope, receive, send)
            elif scope["type"] == "http":
                await self._send(send, 404, b"not found", "text/plain")
            elif scope["type"] == "lifespan":
                await lifespan(receive, send)

        return serve

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path, method = str(scope["path"]), str(scope.get("method", "GET"))
        if path.startswith(PREFIX + "/static/") and method in ("GET", "HEAD"):
            await self._static(send, path.removeprefix(PREFIX + "/static/"))
        elif path.startswith(access.LOGIN_PATH) and method == "GET":
            await self._login(scope, send, path.removeprefix(access.LOGIN_PATH))
        elif path == PREFIX + "/logout" and method == "POST":
            await self._logout(scope, send)
        elif method != "GET":
            await self._send(send, 405, b"method not allowed", "text/plain")
        else:
            await self._page(scope, send, path)

    async def _login(self, scope: Scope, send: Send, token: str) -> None:
        now = self.clock()
        try:
            async with self.db.transaction() as session:
                cookie, seen = await access.open_session(session, token, now)
        except AccessRefused as refused:
            log.info("dashboard: a link was refused (%s)", refused.reason)
            await self._refused(send, refused.reason)
            return
        await self._send(
            send,
            303,
            b"",
            "text/plain",
            location=f"{PREFIX}/{seen.community_id}/",
            cookie=self._cookie(cookie, int(access.SESSION_LIFETIME.total_seconds())),
        )

    async def _logout(self, scope: Scope, send: Send) -> None:
        token = _cookie_of(scope)
        if token:
            async with self.db.transaction() as session:
                await access.end(session, token, self.clock())
        html = self.templates.get_template("refused.html").render(
            reason="signed_out", community="Dashboard", threshold=self.threshold
        )
        await self._send(send, 200, html.encode(), "text/html", cookie=self._cookie("", 0))

    async def _page(self, scope: Scope, send: Send, path: str) -> None:
        now = self.clock()
        try:
            async with self.db.transaction() as session:
                seen = await access.check(session, _cookie_of(scope), now)
        except AccessRefused as refused:
            await self._refused(send, refused.reason)
            return
        if path in (PREFIX, PREFIX + "/"):
            await self._send(
                send, 303, b"", "text/plain", location=f"{PREFIX}/{seen.community_id}/"
            )
            return
        found = PAGE.match(path)
        if found is None or int(found.group(1)) != seen.community_id:
            await self._not_found(send)
            return
        view, csv_name = found.group(2), found.group(3)
        if view == "rounds" and not seen.admin:
            await self._refused(send, "admins_only")
            return
        async with self.db.transaction() as session:
            community = await repo.get_community(session, seen.community_id)
            if community is None:
                await self._not_found(send)
                return
            ctx = Context(session, self.clock, community, self.threshold)
            if csv_name is not None:
                table = (await self._tables(ctx, seen, csv_name)).get(csv_name)
                if table is None:
                    await self._not_found(send)
                    return
                await self._send(
                    send,
                    200,
                    tables.to_csv(table),
                    "text/csv; charset=utf-8",
                    disposition=f'attachment; filename="{table.name}.csv"',
                )
                return
            html = await self._render(ctx, seen, view or "overview")
        await self._send(send, 200, html.encode(), "text/html; charset=utf-8")

    async def _tables(self, ctx: Context, seen: Access, name: str) -> dict[str, tables.Table]:
        """The tables of the page that holds the CSV called ``name`` (only that page is read:
        the themes page runs the themes model)."""
        if name in CSV_PAGES["overview"]:
            return tables.overview(await pages.overview(ctx))
        if name in CSV_PAGES["network"]:
            return tables.network(await pages.network(ctx))
        if name in CSV_PAGES["themes"]:
            return tables.themes(await pages.themes(ctx))
        if name in CSV_PAGES["rounds"] and seen.admin:
            return tables.rounds(await pages.rounds(ctx))
        return {}

    async def _render(self, ctx: Context, seen: Access, view: str) -> str:
        values: dict[str, Any] = {
            "community": ctx.community.name,
            "base": f"{PREFIX}/{seen.community_id}",
            "admin": seen.admin,
            "view": view,
            "threshold": ctx.threshold,
        }
        if view == "overview":
            overview = await pages.overview(ctx)
            values.update(o=overview, tables=tables.overview(overview), charts=_charts(overview))
        elif view == "network":
            network = await pages.network(ctx)
            values.update(
                tables=tables.network(network),
                chart=charts.network_chart("The team network", network),
            )
        elif view == "themes":
            found = await pages.themes(ctx)
            values.update(checkins=found, tables=tables.themes(found))
        else:
            values.update(rounds=await pages.rounds(ctx))
        return self.templates.get_template(f"{view}.html").render(values)

    async def _static(self, send: Send, name: str) -> None:
        if name not in STATIC:
            await self._not_found(send)
            return
        body = resources.files("bot.dashboard").joinpath(f"static/{name}").read_bytes()
        await self._send(send, 200, body, STATIC[name])

    async def _refused(self, send: Send, reason: str) -> None:
        html = self.templates.get_template("refused.html").render(
            reason=reason, community="Dashboard", threshold=self.threshold
        )
        await self._send(send, REFUSED_STATUS.get(reason, 403), html.encode(), "text/html")

    async def _not_found(self, send: Send) -> None:
        html = self.templates.get_template("refused.html").render(
            reason="not_found", community="Dashboard", threshold=self.threshold
        )
        await self._send(send, 404, html.encode(), "text/html")

    def _cookie(self, value: str, max_age: int) -> str:
        secure = "; Secure" if self.secure else ""
        return f"{COOKIE}={value}; Path={PREFIX}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"

    async def _send(
        self,
        send: Send,
        status: int,
        body: bytes,
        content_type: str,
        *,
        location: str | None = None,
        cookie: str | None = None,
        disposition: str | None = None,
    ) -> None:
        headers = [
            (b"content-type", content_type.encode()),
            (b"content-length", str(len(body)).encode()),
            *SECURITY_HEADERS,
        ]
        for name, value in (
            (b"location", location),
            (b"set-cookie", cookie),
            (b"content-disposition", disposition),
        ):
            if value is not None:
                headers.append((name, value.encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _cookie_of(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except CookieError:  # a malformed Cookie header is no session
                return None
            morsel = jar.get(COOKIE)
            if morsel is not None:
                return morsel.value
    return None


def _charts(o: pages.Overview) -> Mapping[str, Markup]:
    labels = [f"R{r.number}" for r in o.rounds]
    line: Callable[..., Markup] = charts.line_chart
    return {
        "participation": charts.bar_chart(
            "participation",
            "People introduced, per round",
            list(zip(labels, [r.people for r in o.rounds], strict=True)),
        ),
        "meetings": charts.bar_chart(
            "meetings",
            "Groups that met, per round",
            list(zip(labels, [r.groups_met for r in o.rounds], strict=True)),
        ),
        "met_rate": line(
            "met-rate",
            "“We met” rate, per round",
            list(zip(labels, [r.met_rate for r in o.rounds], strict=True)),
            low=0.0,
            high=1.0,
            shown="{:.0%}",
        ),
        "coverage": line(
            "coverage",
            "Team pairs that have met, after each round",
            list(zip(labels, [r.coverage for r in o.rounds], strict=True)),
            low=0.0,
            high=1.0,
            shown="{:.0%}",
        ),
        "ei": line(
            "ei",
            "E-I index, per round",
            list(zip(labels, [r.ei_index for r in o.rounds], strict=True)),
            low=-1.0,
            high=1.0,
            shown="{:+.2f}",
        ),
    }
