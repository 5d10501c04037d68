"""Slack's published rate limits, as keys and rates for the core's shared limits.

Slack limits each app per workspace and per method, by tier (https://docs.slack.dev/apis/web-api/
rate-limits): Tier 2 about 20 a minute, Tier 3 about 50, Tier 4 about 100, bursts allowed; and
``chat.postMessage`` about one a second per channel. Since May 2025, an app not approved for the
Slack Marketplace may call ``conversations.history`` and ``conversations.replies`` once a minute
(Tier 1), for 15 messages at most (``SLACK_MARKETPLACE`` says whether the app is). A call is
paced on its workspace's key for the method (and channel, for posts) in the shared state, so
every process and handler that talks to one workspace keeps to one budget, and a 429 in one
workspace never holds up another's.
"""

from __future__ import annotations

import hashlib

from bot.delivery.limits import Rate

TIER_PER_MINUTE = {2: 20, 3: 50, 4: 100}
TIERS = {
    "conversations.members": 4,
    "conversations.open": 3,
    "conversations.history": 3,
    "conversations.replies": 3,
    "chat.update": 3,
    "users.info": 4,
    "users.profile.get": 4,
    "team.profile.get": 3,
    "views.open": 4,
    "views.publish": 4,
    "chat.postEphemeral": 4,
    "usergroups.list": 2,
    "conversations.close": 2,
    "files.upload": 4,
}
PER_CHANNEL = frozenset({"chat.postMessage"})
HISTORY = frozenset({"conversations.history", "conversations.replies"})
UNLISTED_HISTORY = (1, 60.0)  # Tier 1: the history of an app outside the Marketplace
HISTORY_PAGE = {True: 100, False: 15}  # messages a read asks for, in the Marketplace or not
POST_RATE = (3, 3.0)  # about one a second per channel, with a short burst
SAFETY = 0.97  # pace a little under the published rate: requests arrive with jitter
SPARE = 2  # and keep a few of a burst's requests in hand


def rate(method: str, *, scale: float = 1.0, marketplace: bool = False) -> Rate | None:
    """The pace of ``method`` (windows times ``scale``, for a sped-up fake); None if unpublished.
    Outside the ``marketplace``, history reads are Tier 1."""
    if method in PER_CHANNEL:
        requests, window = POST_RATE
    elif method in HISTORY and not marketplace:
        requests, window = UNLISTED_HISTORY
    elif method in TIERS:
        requests, window = TIER_PER_MINUTE[TIERS[method]], 60.0
    else:
        return None
    # The outbox sends one conversation's messages from one sender at a time: a channel's posts
    # are paced in the process that makes them (their 429s held for all, like any other's).
    shared = method not in PER_CHANNEL
    return Rate(requests, window * scale / SAFETY, burst=max(1, requests - SPARE), shared=shared)


def key(workspace: str, method: str, channel: str | None = None) -> str:
    """The shared-state key of a call: the workspace's method, and channel where Slack counts it."""
    if method in PER_CHANNEL and channel:
        return f"slack:{workspace}:{method}:{channel}"
    return f"slack:{workspace}:{method}"


def scope(method: str) -> str:
    """What a wait on ``method`` holds up: one conversation (its posts, or a look for a message
    in doubt there), or the workspace's deliveries."""
    return "conversation" if method in PER_CHANNEL | HISTORY else "platform"


def workspace_of_token(token: str) -> str:
    """A stand-in for the workspace where only its token is known (a bot token is per workspace)."""
    return "t-" + hashlib.sha256(token.encode()).hexdigest()[:16]
