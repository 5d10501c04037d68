"""A fake Slack Web API on 127.0.0.1 that checks each call against the published spec."""
