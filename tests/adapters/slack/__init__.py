"""Slack adapter tests: the real slack_sdk and slack-bolt against tests/fakes/slack."""
