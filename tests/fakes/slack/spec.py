"""The published Slack Web API spec (tests/fakes/specs/slack/web-api.openapi-v2.json, MIT, from
slackapi/slack-api-specs): which methods exist, their required arguments and their scopes.

Three methods the adapter relies on were published after that snapshot (v1.7.0); they are listed
in ``LATER`` from their reference pages, so the fake checks them the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SPEC = Path(__file__).resolve().parents[1] / "specs" / "slack" / "web-api.openapi-v2.json"

# The spec names today's granular bot scope `chat:write` by its older user/bot variants.
SCOPE_NAMES = {"chat:write:bot": "chat:write", "chat:write:user": "chat:write"}


@dataclass(frozen=True)
class MethodSpec:
    name: str
    required: frozenset[str]  # arguments other than the token
    scopes: frozenset[str]  # any one of them grants the method; empty: no scope needed
    http: str  # the spec's HTTP method
    source: str


LATER = {
    "files.getUploadURLExternal": MethodSpec(
        "files.getUploadURLExternal",
        frozenset({"filename", "length"}),
        frozenset({"files:write"}),
        "post",
        "https://docs.slack.dev/reference/methods/files.getUploadURLExternal",
    ),
    "files.completeUploadExternal": MethodSpec(
        "files.completeUploadExternal",
        frozenset({"files"}),
        frozenset({"files:write"}),
        "post",
        "https://docs.slack.dev/reference/methods/files.completeUploadExternal",
    ),
    "apps.connections.open": MethodSpec(
        "apps.connections.open",
        frozenset(),
        frozenset({"connections:write"}),  # an app-level token's scope
        "post",
        "https://docs.slack.dev/reference/methods/apps.connections.open",
    ),
}


@cache
def methods() -> dict[str, MethodSpec]:
    """Every Web API method: the spec's, then the later ones."""
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    found: dict[str, MethodSpec] = {}
    for path, operations in spec["paths"].items():
        name = path.lstrip("/")
        for http, operation in operations.items():
            required = frozenset(
                p["name"]
                for p in operation.get("parameters", [])
                if p.get("required") and p["name"] != "token"
            )
            scopes: set[str] = set()
            for requirement in operation.get("security", []):
                for granted in requirement.values():
                    scopes.update(SCOPE_NAMES.get(s, s) for s in granted if s != "none")
            found[name] = MethodSpec(name, required, frozenset(scopes), http, "spec")
    for name, later in LATER.items():
        found.setdefault(name, later)
    return found


def method(name: str) -> MethodSpec | None:
    return methods().get(name)
