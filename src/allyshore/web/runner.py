"""The job runner: worker threads that claim queued runs from the store, run them and record the outcome.

The same loop serves both deployments: the embedded runner of ``allyshore serve`` (threads in the web process,
on SQLite or PostgreSQL) and ``allyshore worker`` (a process of its own beside a PostgreSQL server). Runs are
claimed atomically from the ``runs`` table (:meth:`allyshore.store.tenancy.RunQueue.claim`: ``SELECT ... FOR
UPDATE SKIP LOCKED`` on PostgreSQL, the database write lock on SQLite), so several workers never take the same
run. A claimed run is its worker's for a lease (:data:`allyshore.store.tenancy.LEASE`) that a heartbeat thread
renews while the process lives; on start, and at every heartbeat, a runner marks as failed ("interrupted") the
runs left ``running`` by a dead process of its own host and the runs of any host whose lease ran out.

Progress goes through the analyses' one convention, ``progress(done, total)``
(:data:`allyshore.conventions.Progress`); each report records ``done / total`` and checks for a cancellation,
which stops the analysis at its next report (an analysis without progress reports stops when it finishes,
its result discarded).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from allyshore.errors import AllyshoreError
from allyshore.store import Store
from allyshore.store.tenancy import LEASE, ClaimedRun, RunQueue
from allyshore.web.processes import pid_alive

log = logging.getLogger("allyshore.web.runner")


#: The longest a runner waits between two looks at an empty queue (a run queued through another process, a
#: worker's, waits at most this long to start).
IDLE_POLL = 1.0


class Cancelled(Exception):
    """The run's cancellation was asked for."""


def worker_name(kind: str = "embedded") -> str:
    """This process's name on the queue: host, process id and kind."""
    return f"{socket.gethostname()}:{os.getpid()}:{kind}"


def execute(queue: RunQueue, claimed: ClaimedRun, server: Mapping[str, Any] | None = None) -> str:
    """Run one claimed run to its end and record it; the status it ended with."""
    from allyshore.catalog import run_analysis
    from allyshore.web.reports import render_run_report
    from allyshore.web.uploads import network_from_json

    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if total <= 0 or (now - last[0] < 0.2 and done < total):  # at most five writes a second
            return
        last[0] = now
        if queue.report(claimed.id, done / total, f"{done} of {total} steps"):
            raise Cancelled

    try:
        if queue.report(claimed.id, 0.0, "reading the network"):
            raise Cancelled
        network = network_from_json(claimed.network_json, claimed.network_name)
        queue.report(claimed.id, 0.0, "running")
        result = run_analysis(claimed.analysis, network, claimed.options, progress=progress, server=server)
        if queue.report(claimed.id, 1.0, "writing the result"):
            raise Cancelled
        try:
            report = render_run_report(claimed.analysis, network, result)
        except AllyshoreError as exc:  # a section the result cannot draw: the run still succeeded
            log.warning("run %s: no report section: %s", claimed.id, exc)
            report = None
        queue.finish(claimed.id, "succeeded", result_json=result.to_json(), report_html=report)
        return "succeeded"
    except Cancelled:
        queue.finish(claimed.id, "cancelled")
        return "cancelled"
    except AllyshoreError as exc:
        queue.finish(claimed.id, "failed", error=str(exc))
        return "failed"
    except Exception as exc:  # a defect: the run fails, the worker goes on
        log.exception("run %s failed", claimed.id)
        queue.finish(claimed.id, "failed", error=f"internal error ({type(exc).__name__})")
        return "failed"


def _process_alive(worker: str) -> bool:
    """Whether the process of a worker named by :func:`worker_name` (on this host) still runs."""
    parts = worker.split(":")
    if len(parts) < 2 or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False  # this process is starting: a run under its own id is from an earlier life of the id
    return pid_alive(pid)


