"""The worker returns the C heap's free memory to the system (streams.stream.app.malloc_trim)."""
from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from streams.stream.app import malloc_trim

CHECK = """
from streams.stream.app import malloc_trim

def rss():
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmRSS")).split()[1]) // 1024

blocks = [bytes(1024) for _ in range(100_000)]  # ~100 MiB in glibc malloc (larger than pymalloc's 512 bytes)
del blocks[:-1]  # the newest one stays: the top of the heap is in use, so free() alone cannot shrink it
before = rss()
malloc_trim()()
print(before, rss())
"""


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_freed_heap_memory_goes_back_to_the_system():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True, timeout=60)
    before, after = map(int, out.stdout.split())
    assert before - after > 60, (before, after)  # MiB: most of the freed 100 MiB


def test_no_trim_without_glibc(monkeypatch):
    class NoTrim:  # e.g. musl: no malloc_trim symbol
        pass

    monkeypatch.setattr("streams.stream.app.ctypes.CDLL", lambda name: NoTrim())
    assert malloc_trim() is None
