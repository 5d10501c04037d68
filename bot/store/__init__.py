"""The store: SQLAlchemy models, the database connection, migrations and queries."""
