#!/usr/bin/env python
"""`khabar worker` under tracemalloc, for `stream_throughput.py --trace-memory`: when the file
$KHABAR_TRACE_OUT.request appears, it writes the live Python allocations grouped by source line (top 40)
and their total to $KHABAR_TRACE_OUT, and from the second dump on what grew since the previous one (by
allocation site and its callers); a file, not a signal: Faust's worker owns SIGUSR1 and SIGUSR2.

    KHABAR_TRACE_OUT=/tmp/trace.txt python benchmarks/traced_worker.py      # same environment as khabar worker

With KHABAR_TRACE_EVERY=SECONDS it also dumps every that many seconds, each to $KHABAR_TRACE_OUT.<n> (what
is alive while the tables are being filled, not only at the end).  A dump holds the GIL for seconds once the
heap is large (tens of seconds on a loaded machine): every 30 s stalled a 10,000-article run; a few requested
dumps (touch the .request file when the RSS passes a mark, copy the output) disturb it less.

tracemalloc slows the worker down and counts only Python allocations (not C libraries' own, nor malloc's
free-but-unreturned pages): read its totals against the RSS of an untraced run.
"""
from __future__ import annotations

import gc
import linecache
import os
import sys
import threading
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


FRAMES = 4
_previous: list = []


def _rss() -> str:
    return next((line.replace("\t", " ") for line in Path("/proc/self/status").read_text().splitlines()
                 if line.startswith("VmRSS:")), "")


def dump(out: Path) -> None:
    before = tracemalloc.get_traced_memory()[0]
    unreachable = gc.collect()  # garbage in reference cycles waits for a full collection: count it apart
    freed = before - tracemalloc.get_traced_memory()[0]
    snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__),
                                                          tracemalloc.Filter(False, linecache.__file__)])
    stats = snapshot.statistics("lineno")
    total = sum(s.size for s in stats)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    lines = [f"traced Python memory: {total / 2**20:.1f} MiB in {sum(s.count for s in stats)} blocks, after a full "
             f"garbage collection that found {unreachable} unreachable objects and freed {freed / 2**20:.1f} MiB; "
             f"peak since the previous dump {peak / 2**20:.1f} MiB; {_rss()}"]
    for s in stats[:40]:
        frame = s.traceback[0]
        lines.append(f"{s.size / 2**20:8.1f} MiB {s.count:>9} blocks  {frame.filename}:{frame.lineno}")
    if _previous:  # what grew since the last dump, by allocation site and its callers
        lines.append(f"\ngrowth since the previous dump (top 15, {FRAMES} frames each):")
        for d in snapshot.compare_to(_previous[-1], "traceback")[:15]:
            lines.append(f"{d.size_diff / 2**20:+8.1f} MiB {d.count_diff:+9} blocks")
            lines += [f"      {f.filename}:{f.lineno}" for f in d.traceback]
    _previous[:] = [snapshot]
    partial = out.with_suffix(".partial")
    partial.write_text("\n".join(lines) + "\n")
    partial.rename(out)


def watch() -> None:
    out = Path(os.environ["KHABAR_TRACE_OUT"])
    request = Path(f"{out}.request")
    every = float(os.environ.get("KHABAR_TRACE_EVERY") or 0)
    due, n = time.monotonic() + every, 0
    while True:
        if request.exists():
            request.unlink()
            dump(out)
        if every and time.monotonic() >= due:
            n += 1
            dump(Path(f"{out}.{n}"))
            due = time.monotonic() + every
        time.sleep(0.5)


if __name__ == "__main__":
    tracemalloc.start(FRAMES)
    threading.Thread(target=watch, daemon=True, name="tracemalloc-dump").start()
    from streams.cli import main

    sys.exit(main(["worker"]))
