"""The fake Discord keeps the adapter honest: it refuses what Discord's spec would refuse and
rate limits as Discord does. (If these checks broke, the adapter's tests would prove nothing.)"""

from __future__ import annotations

import aiohttp

from tests.adapters.discord.conftest import a_guild
from tests.fakes.discord import FakeDiscord


async def post(fake: FakeDiscord, path: str, body: object) -> tuple[int, dict[str, str], object]:
    headers = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession() as session:
        async with session.post(fake.api_url + path, json=body, headers=headers) as response:
            return response.status, dict(response.headers), await response.json()


async def test_a_request_without_a_field_the_spec_requires_is_refused(fake: FakeDiscord) -> None:
    community = a_guild(fake)
    status, _, body = await post(fake, f"/channels/{community.channel.id}/threads", {"type": 12})
    assert status == 400 and isinstance(body, dict) and body["code"] == 50035
    assert any("'name' is missing" in v for v in fake.rest.violations)


async def test_a_path_the_spec_does_not_have_is_refused(fake: FakeDiscord) -> None:
    status, _, _ = await post(fake, "/channels/1/not-a-thing", {})
    assert status == 404
    assert fake.rest.violations == ["POST /channels/1/not-a-thing: not in the spec"]


async def test_a_field_of_the_wrong_type_or_length_is_refused(fake: FakeDiscord) -> None:
    community = a_guild(fake)
    path = f"/channels/{community.channel.id}/threads"
    status, _, _ = await post(fake, path, {"name": "x" * 101, "type": 12})
    assert status == 400
    assert any("longer than 100" in v for v in fake.rest.violations)


async def test_past_its_limit_a_route_answers_429_with_retry_after_and_headers(
    fake: FakeDiscord,
) -> None:
    community = a_guild(fake)
    fake.rest.limits.limit, fake.rest.limits.window = 2, 60.0
    path = f"/channels/{community.channel.id}/messages"
    answers = [await post(fake, path, {"content": f"hi {i}"}) for i in range(3)]
    assert [status for status, _, _ in answers] == [200, 200, 429]
    _, headers, body = answers[2]
    assert isinstance(body, dict) and body["retry_after"] > 0 and body["global"] is False
    assert headers["X-RateLimit-Remaining"] == "0" and "X-RateLimit-Reset-After" in headers
    assert answers[1][1]["X-RateLimit-Remaining"] == "0"
    assert answers[0][1]["X-RateLimit-Remaining"] == "1"


async def test_a_wrong_token_is_unauthorized(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(
            fake.api_url + "/users/@me", headers={"Authorization": "Bot nope"}
        ) as response:
            assert response.status == 401
