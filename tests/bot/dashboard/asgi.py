"""A small ASGI client over plain ASGI calls: one request, its status, headers and body."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from bot.web import ASGIApp


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names; the last of a repeated header
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    def cookie(self) -> str:
        """The cookie's value as set (name=value), for the next request."""
        return self.headers["set-cookie"].split(";")[0]


async def call(
    app: ASGIApp, path: str, *, method: str = "GET", cookie: str | None = None
) -> Answer:
    headers = [(b"host", b"127.0.0.1")]
    if cookie is not None:
        headers.append((b"cookie", cookie.encode()))
    scope: dict[str, Any] = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "scheme": "http",
    }
    sent: list[MutableMapping[str, Any]] = []
    asked = False

    async def receive() -> MutableMapping[str, Any]:
        nonlocal asked
        if asked:
            return {"type": "http.disconnect"}
        asked = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return Answer(
        int(start["status"]),
        {k.decode().lower(): v.decode() for k, v in start["headers"]},
        body,
    )
