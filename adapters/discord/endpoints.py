"""Where discord.py talks to: Discord, or (for tests and proxies) the URLs in the settings.

discord.py reads its REST base from ``discord.http.Route.BASE`` (interaction callbacks and
webhooks use the same ``Route``) and connects its gateway to ``DiscordWebSocket.DEFAULT_GATEWAY``
before READY names a ``resume_gateway_url``. Both are class attributes: one process talks to one
Discord.
"""

from __future__ import annotations

from collections.abc import Callable

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

DISCORD_API = "https://discord.com/api/v10"


def use_endpoints(api_url: str | None, gateway_url: str | None) -> Callable[[], None]:
    """Point discord.py at ``api_url`` and ``gateway_url`` (None keeps Discord's); returns a
    function that puts the previous ones back."""
    previous_api, previous_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    if api_url:
        Route.BASE = api_url.rstrip("/")
    if gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)

    def restore() -> None:
        Route.BASE = previous_api
        DiscordWebSocket.DEFAULT_GATEWAY = previous_gateway

    return restore


def api_base() -> str:
    return Route.BASE
