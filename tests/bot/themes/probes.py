"""The probe set (``data/probes.yaml``) sent through the LLM path — the real openai client against
the recording fake server — and what of it reached the server. Used by ``test_leaks.py`` and by
``python -m bench themes`` (``bench/_leaks.py``)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.themes import WORDS, ThemeAnswer, llm_themes
from bot.themes.engine import Group, build_report
from tests.fakes.openai_server import FakeOpenAI, Reply, content_of

DATA = Path(__file__).parent / "data" / "probes.yaml"
THRESHOLD = 5
# Answers that carry nothing to leak, so that each probe makes a theme over the threshold alone.
FILLERS = (
    "the week was fine, nothing much to report",
    "busy but manageable this time",
    "good collaboration with the other team",
    "too many meetings again",
)
# Kinds that must never reach the server, and kinds of which at least 90% must not.
NEVER = ("member", "email", "phone", "url", "injection")
MOSTLY = ("other_name", "address", "id_number", "dob")
MOSTLY_SHARE = 0.9


@dataclass(frozen=True)
class Probe:
    kind: str
    text: str
    secrets: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()


@dataclass
class Leaks:
    """Per kind: probes sent, probes with a secret that reached the server, and for ordinary
    answers the probes that lost a phrase they should have kept."""

    probes: Counter[str] = field(default_factory=Counter)
    leaked: Counter[str] = field(default_factory=Counter)
    lost: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def share_kept(self, kind: str) -> float:
        """The share of ``kind``'s probes whose secrets did not reach the server."""
        return 1 - self.leaked[kind] / self.probes[kind] if self.probes[kind] else 1.0


def load() -> tuple[list[str], list[Probe]]:
    """The members (as the platform lists them) and the probes."""
    data: dict[str, Any] = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    probes = [
        Probe(
            kind=str(p["kind"]),
            text=str(p["text"]),
            secrets=tuple(str(s) for s in p.get("secrets", ())),
            keep=tuple(str(k) for k in p.get("keep", ())),
        )
        for p in data["probes"]
    ]
    return [str(m) for m in data["members"]], probes


def _fine(request: dict[str, Any]) -> Reply:
    return content_of({"narrative": "A quiet week.", "themes": []})


def data_sent(request: dict[str, Any]) -> str:
    """The user message of a recorded request: the fenced answers (the system prompt is ours)."""
    return "\n".join(
        str(m.get("content", "")) for m in request.get("messages", []) if m.get("role") == "user"
    )


def fenced_answers(request: dict[str, Any]) -> list[str]:
    """The answers in a recorded request's fenced JSON."""
    body = data_sent(request).split(">>>\n", 1)[1].rsplit("\n<<<END ANSWERS", 1)[0]
    payload = json.loads(body)
    return [a for theme in payload["themes"] for a in theme["answers"]]


async def _send(server: FakeOpenAI, members: list[str], probe: Probe, model: str) -> None:
    answers = [ThemeAnswer(t, "Ops") for t in (probe.text, *FILLERS)]
    groups = [Group("Workload", False, tuple(range(len(answers))))]
    offline = build_report(answers, groups, WORDS, THRESHOLD)
    await llm_themes(
        answers,
        offline,
        base_url=server.base_url,
        api_key=server.key,
        model=model,
        names=members,
        threshold=THRESHOLD,
    )


async def measure(members: list[str], probes: list[Probe]) -> Leaks:
    """Send each probe, with the fillers, as one theme through ``llm_themes`` (a few at once, each
    under a model name of its own); count what of it reached the fake server."""
    server = FakeOpenAI(model=_fine)
    await server.start()
    try:
        for start in range(0, len(probes), 8):
            await asyncio.gather(
                *(
                    _send(server, members, probe, f"probe-{n}")
                    for n, probe in enumerate(probes[start : start + 8], start=start)
                )
            )
    finally:
        await server.stop()
    by_model = {str(r["model"]): data_sent(r) for r in server.requests}
    leaks = Leaks()
    for n, probe in enumerate(probes):
        sent = by_model[f"probe-{n}"]
        leaks.probes[probe.kind] += 1
        if any(secret in sent for secret in probe.secrets):
            leaks.leaked[probe.kind] += 1
            leaks.examples.append(f"{probe.kind}: {probe.text}")
        if any(phrase not in sent for phrase in probe.keep):
            leaks.lost[probe.kind] += 1
            leaks.examples.append(f"{probe.kind} (over-redacted): {probe.text}")
    return leaks
