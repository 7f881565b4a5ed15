#!/usr/bin/env python
"""Latency from produce to enriched at steady input rates: one `khabar worker` (everything on, co-occurrence
included) against the bare aiokafka loop of `stream_throughput.py` (consume -> `streams.processing.process`
-> produce), on the same broker, input and rates.

    KHABAR_BENCH_BROKER=127.0.0.1:9092 python benchmarks/stream_latency.py [--rates 20 50] [--seconds 60]
                                                                         [--partitions 4] [--skip-bare]
                                                                         [--json results/stream-latency.json]

Needs a broker (it starts none).  Per rate and system: a fresh topic prefix; the system is started and
warmed up (20 articles, all enriched) before the measured phase; then Fars News articles (copies under new
ids after the first 1,500 texts) are produced one at a time on a fixed schedule (`rate` per second for
`seconds`) with the producer's record timestamp = the send time (wall clock of this machine), and an
`articles.enriched` consumer in this process notes when each record arrives.  Printed per rate, with the
bare loop's figures from the same run (timings are noisy; nothing is asserted):
* latency = arrival of the enriched record at the reader - send time of its article (p50, p90, p99, max);
  `produced` = the enriched record's own broker timestamp - send time (without the reader's fetch);
* the rate actually produced, records still missing after a 60 s grace, and the CPU seconds the worker
  (with its extraction processes) used per article (from /proc);
* the worker's two hops apart, from record timestamps: input -> its `actors.dedup` message (enrich agent
  and extraction) and `actors.dedup` -> enriched record (the dedup agent).
The worker gets this process's environment, e.g. KHABAR_EXTRACT_PROCESSES=2.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # noqa: E402

import orjson  # noqa: E402
from stream_throughput import (BROKER, bare_loop, cpu_seconds, create_topics, load_articles,  # noqa: E402
                               read_topic, start_worker, stop_worker)
from streams.config import ARTICLES, DEDUP, ENRICHED  # noqa: E402

WARMUP = 20
GRACE = 60.0


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))] if values else float("nan")


async def measure(prefix: str, articles: list[dict], rate: float, hops: bool = False) -> dict:
    """Warm up, then produce `articles` at `rate`/s and time each one until its enriched record is read."""
    consumer = AIOKafkaConsumer(prefix + ENRICHED, bootstrap_servers=BROKER, auto_offset_reset="earliest",
                                group_id=None, enable_auto_commit=False, fetch_max_wait_ms=5,
                                max_partition_fetch_bytes=32 << 20)
    producer = AIOKafkaProducer(bootstrap_servers=BROKER, acks="all", linger_ms=0, max_request_size=16 << 20)
    await consumer.start()
    await producer.start()
    sent: dict[bytes, float] = {}
    arrived: dict[bytes, tuple[float, float]] = {}   # key -> (read at, record timestamp)

    async def read(until) -> None:
        while not until():
            for _tp, messages in (await consumer.getmany(timeout_ms=100)).items():
                now = time.time()
                for m in messages:
                    arrived.setdefault(m.key, (now, m.timestamp / 1000))

    async def send(article: dict) -> None:
        key = article["id"].encode()
        now = time.time()
        sent[key] = now
        await producer.send(prefix + ARTICLES, value=orjson.dumps(article), key=key, timestamp_ms=int(now * 1000))

    try:
        warm = [{**a, "id": f"warmup-{i}"} for i, a in enumerate(articles[:WARMUP])]
        for a in warm:
            await send(a)
        deadline = time.time() + 180
        await read(lambda: all(k in arrived for k in [a["id"].encode() for a in warm]) or time.time() > deadline)
        warm_keys = set(sent)
        sent.clear()

        async def schedule() -> None:
            start = time.time()
            for i, a in enumerate(articles):
                delay = start + i / rate - time.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                await send(a)
            await producer.flush()

        t0 = time.time()
        producing = asyncio.ensure_future(schedule())
        end = [None]

        def done() -> bool:
            if producing.done() and end[0] is None:
                end[0] = time.time()
            return (producing.done() and all(k in arrived for k in sent)) or (
                end[0] is not None and time.time() > end[0] + GRACE)

        await read(done)
        producing.result()
        t_produced = (end[0] or time.time()) - t0
    finally:
        await producer.stop()
        await consumer.stop()
    keys = [k for k in sent if k not in warm_keys]
    latency = [arrived[k][0] - sent[k] for k in keys if k in arrived]
    produced = [arrived[k][1] - sent[k] for k in keys if k in arrived]
    result = {"rate": rate, "articles": len(keys), "produced_per_s": len(keys) / t_produced,
              "missing": sum(1 for k in keys if k not in arrived),
              "latency_s": summary(latency), "record_timestamp_s": summary(produced)}
    if hops:
        decided = {}  # key -> timestamp of its first actors.dedup message
        for m in await read_topic(prefix + DEDUP, idle=3.0):
            decided.setdefault(m.key, m.timestamp / 1000)
        both = [k for k in keys if k in arrived and k in decided]
        result["hops_s"] = {"input_to_dedup": summary([decided[k] - sent[k] for k in both]),
                            "dedup_to_enriched": summary([arrived[k][1] - decided[k] for k in both])}
    return result


def summary(values: list[float]) -> dict:
    return {"p50": percentile(values, 0.5), "p90": percentile(values, 0.9), "p99": percentile(values, 0.99),
            "max": max(values) if values else float("nan"),
            "mean": statistics.fmean(values) if values else float("nan")}


def _bare(prefix: str, n: int, partitions: int) -> None:
    asyncio.run(bare_loop(prefix, n, partitions))


def run_bare(articles: list[dict], rate: float, partitions: int, run: str) -> dict:
    prefix = f"lat-{run}-bare{rate:g}-"
    asyncio.run(create_topics([prefix + t for t in (ARTICLES, ENRICHED)], partitions))
    child = multiprocessing.get_context("spawn").Process(target=_bare, args=(prefix, WARMUP + len(articles),
                                                                            partitions))
    child.start()
    try:
        cpu0 = time.time()
        result = asyncio.run(measure(prefix, articles, rate))
        result["wall_s"] = time.time() - cpu0
    finally:
        child.terminate()
        child.join(30)
    return result


def run_worker(articles: list[dict], rate: float, partitions: int, run: str, log_dir: Path) -> dict:
    prefix = f"lat-{run}-w{rate:g}-"
    asyncio.run(create_topics([prefix + t for t in (ARTICLES, ENRICHED)], partitions))
    proc, _port = start_worker(prefix, partitions, log_dir, name=f"worker-{rate:g}")
    try:
        cpu0 = cpu_seconds(proc.pid)
        result = asyncio.run(measure(prefix, articles, rate, hops=True))
        result["worker_cpu_ms_per_article"] = 1000 * (cpu_seconds(proc.pid) - cpu0) / max(1, result["articles"])
    finally:
        stop_worker(proc)
    return result


def row(name: str, r: dict, base: dict | None) -> str:
    lat, ts = r["latency_s"], r["record_timestamp_s"]
    ratio = f"{lat['p99'] / base['latency_s']['p99']:.1f}" if base else "-"
    cpu = f"{r['worker_cpu_ms_per_article']:.0f}" if "worker_cpu_ms_per_article" in r else "-"
    return (f"| {name} | {r['rate']:g} ({r['produced_per_s']:.1f}) | {r['articles']} | {r['missing']} | "
            f"{1000 * lat['p50']:.0f} | {1000 * lat['p90']:.0f} | {1000 * lat['p99']:.0f} | {1000 * lat['max']:.0f} | "
            f"{1000 * ts['p99']:.0f} | {ratio} | {cpu} |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rates", type=float, nargs="+", default=[20, 50], help="articles/s (default 20 50)")
    ap.add_argument("--seconds", type=float, default=60, help="measured seconds per rate (default 60)")
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--skip-bare", action="store_true", help="worker only (no ratio)")
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args()
    run = uuid.uuid4().hex[:6]
    log_dir = Path(tempfile.mkdtemp(prefix=f"khabar-latency-{run}-"))
    print(f"broker {BROKER}; rates {args.rates} articles/s for {args.seconds:g} s each, {args.partitions} partitions; "
          f"run {run}; logs {log_dir}")
    results = []
    for rate in args.rates:
        n = int(rate * args.seconds)
        # fresh ids per rate; the first 1,500 are distinct texts, then copies (the near-duplicate path)
        articles = [{**a, "id": f"r{rate:g}-{a['id']}"} for a in load_articles(n, 1500)]
        entry = {"rate": rate}
        if not args.skip_bare:
            entry["bare"] = run_bare(articles, rate, args.partitions, run)
        entry["worker"] = run_worker(articles, rate, args.partitions, run, log_dir)
        results.append(entry)
        for name in ("bare", "worker"):
            if name in entry:
                r = entry[name]
                print(f"{rate:g}/s {name}: {r['articles']} articles at {r['produced_per_s']:.1f}/s, "
                      f"latency p50 {r['latency_s']['p50']:.3f} s, p99 {r['latency_s']['p99']:.3f} s, "
                      f"max {r['latency_s']['max']:.3f} s, missing {r['missing']}", flush=True)
    print("\n| system | rate (produced) /s | articles | missing | p50 ms | p90 ms | p99 ms | max ms | "
          "p99 record ts ms | p99 / bare | worker CPU ms/article |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for entry in results:
        base = entry.get("bare")
        if base:
            print(row("bare aiokafka loop", base, None))
        print(row("khabar worker", entry["worker"], base))
    print("\n| worker hop | rate /s | p50 ms | p90 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|")
    for entry in results:
        for hop, h in entry["worker"].get("hops_s", {}).items():
            print(f"| {hop.replace('_', ' ')} | {entry['rate']:g} | {1000 * h['p50']:.0f} | {1000 * h['p90']:.0f} | "
                  f"{1000 * h['p99']:.0f} | {1000 * h['max']:.0f} |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"broker": BROKER, "partitions": args.partitions, "seconds": args.seconds,
                                         "results": results}, indent=1) + "\n")
        print(f"results: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
