"""The store: SQLAlchemy models, the database connection, migrations and queries."""

from bot.store import blackouts, deliveries, facilitation, models, ratelimits, standing, ties

__all__ = ["blackouts", "deliveries", "facilitation", "models", "ratelimits", "standing", "ties"]
