"""The one error tree of Bridgework.

Every error a person can meet carries a message they can act on::

    BridgeworkError
    ├── ConfigError        a setting is missing or malformed (names the setting)
    ├── InputError         a command, form or file a person gave is invalid (says what is valid)
    ├── DeliveryError      a platform did not take a message
    │   ├── RateLimited        try again after ``retry_after`` seconds
    │   ├── Undeliverable      the user or channel is gone: retrying will not help
    │   ├── PlatformUnavailable  a transient failure: retry with backoff
    │   └── NotConfigured      this process lacks the platform's credentials: hold, do not count
    └── StoreError         the database is unreachable, or its schema is not this version's
"""

from __future__ import annotations


class BridgeworkError(Exception):
    """The root of every error Bridgework raises on purpose."""


class ConfigError(BridgeworkError):
    """A setting is missing or malformed."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"{setting}: {problem}")
        self.setting = setting
        self.problem = problem


class InputError(BridgeworkError):
    """Something a person gave us is invalid; the message says what would be valid."""

    def __init__(self, message: str, *, usage: str = "", example: str = "") -> None:
        super().__init__(message)
        self.usage = usage
        self.example = example


class DeliveryError(BridgeworkError):
    """A platform did not take a message."""


class RateLimited(DeliveryError):
    """The platform asks us to wait. ``scope`` says what waits: one ``"conversation"`` (a
    per-channel limit), or everything sent to this ``"platform"`` (a per-method or global one)."""

    def __init__(self, retry_after: float, *, scope: str = "conversation") -> None:
        super().__init__(f"rate limited ({scope}): retry after {retry_after:.1f}s")
        self.retry_after = retry_after
        self.scope = scope


class Undeliverable(DeliveryError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"undeliverable: {reason}")
        self.reason = reason


class PlatformUnavailable(DeliveryError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"platform unavailable: {reason}")
        self.reason = reason


class NotConfigured(DeliveryError):
    """This process cannot deliver to a platform: its settings lack the credentials. The fault
    is ours, not the message's: it waits, pending, for a process that has them."""

    def __init__(self, setting: str, reason: str) -> None:
        super().__init__(f"not configured: {reason}")
        self.setting = setting
        self.reason = reason


class StoreError(BridgeworkError):
    """The database is unreachable, or its schema does not match this version."""
