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


async def test_routes_discord_limits_together_share_a_bucket_per_channel(
    fake: FakeDiscord,
) -> None:
    coffee = a_guild(fake).channel
    general = next(c for c in fake.world.channels.values() if c.name == "general")
    fake.rest.limits.limit, fake.rest.limits.window = 1, 60.0
    thread = {"name": "a thread", "type": 12}
    first = await post(fake, f"/channels/{coffee.id}/threads", thread)
    other_route = await post(fake, f"/channels/{coffee.id}/messages/1/threads", {"name": "x"})
    other_channel = await post(fake, f"/channels/{general.id}/threads", thread)
    assert first[0] == 200 and other_route[0] == 429 and other_channel[0] == 200
    assert other_route[1]["X-RateLimit-Bucket"] == first[1]["X-RateLimit-Bucket"]
    assert other_channel[1]["X-RateLimit-Bucket"] == first[1]["X-RateLimit-Bucket"]
    assert other_route[1]["X-RateLimit-Scope"] == "user"
    again = await post(fake, f"/channels/{coffee.id}/threads", thread)
    assert again[0] == 429 and fake.rest.limits.inside_window == 1  # into the open window


async def test_a_hidden_shared_limit_answers_429_of_scope_shared_not_counted_against_the_bot(
    fake: FakeDiscord,
) -> None:
    coffee = a_guild(fake).channel
    fake.rest.limits.share("POST", "/channels/{channel_id}/threads", limit=1, window=220.0)
    thread = {"name": "a thread", "type": 12}
    ok = await post(fake, f"/channels/{coffee.id}/threads", thread)
    status, headers, body = await post(fake, f"/channels/{coffee.id}/threads", thread)
    assert ok[0] == 200 and status == 429
    assert headers["X-RateLimit-Scope"] == "shared"
    assert int(headers["X-RateLimit-Remaining"]) > 0  # the route's own bucket is not spent
    assert isinstance(body, dict) and body["global"] is False and body["retry_after"] > 200
    assert body["message"] == "The resource is being rate limited."
    assert fake.rest.invalid == 0


async def test_past_the_global_limit_every_route_answers_a_global_429(fake: FakeDiscord) -> None:
    coffee = a_guild(fake).channel
    fake.rest.limits.global_limit, fake.rest.limits.global_window = 2, 60.0
    answers = [await post(fake, f"/channels/{coffee.id}/messages", {"content": "hi"})]
    answers.append(await post(fake, "/users/@me/channels", {"recipient_id": "1"}))
    status, headers, body = await post(fake, f"/channels/{coffee.id}/threads", {"name": "t"})
    assert all(a[0] != 429 for a in answers) and status == 429
    assert headers["X-RateLimit-Global"] == "true" and headers["X-RateLimit-Scope"] == "global"
    assert "X-RateLimit-Bucket" not in headers
    assert isinstance(body, dict) and body["global"] is True and body["retry_after"] > 0
    assert fake.rest.invalid == 1
