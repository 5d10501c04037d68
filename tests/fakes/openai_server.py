"""A local OpenAI-compatible server for tests: ``POST /v1/chat/completions`` answers with what
each test scripts (JSON content, a status error or a delay), on 127.0.0.1 and a random port, and
records every request it was sent. Nothing reaches the internet."""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """One scripted answer: message ``content`` with ``status`` 200, or an error ``status``;
    ``delay`` seconds of waiting first (longer than the client's timeout, for a timeout)."""

    content: str = ""
    status: int = 200
    delay: float = 0.0


def content_of(obj: JsonObject) -> Reply:
    """A reply whose message content is ``obj`` as JSON."""
    return Reply(content=json.dumps(obj))


@dataclass
class FakeOpenAI:
    """The server. Replies come from the script, in order, else from ``model`` (a function of the
    request, standing for the LLM: e.g. one that obeys instructions in the answers), else 500."""

    key: str = "sk-test-local"
    replies: deque[Reply] = field(default_factory=deque)
    model: Callable[[JsonObject], Reply] | None = None
    requests: list[JsonObject] = field(default_factory=list)
    base_url: str = ""
    _runner: web.AppRunner | None = None

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    async def start(self) -> None:
        app = web.Application()
        app.add_routes([web.post("/v1/chat/completions", self._completions)])
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = int(self._runner.addresses[0][1])
        self.base_url = f"http://127.0.0.1:{port}/v1"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def sent_text(self) -> str:
        """Everything the client sent in message contents, joined, for checking what left us."""
        return "\n".join(
            str(m.get("content", "")) for r in self.requests for m in r.get("messages", [])
        )

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {self.key}":
            return web.json_response({"error": {"message": "bad key"}}, status=401)
        body: JsonObject = await request.json()
        self.requests.append(body)
        if self.replies:
            reply = self.replies.popleft()
        elif self.model is not None:
            reply = self.model(body)
        else:
            reply = Reply(status=500)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.status != 200:
            error = {"error": {"message": "scripted failure", "type": "server_error"}}
            return web.json_response(error, status=reply.status)
        return web.json_response(
            {
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "fake"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": reply.content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        )
