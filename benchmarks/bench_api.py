"""Load on the web API: N concurrent clients reading for D seconds on loopback, against PostgreSQL.

Starts ``allyshore serve`` (PostgreSQL in a schema of its own, the embedded runner forced on) in a subprocess,
uploads the infusion-pump sample, then runs N client threads, each with its own connection, cycling through the
read routes (networks list, one network, one run, its result) for D seconds; prints throughput, latency
percentiles and errors, then the time from submitting an exposure run to its result.

    python benchmarks/bench_api.py --clients 50 --seconds 60      # the issue's figure
    python benchmarks/bench_api.py --clients 10 --seconds 10      # a short pass

Targets (issue 14): p95 < 100 ms on reads, 0 errors, an exposure run on a sample finished < 2 s after submission.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_URL = os.environ.get("ALLYSHORE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT / "src"))
    from allyshore.samples import sample_file
    from allyshore.store import open_store
    from allyshore.store.tenancy import Accounts

    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    schema = f"allyshore_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    folder = Path(tempfile.mkdtemp(prefix="allyshore-bench-"))
    server = None
    try:
        with open_store(url, key_file=folder / "store.key") as store:
            accounts = Accounts(store)
            user = accounts.create_user("bench@a.example", "Bench", "admin", None)
            _, token = accounts.issue_token(user, name="bench")
        port = free_port()
        base = f"http://127.0.0.1:{port}/api/v1"
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        server = subprocess.Popen(
            [sys.executable, "-m", "allyshore", "serve", "--database-url", url, "--port", str(port), "--runner",
             "--threads", "2", "--key-file", str(folder / "store.key")],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        headers = {"Authorization": f"Bearer {token}"}
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        with sample_file("infusion-pump") as path:
            sample = Path(path)
            network = httpx.post(
                f"{base}/networks", headers=headers, files={"file": (sample.name, sample.read_bytes())}
            ).json()

        def run_exposure() -> tuple[str, float]:
            started = time.perf_counter()
            run_id = httpx.post(
                f"{base}/networks/{network['id']}/runs", headers=headers, json={"analysis": "exposure"}
            ).json()["id"]
            while httpx.get(f"{base}/runs/{run_id}", headers=headers).json()["status"] in ("queued", "running"):
                time.sleep(0.02)
            return run_id, time.perf_counter() - started

        run_id, _ = run_exposure()  # warm: the first run imports the analyses
        routes = [
            f"{base}/networks",
            f"{base}/networks/{network['id']}",
            f"{base}/runs/{run_id}",
            f"{base}/runs/{run_id}/result",
        ]
        latencies: list[float] = []
        errors = [0]
        lock = threading.Lock()
        stop_at = time.monotonic() + args.seconds

        def client(index: int) -> None:
            mine: list[float] = []
            failed = 0
            with httpx.Client(headers=headers, timeout=30) as session:
                turn = index
                while time.monotonic() < stop_at:
                    started = time.perf_counter()
                    try:
                        ok = session.get(routes[turn % len(routes)]).status_code == 200
                    except httpx.HTTPError:
                        ok = False
                    mine.append(time.perf_counter() - started)
                    failed += not ok
                    turn += 1
            with lock:
                latencies.extend(mine)
                errors[0] += failed

        load = os.getloadavg()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - began
        _, exposure_seconds = run_exposure()
        ms = [v * 1000 for v in latencies]
        print(f"| {args.clients} | {args.seconds:.0f} | {len(ms) / elapsed:,.0f} | {statistics.median(ms):.1f} | "
              f"{percentile(ms, 0.95):.1f} | {percentile(ms, 0.99):.1f} | {errors[0]} | {exposure_seconds:.2f} |")
        print(f"requests {len(ms)}; load average at start {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}; "
              f"at end {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(30)
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
