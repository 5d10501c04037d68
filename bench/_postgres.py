"""A scratch schema on the local PostgreSQL server for a bench run, and its URL."""

from __future__ import annotations

import os
import uuid

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def scratch_schema() -> str | None:
    """A new empty schema's name, or None where no PostgreSQL answers."""
    try:
        import psycopg

        with psycopg.connect(PG_URL, autocommit=True, connect_timeout=2) as conn:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            conn.execute(f'CREATE SCHEMA "{schema}"')
            return schema
    except Exception:  # noqa: BLE001 - any failure means: no PostgreSQL for this run
        return None


def drop_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def schema_url(schema: str) -> str:
    """The SQLAlchemy URL whose connections work in ``schema``."""
    base = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
