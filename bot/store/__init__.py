"""The store: SQLAlchemy models, the database connection, migrations and queries."""

from bot.store import deliveries, facilitation, models, ratelimits, standing, ties

__all__ = ["deliveries", "facilitation", "models", "ratelimits", "standing", "ties"]
