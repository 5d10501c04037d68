"""The store: SQLAlchemy models, the database connection, migrations and queries."""

from bot.store import (
    blackouts,
    dashboard,
    deliveries,
    facilitation,
    models,
    ratelimits,
    standing,
    ties,
)

__all__ = [
    "blackouts",
    "dashboard",
    "deliveries",
    "facilitation",
    "models",
    "ratelimits",
    "standing",
    "ties",
]
