"""Delivery: the outbox every outgoing message goes through, and the sender that drains it."""
