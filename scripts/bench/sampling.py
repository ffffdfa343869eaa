"""Measure one step: run it in a child process forked for it, and sample Label Studio meanwhile.

Memory: the step's peak RSS delta is the high-water mark of the child's resident memory
during the step (VmHWM, reset to the current RSS through /proc/self/clear_refs just before
the step) minus the RSS at the start of the step: it counts everything the client allocates,
Python objects, Arrow buffers and the C heap alike, and not the input it was handed (the
articles list is the input by design). Steps whose work is all on the server (the
downloads) show the client side only.

CPU: user + system seconds of the child and of any helper it ran, and of Label Studio's
process group during the step; Label Studio's peak RSS is sampled every second.
"""

from __future__ import annotations

import multiprocessing
import re
import resource
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

from scripts.bench.server import Server

T = TypeVar("T")


@dataclass
class Measure(Generic[T]):
    """What one step took, and what it returned."""

    wall: float
    peak_delta_mib: float
    peak_mib: float
    result: T
    client_cpu: float  # user + system seconds of the child and of any helper it ran
    helpers_peak_mib: float  # the largest peak RSS of the child's own children, if any
    server_cpu: float  # user + system seconds of Label Studio's processes meanwhile
    server_peak_mib: float  # the largest RSS of Label Studio's processes meanwhile, sampled


class StepFailed(RuntimeError):
    """A measured step failed: why, and Label Studio's largest RSS until then."""

    def __init__(self, reason: str, server_peak_mib: float) -> None:
        super().__init__(reason)
        self.reason = reason
        self.server_peak_mib = server_peak_mib


class ServerPeak:
    """Samples Label Studio's RSS every second while a step runs: its peak survives even a
    server the kernel killed for lack of memory."""

    def __init__(self, server: Server) -> None:
        self._server = server
        self.peak = server.rss_mib()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(1.0):
            self.peak = max(self.peak, self._server.rss_mib())

    def __enter__(self) -> ServerPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._server.rss_mib())


def measured(step: Callable[[], T], server: Server) -> Measure[T]:
    """Run `step` in a forked child; its wall time, CPU time, peak RSS delta and result, and
    Label Studio's CPU time and peak RSS meanwhile. Raises `StepFailed` if the step raised
    or the child died."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(step, send))
    server_before = server.cpu_seconds()
    with ServerPeak(server) as server_peak:
        process.start()
        send.close()
        try:
            status, payload = receive.recv()
        except BaseException as stopped:  # the child died, or we were stopped: stop it too
            process.terminate()
            process.join()
            if not isinstance(stopped, EOFError):
                raise
            status, payload = "error", f"the child died (exit code {process.exitcode})"
        process.join()
    if status != "ok":
        raise _failure(str(payload), server, server_peak.peak)
    wall, delta, peak, result, cpu, helpers = payload
    server_cpu = server.cpu_seconds() - server_before
    return Measure(wall, delta, peak, result, cpu, helpers, server_cpu, server_peak.peak)


def _failure(details: str, server: Server, server_peak_mib: float) -> StepFailed:
    """The step's failure in one line (its exception, or the last line of what it said);
    the whole traceback goes to stderr."""
    lines = details.strip().splitlines()
    raised = [line for line in lines if re.match(r"[\w.]+(Error|Exception|Exit)\b", line)]
    last = (raised or lines)[-1][:300]
    if server.gone():
        last += "; Label Studio's process had gone (killed for lack of memory? see dmesg)"
    print(details, file=sys.stderr)
    return StepFailed(last, server_peak_mib)


def _child(step: Callable[[], Any], pipe: Connection) -> None:
    """The forked child: run the step and send back ("ok", figures) or ("error", traceback)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")  # reset the peak RSS to the current RSS
        start_kib = _status_kib("VmRSS")
        began = time.perf_counter()
        result = step()
        wall = time.perf_counter() - began
        peak_kib = _status_kib("VmHWM")
        own, helpers = (
            resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        )
        cpu = own.ru_utime + own.ru_stime + helpers.ru_utime + helpers.ru_stime
        delta = (peak_kib - start_kib) / 1024
        payload = (wall, delta, peak_kib / 1024, result, cpu, helpers.ru_maxrss / 1024)
        pipe.send(("ok", payload))
    except BaseException:
        pipe.send(("error", traceback.format_exc()))
    finally:
        pipe.close()


def _status_kib(field: str) -> int:
    """A field of /proc/self/status in KiB (VmRSS, VmHWM)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")
