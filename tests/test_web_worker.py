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
