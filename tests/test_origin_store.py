"""The project store: migrations, immutable determination records, SQLite and PostgreSQL.

PostgreSQL tests use the server on 127.0.0.1:5432 (trust authentication, database
``test``; override with ``ALLYSHORE_TEST_POSTGRES_URL``), in a schema made for this
test run and dropped afterwards. They skip, saying why, only when no server answers.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from allyshore.errors import InputError, NotFoundError
from allyshore.store import Store, database_url, open_store
from allyshore.store.models import DeterminationRow
from allyshore.store.store import ImmutableRecordError

POSTGRES_URL = os.environ.get("ALLYSHORE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

RESULT: dict[str, Any] = {
    "originating": True,
    "criterion": "B",
    "alternative": 0,
    "rvc": {"method": "transaction_value", "value": 64.2, "threshold": 60, "transaction_value": 100, "vnm": 35.8},
    "tariff_shift": {"passed": True, "failing_materials": [], "de_minimis": {"applied": False, "share": 0.0}},
    "explanation": ["SOR s.3(2): every non-originating material meets the rule.", "SOR s.7(2): RVC 64.2%."],
}
INPUTS: dict[str, Any] = {
    "good": {"description": "infusion pump", "hs": "9018.90"},
    "transaction_value": 100,
    "materials": [{"id": "k", "hs": "8536.50", "value": 35.8, "originating": False, "country": "CN"}],
}


def _postgres_admin_engine() -> Any:
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # pragma: no cover - depends on the machine
        engine.dispose()
        pytest.skip(f"no PostgreSQL server answers at {POSTGRES_URL} ({type(exc).__name__}); .ci/run starts one")
    return engine


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file in tmp_path, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store' / 'allyshore.db'}"
        return
    admin = _postgres_admin_engine()
    schema = f"allyshore_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with open_store(store_url) as opened:
        yield opened


def save(store: Store, **overrides: Any) -> Any:
    arguments: dict[str, Any] = {
        "inputs": INPUTS,
        "result": RESULT,
        "subject": "infusion pump",
        "hs": "9018.90",
        "rule_version": "HTSUS GN 11 (2026 edition), 9018.90",
    }
    arguments.update(overrides)
    return store.save_determination(**arguments)


def test_migrations_create_the_schema(store: Store) -> None:
    inspector = inspect(store.engine)
    assert "determinations" in inspector.get_table_names()
    assert "alembic_version" in inspector.get_table_names()
    with store.engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar_one() == "0002_record_chain"


def test_save_get_list_roundtrip(store: Store) -> None:
    before = datetime.now(UTC)
    first = save(store)
    second = save(store, subject="pump set", hs="9018.31", result={**RESULT, "originating": False, "criterion": None})
    assert first.id != second.id
    got = store.get_determination(first.id)
    assert got == first
    assert got.inputs == INPUTS
    assert got.result["rvc"]["value"] == 64.2
    assert got.explanation == tuple(RESULT["explanation"])
    assert got.hs == "901890"
    assert got.originating is True and got.criterion == "B"
    assert got.created_at.tzinfo is not None and got.created_at >= before - timedelta(seconds=1)
    assert got.rule_version.startswith("HTSUS GN 11")
    assert got.verify()
    history = store.list_determinations()
    assert [r.id for r in history.records] == [second.id, first.id]  # newest first
    assert [r.id for r in store.list_determinations(hs="9018.9").records] == [first.id]
    assert [r.id for r in store.list_determinations(subject="pump set").records] == [second.id]
    assert len(store.list_determinations(limit=1)) == 1
    frame = history.to_frame()
    assert frame.height == 2 and frame["originating"].to_list() == [False, True]
    assert history.to_dict()["records"][1]["rvc"] == 64.2
    assert "infusion pump" in history._repr_html_()


def test_records_persist_across_opens(store_url: str) -> None:
    with open_store(store_url) as first:
        record = save(first)
    with open_store(store_url) as again:  # migrations are idempotent
        assert again.get_determination(record.id).content_hash == record.content_hash


def test_orm_refuses_updates_and_deletes(store: Store) -> None:
    record = save(store)
    with store._sessions() as session:
        row = session.get(DeterminationRow, record.id)
        assert row is not None
        row.originating = False
        with pytest.raises(ImmutableRecordError, match="immutable"):
            session.commit()
    with store._sessions() as session:
        row = session.get(DeterminationRow, record.id)
        session.delete(row)
        with pytest.raises(ImmutableRecordError):
            session.commit()
    assert store.get_determination(record.id).originating is True


@pytest.mark.parametrize("statement", ["UPDATE determinations SET originating = false", "DELETE FROM determinations"])
def test_database_refuses_updates_and_deletes(store: Store, statement: str) -> None:
    """Any other client is refused too: a trigger, not just the ORM."""
    record = save(store)
    with pytest.raises(DBAPIError, match="immutable"), store.engine.begin() as conn:
        conn.execute(text(statement))
    assert store.get_determination(record.id).verify()


def test_tampering_is_detected_by_the_hash(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    with open_store(str(path)) as store:
        record = save(store)
    raw = sqlite3.connect(path)
    raw.execute("DROP TRIGGER determinations_no_update")
    raw.execute("UPDATE determinations SET result_json = replace(result_json, '64.2', '66.2')")
    raw.commit()
    raw.close()
    with open_store(str(path)) as store:
        changed = store.get_determination(record.id)
    assert changed.result["rvc"]["value"] == 66.2
    assert not changed.verify()
    assert changed.to_dict()["verified"] is False


def test_missing_record_and_bad_input(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no determination record 999"):
        store.get_determination(999)
    with pytest.raises(InputError, match="originating"):
        save(store, result={"criterion": "B"})
    with pytest.raises(InputError, match="kind"):
        save(store, kind="guess")


def test_database_url_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALLYSHORE_DATABASE_URL", raising=False)
    assert database_url() == "sqlite:///allyshore.db"
    monkeypatch.setenv("ALLYSHORE_DATABASE_URL", "sqlite:////srv/a.db")
    assert database_url() == "sqlite:////srv/a.db"
    assert database_url("other.db") == "sqlite:///other.db"


def test_unusable_urls_are_user_errors() -> None:
    with pytest.raises(InputError, match="cannot use database URL"):
        open_store("nosuchdialect://x")
    with pytest.raises(InputError, match="cannot open the store"):
        open_store("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")


@settings(max_examples=25, deadline=None)
@given(
    st.dictionaries(
        st.text(min_size=1, max_size=8),
        st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=10), st.booleans()),
        max_size=5,
    )
)
def test_any_json_inputs_roundtrip_and_verify(inputs: dict[str, Any]) -> None:
    with open_store("sqlite://") as store:
        record = save(store, inputs=inputs)
        again = store.get_determination(record.id)
    assert again.inputs == inputs
    assert again.verify()
