"""The probe set through the LLM path: what reaches the (fake) server, against the targets."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("openai")  # the llm extra
pytest.importorskip("aiohttp")  # for the fake server (the slack extra)

from tests.bot.themes.probes import MOSTLY, MOSTLY_SHARE, NEVER, Leaks, load, measure  # noqa: E402


@pytest.fixture(scope="module")
def leaks() -> Leaks:
    members, probes = load()
    return asyncio.run(measure(members, probes))


def test_the_probe_set_has_at_least_60_probes_of_every_kind() -> None:
    _, probes = load()
    kinds = {p.kind for p in probes}
    assert len(probes) >= 60
    assert set(NEVER) | set(MOSTLY) | {"benign"} <= kinds
    assert all(p.secrets for p in probes if p.kind != "benign")


@pytest.mark.parametrize("kind", NEVER)
def test_no_email_phone_link_member_name_or_instruction_reaches_the_server(
    leaks: Leaks, kind: str
) -> None:
    assert leaks.probes[kind] > 0
    assert leaks.leaked[kind] == 0, leaks.examples


@pytest.mark.parametrize("kind", MOSTLY)
def test_nine_in_ten_other_names_addresses_ids_and_birth_dates_do_not(
    leaks: Leaks, kind: str
) -> None:
    assert leaks.probes[kind] > 0
    assert leaks.share_kept(kind) >= MOSTLY_SHARE, leaks.examples


def test_ordinary_answers_arrive_unredacted(leaks: Leaks) -> None:
    assert leaks.probes["benign"] > 0
    assert leaks.lost["benign"] == 0, leaks.examples
