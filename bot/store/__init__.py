"""The store: SQLAlchemy models, the database connection, migrations and queries."""

from bot.store import facilitation, models

__all__ = ["facilitation", "models"]
