"""Running independent chunks of work in this process or on Dask (a LocalCluster or a scheduler address).

Chunks are formed by the caller independently of the number of workers and each
is computed from scratch, so results do not depend on where or in which order
the chunks run.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from allyshore.conventions import Progress
from allyshore.errors import InputError

#: ``map(function, chunks, shared, done)``: ``function(shared, chunk)`` for every chunk, results in chunk order;
#: ``done(i)`` is called as chunk ``i`` finishes.
Mapper = Callable[[Callable[..., Any], list[Any], Any, Callable[[int], None] | None], list[Any]]

SYNCHRONOUS = "synchronous"


def counter(progress: Progress | None, sizes: Sequence[int]) -> Callable[[int], None] | None:
    """The ``done`` callback of a mapper over chunks of these sizes that reports ``progress(done, total)`` in
    steps (the chunks' items) as each chunk finishes (None without ``progress``)."""
    if progress is None:
        return None
    total = sum(sizes)
    finished = 0

    def done(index: int) -> None:
        nonlocal finished
        finished += sizes[index]
        progress(finished, total)

    return done


def _inline(
    function: Callable[..., Any], chunks: list[Any], shared: Any, done: Callable[[int], None] | None = None
) -> list[Any]:
    out = []
    for i, chunk in enumerate(chunks):
        out.append(function(shared, chunk))
        if done is not None:
            done(i)
    return out


@contextmanager
def executor(scheduler: str | None, workers: int | None) -> Iterator[Mapper]:
    """A mapper over chunks: ``"synchronous"`` in this process, else Dask.

    ``scheduler=None`` starts a LocalCluster of ``workers`` processes (default
    2, or 1 on a one-core machine) and closes it afterwards; an address such as
    ``tcp://host:8786`` connects to a running scheduler.

    Raises
    ------
    InputError
        The scheduler cannot be reached.
    """
    if scheduler == SYNCHRONOUS:
        yield _inline
        return
    distributed: Any = importlib.import_module("distributed")
    cluster: Any = None
    client: Any
    if scheduler is None:
        cluster = distributed.LocalCluster(
            n_workers=workers or max(1, min(2, os.cpu_count() or 1)),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = distributed.Client(cluster)
    else:
        try:
            client = distributed.Client(scheduler, timeout=20)
        except OSError as error:
            raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from error

    def run(
        function: Callable[..., Any], chunks: list[Any], shared: Any, done: Callable[[int], None] | None = None
    ) -> list[Any]:
        if not chunks:
            return []
        shared_future = client.scatter(shared, broadcast=True)
        futures = client.map(function, [shared_future] * len(chunks), chunks, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        for future in distributed.as_completed(futures):
            if done is not None:
                done(index[future.key])
        return list(client.gather(futures))

    try:
        yield run
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
