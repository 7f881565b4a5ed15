#!/usr/bin/env python
"""Co-occurrence state vs history: the 1,500 Fars News articles replayed across simulated months.

    python benchmarks/cooccurrence_memory.py [--months 2 4 8 16] [--limit 1500] [--days-per-cycle 60]

Each article is enriched once (the real pipeline), then the corpus is replayed as a stream in event-time
order: one cycle spreads all articles over ``--days-per-cycle`` simulated days (longer than the retention,
so a replayed story is a new article, not a near-duplicate), cycles follow each other under new ids until
the run covers N months.  Every run uses the same functions as the worker (``streams.cooccurrence``:
dedup + MinHash index, event-time buckets, running totals, bucket expiry by event time).

Printed per run, with ratios against the first (baseline) run in the same process (no wall-clock
numbers are asserted):
* history: articles and pair records processed;
* live state: event-time buckets of pairs and actors, the seen-set, the applied-batch set;
* running totals: one entry per distinct pair/actor ever seen (grows with distinct pairs, not with
  articles; with a replayed corpus it saturates after the first cycle);
* traced memory (tracemalloc) of all of it, in MiB.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from streams.config import ENRICHED  # noqa: E402
from streams.cooccurrence import DAY, Features, OfflineCooccurrence, WindowConfig, article_features  # noqa: E402


def shared_dir() -> Path:
    return Path(os.environ.get("KHABAR_SHARED") or REPO.parent / "shared")


def load_features(limit: int, cfg: WindowConfig) -> list[Features]:
    from streams.processing import process

    articles = []
    for n in range(1, 6):
        path = shared_dir() / "corpora" / "fars-news" / f"fars-news-{n}.json"
        for i, a in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            body = "\n".join([a.get("abstract") or ""] + list(a.get("paragraphs") or [])).strip()
            if body:
                articles.append({"id": f"fars-{n}-{i:03d}", "source": "farsnews", "url": a.get("link"),
                                 "published_at": None, "title": a.get("title"), "body": body})
    articles = articles[:limit]
    features = []
    start = time.perf_counter()
    for k, article in enumerate(articles, 1):
        record = next((o.value for o in process(article) if o.topic == ENRICHED), None)
        if record is not None:
            features.append(article_features(record, cfg))
        if k % 250 == 0:
            print(f"  enriched {k}/{len(articles)} ({time.perf_counter() - start:.0f} s)", file=sys.stderr)
    return features


def replay(features: list[Features], months: int, days_per_cycle: float, cfg: WindowConfig) -> dict:
    span = months * 30 * DAY
    per_cycle = len(features)
    gap = days_per_cycle * DAY / per_cycle
    t0 = 1_600_000_000.0 // DAY * DAY
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    off = OfflineCooccurrence(cfg=cfg)
    n, cycle = 0, 0
    peak_buckets = 0
    while True:
        for k, f in enumerate(features):
            t = t0 + cycle * days_per_cycle * DAY + k * gap
            if t - t0 >= span:
                break
            off.add({}, Features(f"{f.article_id}-c{cycle}", t, f.actors, f.pairs, f.signature))
            n += 1
            if n % 500 == 0:
                peak_buckets = max(peak_buckets, bucket_count(off))
        else:
            cycle += 1
            continue
        break
    off.dedup.prune()
    off.agg.expire_applied(off.dedup.horizon)
    state = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return {"months": months, "articles": n, "counted": off.stats["counted"], "pair_records": off.stats["pairs"],
            "near_dup": off.stats["near_duplicate"], "late": off.stats["late"],
            "buckets": bucket_count(off), "peak_buckets": peak_buckets,
            "seen": len(off.dedup.seen), "applied": len(off.agg.applied),
            "pairs": len(off.agg.pairs), "actors": len(off.agg.actors), "state_mib": state / 2**20}


def bucket_count(off: OfflineCooccurrence) -> int:
    """Live event-time buckets of pairs and actors (what the windows are answered from)."""
    return sum(len(v["buckets"]) for v in off.agg.pairs.values()) + \
        sum(len(v["buckets"]) for v in off.agg.actors.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--months", type=int, nargs="+", default=[2, 4, 8, 16])
    parser.add_argument("--limit", type=int, default=1500)
    parser.add_argument("--days-per-cycle", type=float, default=60.0)
    parser.add_argument("--json", action="store_true", help="print the rows as JSON too")
    args = parser.parse_args()
    cfg = WindowConfig()
    print(f"windows: {cfg.window_name} hopping every {cfg.step / DAY:g} d, kept {cfg.retention / DAY:g} d; "
          f"corpus cycle {args.days_per_cycle:g} d", file=sys.stderr)
    features = load_features(args.limit, cfg)
    print(f"{len(features)} articles enriched; replaying", file=sys.stderr)
    rows = [replay(features, m, args.days_per_cycle, cfg) for m in args.months]
    b = rows[0]
    header = (f"{'months':>6} {'articles':>8} {'x':>5} {'pair recs':>9} {'x':>5} | {'buckets':>8} {'x':>5} "
              f"{'seen':>5} {'applied':>7} | {'pairs':>7} {'actors':>6} | {'MiB':>6} {'x':>5}")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['months']:>6} {r['articles']:>8} {r['articles'] / b['articles']:>5.2f} {r['pair_records']:>9} "
              f"{r['pair_records'] / b['pair_records']:>5.2f} | {r['buckets']:>8} {r['buckets'] / b['buckets']:>5.2f} "
              f"{r['seen']:>5} {r['applied']:>7} | {r['pairs']:>7} {r['actors']:>6} | {r['state_mib']:>6.1f} "
              f"{r['state_mib'] / b['state_mib']:>5.2f}")
    print("x = ratio to the first run (same process). History grows with months; live buckets, the seen-set and "
          "the applied set stay at what the retention holds; pairs and actors (running totals) grow with the "
          "distinct pairs, not with articles.")
    if args.json:
        print(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
