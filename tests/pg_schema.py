"""A fresh PostgreSQL schema for the store tests on PostgreSQL, dropped afterwards.

The server is the one on 127.0.0.1:5432, database ``test`` (``ALLYSHORE_TEST_POSTGRES_URL`` overrides it), which
``.ci/run`` starts; without one the test is skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

POSTGRES_URL = os.environ.get("ALLYSHORE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def postgres_schema(prefix: str) -> Iterator[str]:
    """Yield a store URL whose search path is a new schema named ``prefix`` + a random suffix; drop it after."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # pragma: no cover - depends on the machine
        admin.dispose()
        pytest.skip(f"no PostgreSQL server answers at {POSTGRES_URL} ({type(exc).__name__}); .ci/run starts one")
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
