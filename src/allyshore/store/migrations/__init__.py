"""Alembic migrations of the allyshore store, shipped in the package and run on :func:`allyshore.store.open_store`.

Adding to the schema (for any capability that keeps records in the store):

1. map the table in :mod:`allyshore.store.models` (typed SQLAlchemy 2 declarative class);
2. add ``versions/NNNN_<what>.py`` with ``revision = "NNNN_<what>"`` and ``down_revision`` set to the
   latest revision, creating the table with ``op.create_table`` (and ``downgrade`` dropping it); keep
   the DDL portable between SQLite and PostgreSQL, branching on ``op.get_bind().dialect.name`` only
   where they differ (as ``0001_determinations`` does for its immutability triggers);
3. test it against both databases (``tests/test_origin_store.py`` has the fixture: a SQLite file in a
   temporary folder, and a throw-away schema on the PostgreSQL server).

Every store opened afterwards is upgraded to the new head automatically.
"""
