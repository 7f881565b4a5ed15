"""Recovery after a restart against history: does the time to ready grow with everything ever written?

Rounds of new Fars News articles go through one worker (4 partitions); after each round the worker is
killed (SIGKILL) and started again on the same data directory, and the benchmark times the restart until
the co-occurrence tables report ready, counts the records the table changelogs hold (what a memory-store
restart replays) and the records the restarted worker actually read from them (`/cooccurrence/status`).
Two configurations, one after the other on the same broker and input, both with the worker's short
changelog segments (`KHABAR_CHANGELOG_SEGMENT_MS`, here `--segment-ms`): the memory store (every table
rebuilt from its whole changelog) and the persistent RocksDB store (`KHABAR_STORE=rocksdb`: only the
changelog tail after the offsets it stored); the ratios compare them.

    export KAFKA_PORT=... KAFKA_CONTROLLER_PORT=... KHABAR_KAFKA_STATE=...   # scripts/kafka-local start
    KHABAR_TEST_BROKER=127.0.0.1:$KAFKA_PORT python benchmarks/recovery.py [--rounds 3] [--per-round 400]
        [--segment-ms 5000] [--stores memory,rocksdb] [--json results/recovery.json]

The broker's log cleaner checks every 15 s (Kafka's default `log.cleaner.backoff.ms`); a segment is
closed by the first write after `segment.ms`, so each round waits `--settle` seconds before the kill.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import faultkit  # noqa: E402
from kafkautil import BROKER, Worker, free_port, worker_env  # noqa: E402
from streams.config import ARTICLES, ENRICHED  # noqa: E402

async def changelog_records(prefix: str, app_id: str) -> tuple[int, int]:
    """Records a restart replays (every message of the table changelogs, read from the beginning) and the
    keys among them (the state itself: what compaction cannot remove)."""
    from aiokafka import AIOKafkaConsumer
    from aiokafka.structs import TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=BROKER, group_id=None, auto_offset_reset="earliest",
                                enable_auto_commit=False, fetch_max_bytes=64 << 20, max_partition_fetch_bytes=32 << 20)
    await consumer.start()
    try:
        cluster = await consumer._client.fetch_all_metadata()  # every topic (the consumer tracks its own only)
        topics = [t for t in cluster.topics()
                  if (t.startswith(app_id + "-") and t.endswith("-changelog")) or t == prefix + "actors.cooccurrence"]
        tps = [TopicPartition(t, p) for t in topics for p in cluster.partitions_for_topic(t) or ()]
        ends = await consumer.end_offsets(tps)
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        count, keys = 0, set()
        pending = {tp for tp in tps if ends[tp] > 0}
        while pending:
            batches = await consumer.getmany(timeout_ms=1000)
            for tp, messages in batches.items():
                count += len(messages)
                keys.update((tp.topic, tp.partition, m.key) for m in messages)
            pending = {tp for tp in pending if await consumer.position(tp) < ends[tp]}
        return count, len(keys)
    finally:
        await consumer.stop()


def status(worker: Worker) -> dict:
    return json.loads(worker.get("/cooccurrence/status?local=1", timeout=10))


def wait_counted(worker: Worker, prefix: str, articles: int, timeout: float = 900) -> None:
    """Until every article is out of the dedup agent (enriched) and the pair batches are all applied."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            s = status(worker)["stats"]
            if (asyncio.run(faultkit.output_count([prefix + ENRICHED])) >= articles
                    and s["batches"] + s["replayed"] >= s["batches_sent"]):
                return
        except OSError:
            pass
        time.sleep(1)
    raise AssertionError(f"articles not counted within {timeout} s:\n{worker.tail()}")


def time_to_ready(worker: Worker, timeout: float = 600) -> float:
    t0 = time.monotonic()
    worker.wait_ready(timeout)
    while time.monotonic() - t0 < timeout:
        try:
            if status(worker)["ready"]:
                return time.monotonic() - t0
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"not ready within {timeout} s:\n{worker.tail()}")


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def run(config: str, segment_ms: int, articles: list[dict], rounds: int, per_round: int, settle: float) -> list[dict]:
    tmp = Path(tempfile.mkdtemp(prefix=f"khabar-recovery-{config}-"))
    env = worker_env(tmp, KHABAR_PARTITIONS="4", KHABAR_CHANGELOG_SEGMENT_MS=str(segment_ms), KHABAR_STORE=config)
    prefix, app_id = env["KHABAR_TOPIC_PREFIX"], env["KHABAR_APP_ID"]
    asyncio.run(faultkit.create_topics(prefix, 4))
    worker = Worker({**env, "KHABAR_WEB_PORT": str(free_port())}, tmp / "worker-0.log")
    worker.wait_ready()
    rows = []
    try:
        for r in range(rounds):
            batch = articles[r * per_round:(r + 1) * per_round]
            asyncio.run(faultkit.produce(prefix + ARTICLES, [(a["id"].encode(), orjson.dumps(a)) for a in batch]))
            wait_counted(worker, prefix, (r + 1) * per_round)
            time.sleep(settle)  # segments roll and the cleaner runs (or, by default, does not)
            records, keys = asyncio.run(changelog_records(prefix, app_id))
            worker.proc.kill()
            worker.proc.wait()
            worker.stop()
            worker = Worker({**env, "KHABAR_WEB_PORT": str(free_port())}, tmp / f"worker-{r + 1}.log")
            seconds = time_to_ready(worker)
            read = sum(status(worker)["changelog_records_read"].values())
            rss = rss_mib(worker.proc.pid)
            rows.append({"config": config, "round": r + 1, "articles": (r + 1) * per_round,
                         "changelog_records": records, "changelog_keys": keys, "records_read": read,
                         "ready_s": round(seconds, 2), "rss_mib": round(rss)})
            print(f"{config:>9} round {r + 1}: {(r + 1) * per_round:5d} articles, {records:7d} changelog records "
                  f"({keys} keys), ready {seconds:5.1f} s after the restart, {read} records read, "
                  f"RSS {rss:.0f} MiB", flush=True)
    finally:
        worker.stop()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-round", type=int, default=400)
    parser.add_argument("--segment-ms", type=int, default=5000)
    parser.add_argument("--settle", type=float, default=40.0)
    parser.add_argument("--stores", default="memory,rocksdb", help="KHABAR_STORE values, the first is the baseline")
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"))
    parser.add_argument("--json")
    args = parser.parse_args()
    stores = args.stores.split(",")
    # dated, distinct texts: every round adds new pairs and updates the old ones
    articles = faultkit.fars_articles(Path(args.shared), args.rounds * args.per_round)
    rows = [row for store in stores
            for row in run(store, args.segment_ms, articles, args.rounds, args.per_round, args.settle)]
    base, other = stores[0], stores[-1]
    print(f"\n| round | articles | changelog records (keys) | records read by the restart: {base} / {other} | "
          f"ready after restart, s: {base} / {other} (ratio) | RSS after ready, MiB: {base} / {other} |\n"
          "|---|---|---|---|---|---|")
    for b, o in zip([r for r in rows if r["config"] == base], [r for r in rows if r["config"] == other]):
        print(f"| {b['round']} | {b['articles']} | {o['changelog_records']} ({o['changelog_keys']}) | "
              f"{b['records_read']} / {o['records_read']} | "
              f"{b['ready_s']} / {o['ready_s']} ({o['ready_s'] / max(b['ready_s'], 0.01):.2f}) | "
              f"{b['rss_mib']} / {o['rss_mib']} |")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
