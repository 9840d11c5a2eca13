"""The job queue: ``allyshore worker --once`` runs queued runs; concurrent workers never take the same run
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the write lock on SQLite); ``allyshore db upgrade`` migrates."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from allyshore.cli import main
from allyshore.store.tenancy import RunQueue
from web_fixtures import Platform


def queue_runs(platform: Platform, count: int, analysis: str = "exposure") -> list[str]:
    org = platform.a
    return [
        platform.client.post(
            f"/api/v1/networks/{org.network_id}/runs", headers=org.auth("analyst"), json={"analysis": analysis}
        ).json()["id"]
        for _ in range(count)
    ]


def drain(platform: Platform) -> None:
    """Cancel the runs other tests left queued (without running them), so that a test sees only its own."""
    queue = RunQueue(platform.store)
    while (claimed := queue.claim("drain")) is not None:
        queue.finish(claimed.id, "cancelled")


def test_concurrent_claims_never_take_the_same_run(platform: Platform) -> None:
    drain(platform)
    ids = queue_runs(platform, 12, "origin")
    queue = RunQueue(platform.store)
    taken: list[str] = []
    lock = threading.Lock()

    def claim_all(name: str) -> None:
        while (claimed := queue.claim(name)) is not None:
            with lock:
                taken.append(claimed.id)

    workers = [threading.Thread(target=claim_all, args=(f"w{i}",)) for i in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert sorted(taken) == sorted(ids)  # each exactly once
    assert queue.recover_interrupted() == len(ids)  # leave no run 'running' behind


def test_worker_once_runs_the_queued_runs(
    platform: Platform, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    drain(platform)
    (run_id,) = queue_runs(platform, 1)
    with pytest.raises(SystemExit) as done:
        main(["worker", "--once", "--database-url", platform.url, "--key-file", str(tmp_path / "k")])
    assert done.value.code == 0
    assert "1 run(s) done" in capsys.readouterr().err
    state = platform.client.get(f"/api/v1/runs/{run_id}", headers=platform.a.auth()).json()
    assert state["status"] == "succeeded"


def test_db_upgrade_is_idempotent(platform: Platform, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for _ in range(2):
        with pytest.raises(SystemExit) as done:
            main(["db", "upgrade", "--database-url", platform.url, "--key-file", str(tmp_path / "k")])
        assert done.value.code == 0
    assert capsys.readouterr().out.count("up to date") == 2


def test_a_worker_recovers_only_the_runs_of_dead_workers_of_its_host(platform: Platform) -> None:
    import os
    import socket
    import subprocess
    import sys

    from allyshore.web.runner import Runner

    drain(platform)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)  # a process that has exited
    host = socket.gethostname()
    live_id, dead_id = queue_runs(platform, 2, "origin")
    queue = RunQueue(platform.store)
    first, second = queue.claim(f"{host}:{os.getppid()}:worker:0"), queue.claim(f"{host}:{dead_pid}:worker:0")
    assert first is not None and second is not None
    assert Runner(platform.store, kind="worker").recover(everything=False) == 1
    status = {r: platform.client.get(f"/api/v1/runs/{r}", headers=platform.a.auth()).json()["status"]
              for r in (live_id, dead_id)}
    assert status == {live_id: "running", dead_id: "failed"}
    assert queue.recover_interrupted() == 1  # leave nothing running


def test_a_run_whose_lease_ran_out_is_taken_over_by_any_worker(platform: Platform) -> None:
    """A worker on another host died with its runs (no process of this host to check): its lease stops being
    renewed, and whichever runner beats next marks its run interrupted; a run whose worker renews it is kept."""
    from datetime import timedelta

    from allyshore.web.runner import Runner

    drain(platform)
    gone_id, kept_id = queue_runs(platform, 2, "origin")
    queue = RunQueue(platform.store)
    assert queue.claim("another-host:4242:worker:0", lease=timedelta(seconds=-1)) is not None  # lease run out
    kept = queue.claim("another-host:4343:worker:0", lease=timedelta(seconds=-1))
    assert kept is not None and kept.id == kept_id
    assert queue.renew("another-host:4343:") == 1  # its worker's heartbeat: leased for another minute
    runner = Runner(platform.store, kind="worker")
    assert runner.heartbeat() == 0  # it runs nothing itself; it takes over the expired run
    status = {r: platform.client.get(f"/api/v1/runs/{r}", headers=platform.a.auth()).json() for r in (gone_id, kept_id)}
    assert status[gone_id]["status"] == "failed" and status[gone_id]["error"].startswith("interrupted")
    assert status[kept_id]["status"] == "running"
    assert runner.recover() == 0  # nothing else to recover: the kept run's lease is live, its host is not this one
    assert queue.recover_interrupted() == 1  # leave nothing running


def test_a_runners_heartbeat_keeps_its_runs_leased() -> None:
    """The heartbeat renews exactly the runs of the runner's own worker names (checked on the store directly)."""
    from datetime import timedelta

    import sqlalchemy as sa

    from allyshore.store import open_store
    from allyshore.store.tenancy import Accounts, TenantStore, runs
    from allyshore.web.runner import Runner

    with open_store("sqlite://") as store:
        user = Accounts(store).create_user("a@a.example", "A", "admin", None)
        tenant = TenantStore(store, user.org_id)
        network = tenant.add_network(name="n", filename="n.json", network_json="{}", summary={}, actor=user)
        run_ids = [tenant.create_run(network.id, "origin", {}, actor=user).id for _ in range(2)]
        runner = Runner(store, kind="worker", lease=120)
        queue = RunQueue(store)
        mine = queue.claim(f"{runner.name}:0", lease=timedelta(seconds=-1))
        other = queue.claim("elsewhere:1:worker:0", lease=timedelta(seconds=-1))
        assert mine is not None and other is not None
        assert runner.heartbeat() == 1
        with store.engine.connect() as connection:
            rows = dict(connection.execute(sa.select(runs.c.id, runs.c.status).where(runs.c.id.in_(run_ids))).all())
        assert rows == {mine.id: "running", other.id: "failed"}
