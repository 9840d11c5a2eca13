"""The project store: migrations, immutable determination records, SQLite and PostgreSQL.

PostgreSQL tests use the server on 127.0.0.1:5432 (trust authentication, database
``test``; override with ``ALLYSHORE_TEST_POSTGRES_URL``), in a schema made for this
test run and dropped afterwards. They skip, saying why, only when no server answers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import stat
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, inspect, make_url, text
from sqlalchemy.exc import DBAPIError

from allyshore.errors import InputError, NotFoundError, ValidationError
from allyshore.origin.certification import certify
from allyshore.store import MissingKeyError, Store, database_url, open_store
from allyshore.store.keys import key_source
from allyshore.store.models import DeterminationRow
from allyshore.store.records import canonical_json, content_hash
from allyshore.store.store import ImmutableRecordError
from pg_schema import postgres_schema

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


CERTIFY_PARTIES: dict[str, Any] = {
    "certifier_role": "producer",
    "certifier": {
        "name": "Bombas del Norte SA de CV", "title": "Compliance", "address": "Av. Industrial 100, Apodaca",
        "country": "MX", "phone": "+52 81 5555 0100", "email": "origen@example.mx",
    },
    "exporter": "same as certifier",
    "importer": None,
    "signature": {"name": "Ana Ruiz", "date": "2026-11-23"},
}  # fmt: skip


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, empty database: a SQLite file in tmp_path, or a PostgreSQL schema of its own; its key file
    in tmp_path/keys (named by $ALLYSHORE_STORE_KEY_FILE, not yet created)."""
    monkeypatch.delenv("ALLYSHORE_STORE_KEY", raising=False)
    monkeypatch.setenv("ALLYSHORE_STORE_KEY_FILE", str(tmp_path / "keys" / "store.key"))
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store' / 'allyshore.db'}"
        return
    yield from postgres_schema("allyshore_test")


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
    assert "capacity_editions" in inspector.get_table_names()
    assert "alembic_version" in inspector.get_table_names()
    config = Config()
    config.set_main_option("script_location", str(resources.files("allyshore.store") / "migrations"))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None and head >= "0003_capacity_editions"  # the revisions are numbered in order
    with store.engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar_one() == head


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


# ----------------------------------------------------------------------------------------------------------------
# Records that cannot be forged in silence: the keyed chain, the refused statements, the attacks that remain
# for the database's owner (docs/security.md) and what detects them.

LEGACY_START = hashlib.sha256(b'{"legacy":[]}').hexdigest()  # the seal over no records (allyshore.store.chain)


def independent_mac(key: bytes, record_id: int, content: str, previous: str) -> str:
    """The record MAC as docs/security.md defines it: HMAC-SHA256 of the canonical JSON of v, id, hash, previous."""
    message = json.dumps({"v": 2, "id": record_id, "content_hash": content, "previous": previous}, sort_keys=True)
    return hmac.new(key, message.replace(", ", ",").replace(": ", ":").encode(), hashlib.sha256).hexdigest()


def key_in(path: Path) -> bytes:
    return bytes.fromhex(path.read_text().strip())


def as_owner(store: Store, *statements: str, **values: Any) -> None:
    """What the database's owner can do: switch the immutability triggers off, then change rows at will."""
    with store.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            for action in ("update", "delete", "replace"):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS determinations_no_{action}")
        else:
            conn.exec_driver_sql("ALTER TABLE determinations DISABLE TRIGGER USER")
        for statement in statements:  # plain SQL unless values are bound (JSON text holds colons)
            conn.execute(text(statement), values) if values else conn.exec_driver_sql(statement)


def three_records(store: Store) -> list[Any]:
    """Record 2 is the one worth forging: a good that is not originating."""
    return [
        save(store),
        save(store, subject="pump set", result={**RESULT, "originating": False, "criterion": None}),
        save(store, subject="valve"),
    ]


