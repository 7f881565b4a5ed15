#!/usr/bin/env python
"""Cold start of `khabar extract` on one article, and what dominates it.

    python benchmarks/cold_start.py [--runs 5] [--top 15]

Printed (medians of `--runs` whole processes, alternating; timings are noisy, compare the ratios):
* wall time of `khabar extract ONE.jsonl` against a bare interpreter and against `python -c "import hazm"`;
* the same process split in phases, timed inside it: imports (`streams.processing`), building the pipeline
  (gazetteer, NER and tagger models), the first article, a second article (warm);
* `python -X importtime`: the top-level packages by cumulative import time, and the slowest single modules.
The article is the first Fars News text ($KHABAR_SHARED/corpora/fars-news).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stream_throughput import REPO, load_articles  # noqa: E402

PHASES = """
import sys, time, json
t0 = time.perf_counter()
from streams.processing import process
from streams.core.pipeline import default_pipeline
t1 = time.perf_counter()
default_pipeline()
t2 = time.perf_counter()
line = open(sys.argv[1], "rb").readline()
process(line)
t3 = time.perf_counter()
process(line.replace(b'"id": "', b'"id": "again-'))
t4 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "pipeline (models)": t2 - t1, "first article": t3 - t2,
                  "second article": t4 - t3}))
"""


def timed(cmd: list[str], env: dict) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def import_profile(cmd: list[str], env: dict) -> list[tuple[str, int, int]]:
    """(module, self us, cumulative us) from -X importtime."""
    err = subprocess.run([sys.executable, "-X", "importtime", *cmd], env=env, check=True, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True).stderr
    rows = []
    for line in err.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", line)
        if m:
            rows.append((m.group(4), int(m.group(1)), int(m.group(2)), len(m.group(3))))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as fh:
        fh.write(json.dumps(load_articles(1, 1)[0], ensure_ascii=False) + "\n")
        path = fh.name
    commands = {"khabar extract": [sys.executable, "-m", "streams.cli", "extract", path],
                "python -c 'import hazm'": [sys.executable, "-c", "import hazm"],
                "bare python": [sys.executable, "-c", "pass"]}
    try:
        walls: dict[str, list[float]] = {k: [] for k in commands}
        phases: list[dict] = []
        for _ in range(args.runs):
            for name, cmd in commands.items():
                walls[name].append(timed(cmd, env))
            out = subprocess.run([sys.executable, "-c", PHASES, path], env=env, check=True, capture_output=True,
                                 text=True).stdout
            phases.append(json.loads(out.strip().splitlines()[-1]))
        rows = import_profile(["-m", "streams.cli", "extract", path], env)
    finally:
        os.unlink(path)
    wall = {k: statistics.median(v) for k, v in walls.items()}
    print(f"cold start, whole process on one article (median of {args.runs}):")
    for name, seconds in wall.items():
        print(f"  {name:<26} {seconds:6.2f} s  x{seconds / wall['bare python']:5.1f} of bare python")
    print("\nphases inside one process (medians):")
    total = 0.0
    for name in phases[0]:
        seconds = statistics.median(p[name] for p in phases)
        total += seconds if name != "second article" else 0
        print(f"  {name:<26} {seconds:6.3f} s")
    print(f"  {'(imports + models + first)':<26} {total:6.3f} s")

    top_level: dict[str, int] = {}
    for module, _self, cumulative, depth in rows:
        if depth == 0:  # imported directly by the interpreter or the entry module
            package = module.split(".")[0]
            top_level[package] = top_level.get(package, 0) + cumulative
    imported = sum(top_level.values())
    print(f"\n-X importtime: {imported / 1e6:.2f} s of imports; top-level packages by cumulative time:")
    for package, us in sorted(top_level.items(), key=lambda kv: -kv[1])[:args.top]:
        print(f"  {package:<26} {us / 1e6:6.3f} s  {us / imported:5.1%}")
    print("slowest modules by own time:")
    for module, own, _cum, _depth in sorted(rows, key=lambda r: -r[1])[:args.top]:
        print(f"  {module:<50} {own / 1e6:6.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