#: What a first run imports (the analyses, the network reader, the report's builders): loaded when a runner starts,
#: so that the first run of each server process does not wait for them.
WARM_MODULES = (
    "allyshore.catalog",
    "allyshore.exposure",
    "allyshore.io",
    "allyshore.model.validate",
    "allyshore.report",
    "allyshore.report.sections",
    "allyshore.trust",
    "allyshore.web.reports",
)


def _load_analyses() -> None:
    import importlib

    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # a module that cannot load fails its runs, with their error, not the runner
            log.exception("loading %s failed", name)


class Runner:
    """``threads`` worker threads polling the queue every ``poll`` seconds until :meth:`stop`."""

    def __init__(
        self,
        store: Store,
        *,
        threads: int = 2,
        poll: float = 0.25,
        kind: str = "embedded",
        server: Mapping[str, Any] | None = None,
        lease: float = LEASE.total_seconds(),
    ) -> None:
        self.queue = RunQueue(store)
        self.threads = threads
        self.poll = poll
        self.lease = timedelta(seconds=lease)
        self.name = worker_name(kind)
        self.server = dict(server or {})
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._workers: list[threading.Thread] = []

    def recover(self, *, everything: bool = False) -> int:
        """Mark runs left running by a crash as failed ("interrupted"): every one (``everything``: only when no
        other runner can be alive on the database), else those of this host's workers whose process is gone (at
        once) and those of any host whose lease ran out (their worker stopped renewing it)."""
        if everything:
            return self.queue.recover_interrupted()
        here = self.queue.recover_interrupted(f"{socket.gethostname()}:", alive=_process_alive)
        return here + self.queue.recover_interrupted(lease_expired=True)

    def heartbeat(self) -> int:
        """Renew the lease of this runner's running runs, then recover the runs whose lease ran out; how many
        runs it renewed."""
        renewed = self.queue.renew(f"{self.name}:", self.lease)
        recovered = self.queue.recover_interrupted(lease_expired=True)
        if recovered:
            log.warning("%d run(s) whose worker stopped renewing its lease marked failed (interrupted)", recovered)
        return renewed

    def start(self) -> None:
        for index in range(self.threads):
            thread = threading.Thread(target=self._loop, args=(index,), name=f"allyshore-run-{index}", daemon=True)
            thread.start()
            self._workers.append(thread)
        beat = threading.Thread(target=self._beat, name="allyshore-run-heartbeat", daemon=True)
        beat.start()
        self._workers.append(beat)
        threading.Thread(target=_load_analyses, name="allyshore-run-warm", daemon=True).start()

    def _beat(self) -> None:
        """Every quarter of the lease: :meth:`heartbeat` (a run is lost only when its process is)."""
        while not self._stop.wait(self.lease.total_seconds() / 4):
            try:
                self.heartbeat()
            except Exception:  # the database is away for a moment: the next beat tries again
                log.exception("renewing the runs' leases failed")

    def wake(self) -> None:
        """A run was queued: look now rather than at the next poll."""
        self._wake.set()

    def run_pending(self) -> int:
        """Run queued runs in this thread until none is left; how many (for tests and one-shot workers)."""
        count = 0
        while (claimed := self.queue.claim(f"{self.name}:inline", self.lease)) is not None:
            execute(self.queue, claimed, self.server)
            count += 1
        return count

    def _loop(self, index: int) -> None:
        """Claim and run; while the queue stays empty, look half as often each time, down to once every
        :data:`IDLE_POLL` seconds (a run queued through this process wakes it at once)."""
        wait = self.poll
        while not self._stop.is_set():
            try:
                claimed = self.queue.claim(f"{self.name}:{index}", self.lease)
            except Exception:  # the database is away for a moment: try again later
                log.exception("claiming a run failed")
                claimed = None
            if claimed is None:
                woken = self._wake.wait(wait)
                self._wake.clear()
                wait = self.poll if woken else min(2 * wait, max(IDLE_POLL, self.poll))
                continue
            wait = self.poll
            execute(self.queue, claimed, self.server)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._workers:
            thread.join(timeout)
        self._workers.clear()