def test_first_save_creates_the_key_and_chains_each_record_to_the_one_before(store: Store, tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "store.key"
    assert not key_file.exists()
    first, second, third = three_records(store)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_in(key_file)
    assert len(key) == 32
    assert first.previous_mac == LEGACY_START  # a store that starts keyed: the seal over no records
    assert first.record_mac == independent_mac(key, 1, first.content_hash, LEGACY_START)
    assert second.previous_mac == first.record_mac and third.previous_mac == second.record_mac
    assert third.record_mac == independent_mac(key, 3, third.content_hash, second.record_mac)
    assert {r.key_id for r in (first, second, third)} == {
        hmac.new(key, b"allyshore store key id", "sha256").hexdigest()[:16]
    }
    assert [r.verified for r in store.list_determinations()] == [True, True, True]
    report = store.verify_records()
    assert report.ok and report.count("verified") == 3 and report.first_broken is None
    (witnessed,) = json.loads((tmp_path / "keys" / "store.key.head").read_text()).values()
    assert witnessed == {"id": 3, "record_mac": third.record_mac}


def test_database_refuses_replace_upsert_and_truncate(store: Store, store_url: str) -> None:
    """The forgery of the finding: one statement turning record 2 originating. REPLACE deletes the row it
    replaces without firing a DELETE trigger (SQLite, recursive triggers off, as in any other client)."""
    records = three_records(store)
    columns = (
        "id, created_at, kind, subject, hs, originating, criterion, rule_version, software_version, inputs_json, "
        "result_json, explanation_json, content_hash, previous_mac, record_mac, key_id"
    )
    forged = columns.replace("originating, criterion", "true, 'B'").replace(
        "result_json", """replace(result_json, '"originating":false', '"originating":true')"""
    )
    if store.engine.dialect.name == "sqlite":
        statements = [
            f"INSERT OR REPLACE INTO determinations ({columns}) SELECT {forged} FROM determinations WHERE id = 2",
            f"REPLACE INTO determinations ({columns}) SELECT {forged.replace('id,', 'id + 10,', 1)} "
            "FROM determinations WHERE id = 2",  # a new id, replacing by the unique content hash
        ]
        raw = sqlite3.connect(store_url.removeprefix("sqlite:///"))  # another client: recursive triggers off
        for statement in statements:
            with pytest.raises(sqlite3.DatabaseError, match="immutable"):
                raw.execute(statement)
            raw.rollback()
        raw.close()
    else:
        statements = [
            f"INSERT INTO determinations ({columns}) SELECT {forged} FROM determinations WHERE id = 2 "
            "ON CONFLICT (id) DO UPDATE SET originating = true",
            "TRUNCATE determinations",
            "TRUNCATE determinations CASCADE",
        ]
        for statement in statements:
            with pytest.raises(DBAPIError, match="immutable"), store.engine.begin() as conn:
                conn.exec_driver_sql(statement)
    assert store.get_determination(2).originating is False
    assert [r.verified for r in store.list_determinations()] == [True, True, True]
    assert store.verify_records().ok and len(records) == 3


def rehash(store: Store, record_id: int, *, mac_key: bytes | None = None) -> None:
    """Turn the record originating and recompute its content hash (anyone can: SHA-256 is unkeyed); with
    ``mac_key``, recompute its MAC too, under a key that is not the store's."""
    record = store.get_determination(record_id)
    result = {**record.result, "originating": True, "criterion": "B"}
    new_hash = content_hash(
        created_at=record.created_at, kind=record.kind, subject=record.subject, hs=record.hs,
        rule_version=record.rule_version, software_version=record.software_version,
        inputs_json=canonical_json(record.inputs), result_json=canonical_json(result),
        explanation_json=canonical_json(list(record.explanation)),
    )  # fmt: skip
    mac = record.record_mac
    if mac_key is not None:
        mac = independent_mac(mac_key, record_id, new_hash, record.previous_mac or "")
    as_owner(
        store,
        "UPDATE determinations SET originating = true, criterion = 'B', result_json = :result, "
        "content_hash = :hash, record_mac = :mac WHERE id = :id",
        result=canonical_json(result), hash=new_hash, mac=mac, id=record_id,
    )  # fmt: skip


ATTACKS: dict[str, tuple[Any, int | None, str | None]] = {
    # attack: (what the owner does to three records, first broken record, its status)
    "update the JSON": (
        lambda s: as_owner(s, """UPDATE determinations SET result_json = replace(result_json, '"originating":false', '"originating":true') WHERE id = 2"""),
        2, "tampered",
    ),
    "re-hash without the key": (lambda s: rehash(s, 2), 2, "tampered"),
    "re-hash and re-MAC with another key": (lambda s: rehash(s, 2, mac_key=bytes(range(32))), 2, "tampered"),
    "delete a record in the middle": (lambda s: as_owner(s, "DELETE FROM determinations WHERE id = 2"), 3, "chain-broken"),
    "insert an unkeyed record": (
        lambda s: as_owner(
            s, "INSERT INTO determinations (id, created_at, kind, subject, hs, originating, criterion, rule_version, "
            "software_version, inputs_json, result_json, explanation_json, content_hash) SELECT 4, created_at, kind, "
            "subject, hs, originating, criterion, rule_version, software_version, inputs_json, result_json, "
            "explanation_json, 'x' FROM determinations WHERE id = 1"
        ),
        4, "tampered",
    ),
    "delete the last record": (lambda s: as_owner(s, "DELETE FROM determinations WHERE id = 3"), None, None),
    "delete every record": (lambda s: as_owner(s, "DELETE FROM determinations"), None, None),
}  # fmt: skip


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_what_the_owner_changes_is_detected_and_named(store: Store, attack: str) -> None:
    change, broken_id, status = ATTACKS[attack]
    three_records(store)
    assert store.verify_records().ok  # the witness now knows record 3
    change(store)
    report = store.verify_records()
    assert not report.ok
    if broken_id is None:  # removed from the end: no link is broken, the witness beside the key sees it
        assert report.first_broken is None
        assert report.truncation is not None and "record 3 was saved or verified here" in report.truncation
        assert "removed from the end" in report.message()
        return
    assert report.first_broken is not None
    assert (report.first_broken.id, report.first_broken.status) == (broken_id, status)
    assert f"record {broken_id} is {status}" in report.message()
    history = {r.id: r for r in store.list_determinations()}
    assert history[broken_id].verified is False
    assert all(r.verified is True for i, r in history.items() if i < broken_id)


def test_deleting_the_last_record_is_not_detectable_without_a_witness(
    store: Store, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the key given as a value ($ALLYSHORE_STORE_KEY) there is no witness file: the chain cannot show
    that its last records are gone (docs/security.md says so)."""
    monkeypatch.delenv("ALLYSHORE_STORE_KEY_FILE")
    monkeypatch.setenv("ALLYSHORE_STORE_KEY", "ab" * 32)
    with open_store(store_url) as keyed:
        three_records(keyed)
        as_owner(keyed, "DELETE FROM determinations WHERE id = 3")
        report = keyed.verify_records()
    assert report.ok and report.witness is None and len(report.checks) == 2
    assert not (tmp_path / "keys").exists()


def test_a_missing_or_wrong_key_is_a_clear_error_and_is_never_replaced(store_url: str, tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "store.key"
    with open_store(store_url) as store:
        save(store)
    key_file.rename(tmp_path / "moved.key")
    with open_store(store_url) as store:
        with pytest.raises(MissingKeyError, match=r"key .*store\.key .*is missing \(records keyed with key id"):
            store.verify_records()
        with pytest.raises(MissingKeyError, match="store's records are keyed"):
            save(store)  # a new key would fork the chain: refused, and no key file made
        assert not key_file.exists()
        record = store.get_determination(1)
        assert (record.verified, record.verification) == (None, "no-key")  # history still lists it, unknown
    other = tmp_path / "other.key"
    other.write_text("cd" * 32)
    with open_store(store_url, key_file=other) as store, pytest.raises(MissingKeyError, match="is not the key of"):
        store.verify_records()
    with open_store(store_url, key_file=tmp_path / "moved.key") as store:
        assert store.verify_records().ok


def make_legacy_store(url: str, count: int) -> None:
    """A store as the first schema left it: records with an unkeyed SHA-256 content hash only; record 2 is
    not originating."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("allyshore.store") / "migrations"))
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001_determinations")
        for number in range(1, count + 1):
            moment = datetime(2026, 1, number, tzinfo=UTC)
            fields = {
                "kind": "case", "subject": f"legacy {number}", "hs": "901890", "rule_version": "GN 11",
                "software_version": "0.9", "inputs_json": canonical_json(INPUTS),
                "result_json": canonical_json({**RESULT, "originating": number != 2, "good": {"hs": "9018.90"}}), "explanation_json": canonical_json(RESULT["explanation"]),
            }  # fmt: skip
            conn.execute(
                text(
                    "INSERT INTO determinations (created_at, kind, subject, hs, originating, criterion, rule_version, "
                    "software_version, inputs_json, result_json, explanation_json, content_hash) VALUES (:created_at, "
                    ":kind, :subject, :hs, :originating, 'B', :rule_version, :software_version, :inputs_json, :result_json, "
                    ":explanation_json, :content_hash)"
                ),
                {
                    **fields,
                    "originating": number != 2,
                    "created_at": moment,
                    "content_hash": content_hash(created_at=moment, **fields),
                },
            )
    engine.dispose()


def test_an_existing_store_migrates_and_its_records_are_sealed_by_the_first_keyed_one(store_url: str) -> None:
    make_legacy_store(store_url, 2)
    with open_store(store_url) as store:
        history = store.list_determinations()
        assert [(r.verified, r.verification) for r in history] == [(None, "legacy-unkeyed")] * 2
        with pytest.raises(ValidationError, match="saved before records were keyed"):
            certify([store.get_determination(1)], CERTIFY_PARTIES)
        report = store.verify_records()
        assert report.ok and report.count("legacy-unkeyed") == 2
        third = save(store)
        assert third.id == 3
        ids_and_hashes = [[r.id, r.content_hash] for r in sorted(history, key=lambda r: r.id)]
        seal = hashlib.sha256(json.dumps({"legacy": ids_and_hashes}).replace(" ", "").encode()).hexdigest()
        assert third.previous_mac == seal
        assert [(r.id, r.verification) for r in store.list_determinations()] == [
            (3, "verified"), (2, "legacy-sealed"), (1, "legacy-sealed"),
        ]  # fmt: skip
        assert certify([store.get_determination(1)], CERTIFY_PARTIES).goods[0].record_id == 1
        rehash(store, 2)  # a legacy record is unkeyed: it can be re-hashed, but the seal then breaks
        report = store.verify_records()
    assert report.first_broken is not None and (report.first_broken.id, report.first_broken.status) == (
        3, "chain-broken",
    )  # fmt: skip
    assert "records saved before keys that it seals (2)" in report.first_broken.reason


@pytest.mark.slow
def test_fifty_concurrent_first_saves_are_all_saved(store_url: str, tmp_path: Path) -> None:
    """Fifty threads open a store that does not exist yet and save at once: the migrations take turns under
    the write lock, one key is made, every record is saved and the chain holds."""
    count = 50
    barrier = threading.Barrier(count)

    def first_save(number: int) -> int:
        barrier.wait()
        with open_store(store_url) as store:
            return int(save(store, subject=f"good {number}").id)

    with ThreadPoolExecutor(max_workers=count) as pool:
        ids = sorted(pool.map(first_save, range(count)))
    assert ids == list(range(1, count + 1))
    with open_store(store_url) as store:
        report = store.verify_records()
        assert report.ok and report.count("verified") == count
        assert {r.subject for r in store.list_determinations()} == {f"good {n}" for n in range(count)}
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == ["store.key", "store.key.head"]


def test_where_the_key_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ALLYSHORE_STORE_KEY", "ALLYSHORE_STORE_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    database = tmp_path / "data" / "records.db"
    assert key_source(make_url(f"sqlite:///{database}")).path == tmp_path / "data" / "records.db.key"
    server = key_source(make_url("postgresql+psycopg://u:secret@db:5432/allyshore")).path
    assert server is not None and server.parent == tmp_path / "config" / "allyshore" / "store-keys"
    assert server.name.startswith("postgresql-db-5432-allyshore-") and "secret" not in server.name
    assert key_source(make_url("sqlite://")).value is not None  # in memory: a key of its own
    monkeypatch.setenv("ALLYSHORE_STORE_KEY", "not a key")
    with pytest.raises(InputError, match=r"\$ALLYSHORE_STORE_KEY: not a store key .*64 hexadecimal"):
        open_store(str(database))
    monkeypatch.setenv("ALLYSHORE_STORE_KEY", "ab" * 32)
    with open_store(str(database)) as store:
        assert (
            save(store).key_id
            == hmac.new(bytes.fromhex("ab" * 32), b"allyshore store key id", "sha256").hexdigest()[:16]
        )
    assert not (tmp_path / "data" / "records.db.key").exists()


def test_one_key_file_for_two_stores_keeps_a_witness_for_each(tmp_path: Path) -> None:
    key_file = tmp_path / "shared.key"
    with open_store(str(tmp_path / "a.db"), key_file=key_file) as first:
        three_records(first)
    with open_store(str(tmp_path / "b.db"), key_file=key_file) as second:
        save(second)
        assert second.verify_records().ok  # record 1 of b is not taken for a truncated a
    with open_store(str(tmp_path / "a.db"), key_file=key_file) as first:
        assert first.verify_records().ok
        as_owner(first, "DELETE FROM determinations WHERE id = 3")
        assert "removed from the end" in first.verify_records().message()


def test_a_store_from_a_newer_allyshore_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    with open_store(str(path)) as store, store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    with pytest.raises(InputError, match=r"cannot open the store at .*9999_future.*upgrade allyshore"):
        open_store(str(path))
