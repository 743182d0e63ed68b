"""The worker pool: chunks of problems → Chunks of records, in stream order, in this process
or in N worker processes, with at most 2 chunks per worker in flight (memory does not grow
with the dataset). Chunks are cut at fixed positions and handed back in order, so any number
of workers writes the same bytes.
"""
from __future__ import annotations

import itertools
import multiprocessing
import queue
import signal
from typing import Iterable, Iterator

from .records import Chunk, RecordMaker
from .settings import CompileError, Settings
from .stream import Problem

CHUNK = 64  # problems per unit of work: big enough to amortise the pickling, small enough to stream


def _serve(args, tasks, results):
    """A worker process: (index, problems) from `tasks` → (index, Chunk or error) to `results`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    maker = RecordMaker(*args)
    while (task := tasks.get()) is not None:
        index, problems = task
        try:
            results.put((index, maker.chunk(problems)))
        except Exception as e:  # the parent re-raises it
            results.put((index, e))


class Workers:
    """Chunks of problems → Chunks, in order. One worker runs in this process; N run as
    processes with at most 2N chunks in flight, so memory does not grow with the dataset.
    Plain processes rather than multiprocessing.Pool: on Ctrl-C they are killed outright,
    where a Pool's shutdown can deadlock on its queues or respawn the workers it lost."""

    def __init__(self, count: int, specs: list[str], s: Settings):
        self.count, self.args = count, (specs, s.mode, s.stage, s.with_callees, s.kinds, s.distinct, s.from_text)
        self.processes: list = []

    def __enter__(self):
        if self.count > 1:  # started before the progress bar's thread: fork copies no running thread
            context = multiprocessing.get_context("fork")
            self.tasks, self.results = context.Queue(), context.Queue()
            self.processes = [context.Process(target=_serve, args=(self.args, self.tasks, self.results),
                                              daemon=True) for _ in range(self.count)]
            for process in self.processes:
                process.start()
        return self

    def __exit__(self, *exc):
        if not self.processes:
            return
        if exc[0] is None:
            for _ in self.processes:
                self.tasks.put(None)
            for process in self.processes:
                process.join()
        else:
            for process in self.processes:
                process.kill()
            self.tasks.cancel_join_thread()  # unsent tasks must not hold up the exit

    def map(self, chunks: Iterable[list[Problem]]) -> Iterator[Chunk]:
        if not self.processes:
            maker = RecordMaker(*self.args)
            yield from map(maker.chunk, chunks)
            return
        done: dict[int, Chunk] = {}
        sent = received = 0
        for chunk in chunks:
            self.tasks.put((sent, chunk))
            sent += 1
            while sent - received >= 2 * self.count:
                yield self._next(done, received)
                received += 1
        while received < sent:
            yield self._next(done, received)
            received += 1

    def _next(self, done: dict, index: int) -> Chunk:
        while index not in done:
            try:
                i, result = self.results.get(timeout=1)
            except queue.Empty:
                if not all(p.is_alive() for p in self.processes):  # killed, out of memory, …
                    raise CompileError("a worker process died; rerun, or use --workers 1") from None
                continue
            if isinstance(result, Exception):
                raise result
            done[i] = result
        return done.pop(index)


def batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
