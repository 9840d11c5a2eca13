"""Alembic migrations of the allyshore store, shipped in the package and run on :func:`allyshore.store.open_store`."""
