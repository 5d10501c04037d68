"""The link's token is never logged: not by the command, not by the server's access log."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import pytest

from bot import web
from bot.core import Core
from bot.dashboard import access
from bot.settings import Settings
from bot.web import ASGIApp
from tests.bot.dashboard.conftest import link_for
from tests.bot.test_web import free_port, running


async def test_the_link_token_is_in_no_log_line_at_debug(
    core: Core,
    history: int,
    app: ASGIApp,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    port = free_port()
    monkeypatch.setenv("PORT", str(port))
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    settings = Settings(_env_file=None)
    link = await link_for(core)
    token = link.removeprefix(access.LOGIN_PATH)
    async with running(web.serve(app, settings)):
        async with aiohttp.ClientSession() as http:
            for _ in range(250):
                try:
                    async with http.get(
                        f"http://127.0.0.1:{port}{link}", allow_redirects=False
                    ) as opened:
                        cookie = opened.cookies["bridgework_dashboard"].value
                        assert opened.status == 303
                    break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.02)
            async with http.get(f"http://127.0.0.1:{port}{link}") as again:
                assert again.status == 403
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "GET /dashboard/login/… HTTP/1.1" in logged  # the access log ran, and hid it
    assert "a dashboard link was issued" in logged
    assert token not in logged and cookie not in logged
    assert token not in caplog.text and cookie not in caplog.text
