"""Faults: ``allyshore serve`` killed with SIGKILL during a run and during an upload; after a restart the run is
failed ("interrupted"), never left running, the network uploaded before is whole, and the killed upload left
nothing: no network row, no audit row, no file. A real server process on SQLite, on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
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


def start(data: Path, port: int, tmp: Path | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    if tmp is not None:  # the server's temporary folder, to see what it leaves there
        env["TMPDIR"] = str(tmp)
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


def make_user(data: Path) -> dict[str, str]:
    data.mkdir()
    with open_store(f"sqlite:///{data / 'allyshore.db'}", key_file=data / "store.key") as store:
        accounts = Accounts(store)
        user = accounts.create_user("ops@a.example", "A", "admin", None)
        _, token = accounts.issue_token(user, name="fault test")
    return {"Authorization": f"Bearer {token}"}


def test_a_run_killed_with_the_server_is_failed_after_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    headers = make_user(data)
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


def slow_multipart(boundary: str, size: int, sent: threading.Event) -> tuple[Iterator[bytes], int]:
    """A multipart body of one ``file`` field of ``size`` bytes (a JSON network's start, then padding), streamed
    in 64 kB pieces 20 ms apart (about 3 MB a second); ``sent`` is set once 1 MB is out."""
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.json"\r\n'
        "Content-Type: application/json\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def pieces() -> Iterator[bytes]:
        yield head
        out = 0
        while out < size:
            piece = b" " * min(64 * 1024, size - out)
            out += len(piece)
            if out >= 1024 * 1024:
                sent.set()
            yield piece
            time.sleep(0.02)
        yield tail

    return pieces(), len(head) + size + len(tail)


def test_an_upload_killed_with_the_server_leaves_nothing(tmp_path: Path) -> None:
    data, tmp = tmp_path / "data", tmp_path / "tmp"
    headers = make_user(data)
    tmp.mkdir()
    # what a server killed while it read an upload leaves (its folder), and a live process's folder
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan = tmp / f"allyshore-upload-{int(dead.stdout)}-x1y2"
    orphan.mkdir()
    (orphan / "upload.json").write_text("{}")
    live = tmp / f"allyshore-upload-{os.getpid()}-x3y4"
    live.mkdir()
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    server = start(data, port, tmp)
    assert not orphan.exists() and live.exists()  # swept on start: the dead process's folder only
    live.rmdir()
    sent = threading.Event()
    answer: list[Any] = []
    body, length = slow_multipart("b0undary", 20 * 1024 * 1024, sent)

    def upload() -> None:
        try:
            answer.append(
                httpx.post(
                    f"{base}/networks",
                    headers={**headers, "Content-Type": "multipart/form-data; boundary=b0undary",
                             "Content-Length": str(length)},
                    content=body,
                    timeout=60,
                )
            )  # fmt: skip
        except httpx.HTTPError as exc:
            answer.append(exc)

    sender = threading.Thread(target=upload)
    try:
        sender.start()
        assert sent.wait(60), "the upload did not start"
        spooled = list(tmp.iterdir())  # the body is being spooled by the server meanwhile
    finally:
        stop(server, signal.SIGKILL)
        sender.join(60)
    assert isinstance(answer[0], httpx.HTTPError)  # the connection died with the server: no answer
    server = start(data, port, tmp)
    try:
        assert httpx.get(f"{base}/networks", headers=headers).json() == []
        actions = [a["action"] for a in httpx.get(f"{base}/audit", headers=headers).json()]
        assert "network.create" not in actions
    finally:
        stop(server)
    assert sorted(p.name for p in tmp.iterdir()) == [], (spooled, list(tmp.iterdir()))
    left = {p.name for p in data.iterdir()}
    assert left <= {"allyshore.db", "allyshore.db-journal", "allyshore.db-wal", "store.key", "store.key.witness"}, left
