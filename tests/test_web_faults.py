"""Faults: ``allyshore serve`` killed with SIGKILL during a run; after a restart the run is failed ("interrupted"),
never left running, and the network uploaded before is whole. A real server process on SQLite, on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from allyshore.store import open_store
from allyshore.store.tenancy import Accounts
from web_fixtures import sample_path

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(data: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    command = [sys.executable, "-m", "allyshore", "serve", "--data-dir", str(data), "--port", str(port)]
    command += ["--key-file", str(data / "store.key"), "--dask-scheduler", "synchronous", "--threads", "1"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.3)
    process.kill()
    process.wait()
    raise AssertionError("the server did not start within 90 s")


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_run_killed_with_the_server_is_failed_after_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with open_store(f"sqlite:///{data / 'allyshore.db'}", key_file=data / "store.key") as store:
        accounts = Accounts(store)
        user = accounts.create_user("ops@a.example", "A", "admin", None)
        _, token = accounts.issue_token(user, name="fault test")
    headers = {"Authorization": f"Bearer {token}"}
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    server = start(data, port)
    try:
        path = sample_path()
        uploaded = httpx.post(f"{base}/networks", headers=headers, files={"file": (path.name, path.read_bytes())})
        assert uploaded.status_code == 201
        network = uploaded.json()
        created = httpx.post(
            f"{base}/networks/{network['id']}/runs",
            headers=headers,
            json={"analysis": "simulate", "options": {"runs": 1_000_000}},  # long enough to be killed running
        )
        assert created.status_code == 202
        run_id = created.json()["id"]
        deadline = time.monotonic() + 60
        state: dict[str, Any] = {}
        while time.monotonic() < deadline:
            state = httpx.get(f"{base}/runs/{run_id}", headers=headers).json()
            if state["status"] != "queued":
                break
            time.sleep(0.2)
        assert state["status"] == "running", state
    finally:
        stop(server, signal.SIGKILL)
    server = start(data, port)
    try:
        after = httpx.get(f"{base}/runs/{run_id}", headers=headers).json()
        assert after["status"] == "failed"
        assert after["error"].startswith("interrupted")
        whole = httpx.get(f"{base}/networks/{network['id']}", headers=headers).json()
        assert whole["summary"] == network["summary"]
        actions = [a["action"] for a in httpx.get(f"{base}/audit", headers=headers).json()]
        assert "run.interrupted" in actions
    finally:
        stop(server)
