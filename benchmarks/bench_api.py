"""Load on the web API: N concurrent clients reading for D seconds on loopback, against PostgreSQL.

Starts ``allyshore serve --workers W`` (PostgreSQL in a schema of its own, the embedded runner forced on) in a subprocess,
uploads the infusion-pump sample, then runs N client threads, each with its own connection, cycling through the
read routes (networks list, one network, one run, its result) for D seconds; prints throughput, latency
percentiles and errors, then the time from submitting an exposure run to its result.

    python benchmarks/bench_api.py --clients 50 --seconds 60      # the issue's figure (2 server processes)
    python benchmarks/bench_api.py --clients 10 --seconds 10      # a short pass

Targets (issue 14): p95 < 100 ms on reads, 0 errors, an exposure run on a sample finished < 2 s after submission.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
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


def server_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` and its children (uvicorn's workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def client_process(
    indexes: list[int], routes: list[str], headers: dict[str, str], seconds: float
) -> tuple[list[float], int]:
    """Clients ``indexes`` (one connection each) on one event loop of this process, cycling through ``routes``
    for ``seconds``: every request's latency (s) and how many failed. Several such processes make the load, so
    that the load generator itself (one Python thread per process) does not set the latency it measures."""
    import asyncio

    async def one(index: int, stop_at: float) -> tuple[list[float], int]:
        mine: list[float] = []
        failed = 0
        async with httpx.AsyncClient(headers=headers, timeout=30) as session:
            turn = index
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                try:
                    ok = (await session.get(routes[turn % len(routes)])).status_code == 200
                except httpx.HTTPError:
                    ok = False
                mine.append(time.perf_counter() - started)
                failed += not ok
                turn += 1
        return mine, failed

    async def every() -> list[tuple[list[float], int]]:
        stop_at = time.monotonic() + seconds
        return await asyncio.gather(*(one(i, stop_at) for i in indexes))

    done = asyncio.run(every())
    return [v for part, _ in done for v in part], sum(failed for _, failed in done)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2, help="server processes (allyshore serve --workers)")
    parser.add_argument("--client-processes", type=int, default=2, help="processes the clients are spread over")
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
             "--threads", "2", "--key-file", str(folder / "store.key")]
            + (["--workers", str(args.workers)] if args.workers != 1 else []),
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
        load = os.getloadavg()
        cpu_before = server_cpu_seconds(server.pid)
        shares = [range(i, args.clients, args.client_processes) for i in range(args.client_processes)]
        began = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(args.client_processes) as pool:
            parts = pool.starmap(
                client_process, [(list(share), routes, headers, args.seconds) for share in shares if len(share)]
            )
        elapsed = time.perf_counter() - began
        cpu_used = server_cpu_seconds(server.pid) - cpu_before
        latencies = [v for part, _ in parts for v in part]
        errors = [sum(failed for _, failed in parts)]
        _, exposure_seconds = run_exposure()
        ms = [v * 1000 for v in latencies]
        print(
            f"| {args.workers} | {args.clients} | {args.seconds:.0f} | {len(ms) / elapsed:,.0f} | {statistics.median(ms):.1f} | "
            f"{percentile(ms, 0.95):.1f} | {percentile(ms, 0.99):.1f} | {errors[0]} | {exposure_seconds:.2f} | "
            f"{1000 * cpu_used / max(len(ms), 1):.2f} |"
        )
        print(
            f"requests {len(ms)}; load average at start {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}; "
            f"at end {', '.join(f'{v:.2f}' for v in os.getloadavg())}"
        )
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(30)
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
