"""The use cases: membership, community settings, introductions and their follow-ups."""
