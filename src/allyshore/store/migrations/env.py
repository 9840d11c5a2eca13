"""Alembic environment: runs migrations on the connection handed over by :func:`allyshore.store.open_store`."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from allyshore.store.models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    """Run the migrations; on the caller's connection when :func:`open_store` hands one over."""
    connection = context.config.attributes.get("connection")
    if connection is None:  # the `alembic` command line, with sqlalchemy.url in its config file
        from sqlalchemy import create_engine

        engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "sqlite://")
        with engine.begin() as conn:
            _run(conn)
    else:
        _run(connection)


# Alembic executes this file with its context set up; importing it elsewhere (doctest collection) does nothing.
if getattr(context, "config", None) is not None:
    main()
