#!/usr/bin/env python
"""Streaming end to end on a running Kafka broker: one `khabar worker` (everything on) against a bare
aiokafka loop (consume -> `streams.processing.process` -> produce the enriched record and events), on the
same broker and the same input.

    KHABAR_BENCH_BROKER=127.0.0.1:9092 python benchmarks/stream_throughput.py [--n 5000] [--texts 1500]
                                              [--partitions 4] [--skip-bare] [--workers 2] [--check-tables]
                                              [--trace-memory] [--json results/FILE.json]

Needs a broker (it starts none): KHABAR_BENCH_BROKER=host:port (default 127.0.0.1:9092), e.g. one started
by `scripts/kafka-local start` (the KHABAR_SECURITY_PROTOCOL/SASL_*/SSL_* settings apply to every client:
README, Security).  Input: the first `--texts` Fars News texts (../shared/corpora/fars-news),
then copies of them under new ids up to `--n` articles (syndicated copies: the near-duplicate path).  Each
run gets its own topic prefix and consumer group; the input topic is filled before the consumer starts.

Printed, with ratios against the bare loop measured in the same run (timings are noisy; nothing is asserted):
* articles/s until the last enriched record (first to last enriched record timestamp) for both;
* the worker's co-occurrence lag: from its last enriched record until its consumer group has no lag on any
  topic it reads (input and internal repartition topics; resolution = Faust's commit interval, ~3 s), and
  the end-to-end articles/s including it;
* messages written per article, by topic (every topic of the run: outputs, repartition, changelogs);
* worker RSS (with its extraction process) after start, at the end and at its peak, and per process (worker,
  extraction, resource tracker) 10 s after start (`KHABAR_BENCH_SETTLE`) and at the end;
* CPU ms per article: the worker's with its extraction processes (from /proc, start to drained), the bare
  loop's (this process, its phase): on a shared machine this ratio moves far less than the rates do;
* `--workers K`: the same input once more with K workers in one group (the later ones join while the first
  runs: a rebalance mid-stream), articles/s against one worker;
* `--check-tables`: each run's final `actors.cooccurrence` (latest message per pair) against the offline
  computation over the same enriched records in input order: counts (not which copy's id is last), and
  apart from them the pairs whose display names differ (order-dependent spelling of a provisional actor);
* `--trace-memory`: the one-worker run under tracemalloc (slower): its top allocation sites at the end.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import orjson  # noqa: E402
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition  # noqa: E402
from aiokafka.admin import AIOKafkaAdminClient, NewTopic  # noqa: E402

from streams.config import ARTICLES, COOCCURRENCE, ENRICHED, Settings  # noqa: E402
from streams.stream.security import client_security  # noqa: E402

BROKER = os.environ.get("KHABAR_BENCH_BROKER", "127.0.0.1:9092")
SECURITY = client_security(Settings())  # the bare loop and the helpers connect as the worker does


def shared_dir() -> Path:
    return Path(os.environ.get("KHABAR_SHARED") or REPO.parent / "shared")


def load_articles(n: int, texts: int) -> list[dict]:
    base = []
    for k in range(1, 6):
        path = shared_dir() / "corpora" / "fars-news" / f"fars-news-{k}.json"
        for i, a in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            body = "\n".join([a.get("abstract") or ""] + list(a.get("paragraphs") or [])).strip()
            if body:
                base.append({"id": f"fars-{k}-{i:03d}", "source": "farsnews", "url": a.get("link"),
                             "published_at": None, "title": a.get("title"), "body": body})
    base = base[:texts]
    out = list(base)
    copy = 1
    while len(out) < n:  # syndicated copies under new ids, interleaved after the originals
        out += [{**a, "id": f"{a['id']}-copy{copy}"} for a in base[:n - len(out)]]
        copy += 1
    return out[:n]


async def create_topics(names: list[str], partitions: int) -> None:
    """Create the topics that do not exist yet."""
    admin = AIOKafkaAdminClient(bootstrap_servers=BROKER, **SECURITY)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        new = [NewTopic(t, partitions, 1) for t in names if t not in existing]
        if new:
            await admin.create_topics(new)
    finally:
        await admin.close()


async def produce(topic: str, articles: list[dict]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=BROKER, acks="all", linger_ms=20, max_request_size=16 << 20,
                                **SECURITY)
    await producer.start()
    try:
        futures = [await producer.send(topic, value=orjson.dumps(a), key=a["id"].encode()) for a in articles]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def topic_counts(match) -> dict[str, int]:
    """Messages per topic (sum of end offsets) for every topic whose name satisfies match."""
    admin = AIOKafkaAdminClient(bootstrap_servers=BROKER, **SECURITY)
    await admin.start()
    try:
        names = [t for t in await admin.list_topics() if match(t)]
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(bootstrap_servers=BROKER, **SECURITY)
    await consumer.start()
    try:
        tps = [TopicPartition(t, p) for t in names for p in (consumer.partitions_for_topic(t) or
                                                               await _partitions(consumer, t))]
        ends = await consumer.end_offsets(tps) if tps else {}
    finally:
        await consumer.stop()
    counts: dict[str, int] = {}
    for tp, end in ends.items():
        counts[tp.topic] = counts.get(tp.topic, 0) + end
    return counts


async def _partitions(consumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()
    return consumer.partitions_for_topic(topic) or set()


async def enriched_span(topic: str, n: int, timeout: float) -> tuple[float, float, int]:
    """Read `topic` from the start until n records: (first timestamp, last timestamp, count), in seconds."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=BROKER, auto_offset_reset="earliest", group_id=None,
                                enable_auto_commit=False, fetch_max_bytes=64 << 20, max_partition_fetch_bytes=32 << 20,
                                **SECURITY)
    await consumer.start()
    first, last, seen = None, 0.0, 0
    deadline = time.time() + timeout
    try:
        while seen < n and time.time() < deadline:
            for _tp, messages in (await consumer.getmany(timeout_ms=500)).items():
                for m in messages:
                    seen += 1
                    ts = m.timestamp / 1000
                    first = ts if first is None else min(first, ts)
                    last = max(last, ts)
    finally:
        await consumer.stop()
    return first or 0.0, last, seen


async def group_lag(group: str) -> int | None:
    """Total lag of a consumer group over every partition it has committed (None: nothing committed yet)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=BROKER, **SECURITY)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    if not committed:
        return None
    consumer = AIOKafkaConsumer(bootstrap_servers=BROKER, **SECURITY)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(list(committed))
    finally:
        await consumer.stop()
    return sum(max(0, ends[tp] - meta.offset) for tp, meta in committed.items())


async def group_topics(group: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=BROKER, **SECURITY)
    await admin.start()
    try:
        return {tp.topic for tp in await admin.list_consumer_group_offsets(group)}
    finally:
        await admin.close()


# --------------------------------------------------------------------------- the bare loop

async def bare_loop(prefix: str, n: int, partitions: int) -> dict:
    from streams.processing import Output, process

    src, dst = prefix + ARTICLES, prefix + ENRICHED
    topics = {name: prefix + name for name in ("articles.enriched", "events.sanctions", "events.visits",
                                               "articles.deadletter")}
    await create_topics(list(topics.values()), partitions)
    consumer = AIOKafkaConsumer(src, bootstrap_servers=BROKER, group_id=prefix + "bare", auto_offset_reset="earliest",
                                enable_auto_commit=False, max_partition_fetch_bytes=32 << 20, **SECURITY)
    producer = AIOKafkaProducer(bootstrap_servers=BROKER, acks="all", linger_ms=5, max_request_size=16 << 20,
                                **SECURITY)
    await consumer.start()
    await producer.start()
    done = 0
    try:
        while done < n:
            batch = await consumer.getmany(timeout_ms=1000, max_records=50)
            futures = []
            for tp, messages in batch.items():
                for m in messages:
                    outputs: list[Output] = process(m.value, key=m.key, topic=m.topic, partition=m.partition,
                                                    offset=m.offset)
                    for out in outputs:
                        futures.append(await producer.send(topics[out.topic], key=out.key, value=out.value_bytes()))
                    done += 1
            await asyncio.gather(*futures)   # delivered before the offsets are committed
            if batch:
                await consumer.commit()
    finally:
        await producer.stop()
        await consumer.stop()
    first, last, seen = await enriched_span(dst, n, 120)
    return {"articles_per_s": seen / max(last - first, 1e-9), "seconds": last - first, "enriched": seen}


# --------------------------------------------------------------------------- the worker

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid: int, field: str = "VmRSS", children: bool = True) -> float:
    """Resident memory of a process and (`children`) its descendants, e.g. the worker's extraction process
    (VmHWM: the sum of their peaks)."""
    total = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            total = int(line.split()[1]) / 1024
    if children:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                try:
                    total += rss_mib(int(child), field)
                except FileNotFoundError:  # ended meanwhile
                    pass
    return total


def rss_by_process(pid: int) -> dict[str, float]:
    """VmRSS in MiB of a process and each descendant, by role: the worker, its extraction process,
    multiprocessing's resource tracker (a process that is neither: its pid)."""
    out: dict[str, float] = {}

    def walk(p: int, depth: int) -> None:
        try:
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            rss = rss_mib(p, children=False)
        except FileNotFoundError:  # ended meanwhile
            return
        role = ("worker" if depth == 0 else "resource tracker" if "resource_tracker" in cmd
                else "extraction" if "multiprocessing" in cmd else str(p))
        out[role] = out.get(role, 0.0) + rss
        for task in Path(f"/proc/{p}/task").iterdir():
            for child in (task / "children").read_text().split():
                walk(int(child), depth + 1)

    walk(pid, 0)
    return out


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and its live descendants (the worker's extraction processes)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks (USER_HZ = 100)
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                total += cpu_seconds(int(child))
            except FileNotFoundError:  # ended meanwhile
                pass
    return total


def start_worker(prefix: str, partitions: int, log_dir: Path, name: str = "worker",
                 env_extra: dict | None = None, trace: bool = False) -> tuple[subprocess.Popen, int]:
    """A `khabar worker` subprocess on the run's topics, once its web server answers: (process, web port)."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "KHABAR_BROKER": f"kafka://{BROKER}", "KHABAR_TOPIC_PREFIX": prefix,
           "KHABAR_APP_ID": prefix + "worker", "KHABAR_PARTITIONS": str(partitions), "KHABAR_WEB_PORT": str(port),
           "KHABAR_DATA_DIR": str(log_dir / f"data-{name}"), "KHABAR_LOG_LEVEL": "warn", **(env_extra or {})}
    log = open(log_dir / f"{name}.log", "wb")
    command = [str(Path(__file__).parent / "traced_worker.py")] if trace else ["-m", "streams.cli", "worker"]
    if trace:
        env["KHABAR_TRACE_OUT"] = str(log_dir / f"{name}-tracemalloc.txt")
    proc = subprocess.Popen([sys.executable, *command], env=env, stdout=log,
                            stderr=subprocess.STDOUT, cwd=REPO)
    log.close()  # the child holds its own copy
    deadline = time.time() + 120
    while True:
        if proc.poll() is not None or time.time() > deadline:
            stop_worker(proc)
            raise SystemExit(f"worker did not start; see {log_dir / (name + '.log')}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
            return proc, port
        except OSError:
            time.sleep(0.5)


def stop_worker(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def worker_run(prefix: str, n: int, partitions: int, timeout: float, log_dir: Path, trace: bool = False,
               workers: int = 1) -> dict:
    """`workers` workers in one group (the second and later start as the first is running: a rebalance
    mid-stream) until every article is enriched and the group has no lag left."""
    app_id = prefix + "worker"
    procs = []
    try:
        proc, port = start_worker(prefix, partitions, log_dir, trace=trace)
        procs.append(proc)
        rss_start = rss_mib(proc.pid)
        cpu = -cpu_seconds(proc.pid)
        # the extraction process starts with the enrich agent and loads its models before the first input
        time.sleep(float(os.environ.get("KHABAR_BENCH_SETTLE", "10")))
        rss_settled = rss_by_process(proc.pid)
        for i in range(1, workers):
            procs.append(start_worker(prefix, partitions, log_dir, name=f"worker{i + 1}")[0])
            cpu -= cpu_seconds(procs[-1].pid)
        first, last, seen = asyncio.run(enriched_span(prefix + ENRICHED, n, timeout))
        if seen < n:
            raise SystemExit(f"only {seen}/{n} enriched within {timeout}s; see {log_dir / 'worker.log'}")
        # drained: no lag on any topic the worker's group reads, two polls in a row after the last enriched
        drained, zero = None, 0
        deadline = time.time() + timeout
        while time.time() < deadline:
            lag = asyncio.run(group_lag(app_id))
            now = time.time()
            if lag == 0:
                zero += 1
                drained = drained or now
                if zero >= 2:
                    break
            else:
                zero, drained = 0, None
            time.sleep(0.5)
        if drained is None:
            raise SystemExit(f"co-occurrence not drained within {timeout}s")
        rss_end, rss_peak = rss_mib(proc.pid), rss_mib(proc.pid, "VmHWM")
        cpu += sum(cpu_seconds(p.pid) for p in procs)
        rss_end_by_process = rss_by_process(proc.pid)
        traced = None
        if trace:
            out = log_dir / "worker-tracemalloc.txt"
            Path(f"{out}.request").touch()
            for _ in range(600):
                if out.exists():
                    break
                time.sleep(0.5)
            time.sleep(1)
            traced = out.read_text()
        status = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/cooccurrence/status", timeout=30).read())
        topics = sorted(asyncio.run(group_topics(app_id)))
    finally:
        for proc in procs:
            stop_worker(proc)
    stats: dict[str, int] = {}
    for w in status.get("workers", []):  # every worker's, summed
        for k, v in w["stats"].items():
            stats[k] = stats.get(k, 0) + v
    return {"articles_per_s": seen / max(last - first, 1e-9), "seconds": last - first,
            "lag_s": max(0.0, drained - last), "end_to_end_per_s": n / max(drained - first, 1e-9),
            "rss_start_mib": rss_start, "rss_end_mib": rss_end, "rss_peak_mib": rss_peak,
            "rss_settled_by_process_mib": rss_settled, "rss_end_by_process_mib": rss_end_by_process, "read_topics": topics,
            "cpu_ms_per_article": 1000 * cpu / n,
            "tracemalloc": traced, "workers": workers, "stats": stats}


async def read_topic(topic: str, idle: float = 5.0) -> list:
    """Every message of a topic, from the start, until nothing new came for `idle` seconds."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=BROKER, auto_offset_reset="earliest", group_id=None,
                                enable_auto_commit=False, fetch_max_bytes=64 << 20, max_partition_fetch_bytes=32 << 20)
    await consumer.start()
    out = []
    try:
        quiet_since = time.time()
        while time.time() - quiet_since < idle:
            batch = await consumer.getmany(timeout_ms=500)
            for messages in batch.values():
                out += messages
            if batch:
                quiet_since = time.time()
    finally:
        await consumer.stop()
    return out


def counts_only(values: dict) -> dict:
    """A pair's counts without the article ids: which copy of a syndicated text counts depends on the order
    the partitions interleave, every count does not."""
    return {k: {**{f: x for f, x in v.items() if f not in ("last_article_id", "buckets")},
                "buckets": [{f: x for f, x in b.items() if f != "last_article_id"} for b in v["buckets"]]}
            for k, v in values.items()}


def tables_vs_offline(prefix: str, articles: list[dict]) -> dict:
    """The worker(s)' final actors.cooccurrence (latest message per pair) against the offline computation
    (`OfflineCooccurrence`, as `khabar extract --cooccurrence`) over the same enriched records in input order."""
    from streams.config import Settings
    from streams.cooccurrence import OfflineCooccurrence

    streamed = {}
    for m in asyncio.run(read_topic(prefix + COOCCURRENCE)):
        streamed[m.key.decode()] = orjson.loads(m.value)
    records = {}
    for m in asyncio.run(read_topic(prefix + ENRICHED)):
        record = orjson.loads(m.value)
        record.pop("duplicate_of", None)  # the stream's decision; the offline run makes its own
        records.setdefault(record["id"], record)
    offline = OfflineCooccurrence(Settings())
    for a in articles:
        offline.add(records[a["id"]])
    expected = {row["key"]: row for row in offline.results()}
    got, want = counts_only(streamed), counts_only(expected)
    # a provisional (NER) actor's display name is the spelling of the article that named it last, and the
    # partitions interleave the articles in another order than the input: names apart from counts
    unnamed = lambda v: {f: x for f, x in v.items() if f not in ("a_name", "b_name")} if v else v  # noqa: E731
    differ = sorted(k for k in set(got) | set(want) if unnamed(got.get(k)) != unnamed(want.get(k)))
    names = sorted(k for k in set(got) & set(want) if got[k] != want[k] and k not in differ)
    return {"pairs_streamed": len(got), "pairs_offline": len(want), "pairs_differ": len(differ),
            "equal": not differ, "examples": differ[:5], "names_differ": len(names), "name_examples": names[:3]}


def print_counts(title: str, counts: dict[str, int], prefix: str, n: int) -> int:
    total = sum(counts.values())
    print(f"\n{title}: messages written per article, by topic ({n} articles)")
    for topic, c in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"  {topic.replace(prefix, ''):<58} {c:>9}  {c / n:8.2f}")
    print(f"  {'all topics (input included)':<58} {total:>9}  {total / n:8.2f}")
    return total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=5000, help="articles (default 5000)")
    ap.add_argument("--texts", type=int, default=1500, help="distinct Fars News texts; the rest are copies")
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=1800, help="give up after this many seconds per phase")
    ap.add_argument("--skip-bare", action="store_true", help="worker only (no ratio)")
    ap.add_argument("--trace-memory", action="store_true",
                    help="run the worker under tracemalloc (slower) and print its top allocation sites at the end")
    ap.add_argument("--workers", type=int, default=1,
                    help="also run this many workers in one group (they join while the first runs: a rebalance)")
    ap.add_argument("--check-tables", action="store_true",
                    help="compare each run's final actors.cooccurrence with the offline computation")
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args()

    articles = load_articles(args.n, args.texts)
    n = len(articles)
    run = uuid.uuid4().hex[:6]
    print(f"broker {BROKER}; {n} articles ({min(args.texts, n)} texts + copies), {args.partitions} partitions; "
          f"run {run}")
    results = {}
    log_dir = Path(tempfile.mkdtemp(prefix=f"khabar-bench-{run}-"))
    if not args.skip_bare:
        prefix = f"bench-{run}-bare-"
        asyncio.run(create_topics([prefix + ARTICLES], args.partitions))
        asyncio.run(produce(prefix + ARTICLES, articles))
        cpu = time.process_time()
        results["bare"] = asyncio.run(bare_loop(prefix, n, args.partitions))
        results["bare"]["cpu_ms_per_article"] = 1000 * (time.process_time() - cpu) / n
        counts = asyncio.run(topic_counts(lambda t, p=prefix: t.startswith(p)))
        results["bare"]["messages"] = print_counts("bare loop", counts, prefix, n)
        print(f"bare loop: {results['bare']['articles_per_s']:.1f} articles/s ({results['bare']['seconds']:.1f} s); "
              f"this process's RSS with the pipeline loaded: {rss_mib(os.getpid(), children=False):.0f} MiB")

    bare = results.get("bare")
    ratio = lambda x: f"{x / bare['articles_per_s']:.2f}" if bare else "-"  # noqa: E731
    cpu_ratio = lambda x: f"{x / bare['cpu_ms_per_article']:.2f}" if bare else "-"  # noqa: E731
    rows = []
    for workers in sorted({1, args.workers}):
        name = "worker" if workers == 1 else f"{workers} workers"
        prefix = f"bench-{run}-w{workers}-"
        asyncio.run(create_topics([prefix + ARTICLES], args.partitions))
        asyncio.run(produce(prefix + ARTICLES, articles))
        w = results[name] = worker_run(prefix, n, args.partitions, args.timeout, log_dir,
                                       args.trace_memory and workers == 1, workers)
        counts = asyncio.run(topic_counts(lambda t, p=prefix: t.startswith(p)))
        w["messages"] = print_counts(f"khabar {name}", counts, prefix, n)
        print(f"\n{name} reads: {', '.join(t.replace(prefix, '') for t in w['read_topics'])}")
        print(f"{name} co-occurrence stats: {w['stats']}")
        by = lambda d: ", ".join(f"{role} {mib:.0f}" for role, mib in d.items())  # noqa: E731
        print(f"{name} RSS by process (MiB): after start {by(w['rss_settled_by_process_mib'])}; "
              f"at the end {by(w['rss_end_by_process_mib'])}")
        if args.check_tables:
            w["tables"] = tables_vs_offline(prefix, articles)
            print(f"{name}: actors.cooccurrence vs offline: {w['tables']}")
        one = results["worker"]["articles_per_s"]
        rows.append(f"| khabar {name}, until last enriched | {w['articles_per_s']:.1f} | {ratio(w['articles_per_s'])} | "
                    f"{w['articles_per_s'] / one:.2f} | {w['messages'] / n:.1f} | {w['lag_s']:.1f} s | "
                    f"{w['rss_start_mib']:.0f} -> {w['rss_end_mib']:.0f} (peak {w['rss_peak_mib']:.0f}) MiB | "
                    f"{w['cpu_ms_per_article']:.1f} ({cpu_ratio(w['cpu_ms_per_article'])}) |")
        rows.append(f"| khabar {name}, co-occurrence drained | {w['end_to_end_per_s']:.1f} | "
                    f"{ratio(w['end_to_end_per_s'])} | {w['end_to_end_per_s'] / results['worker']['end_to_end_per_s']:.2f}"
                    f" | | | | |")
        if w["tracemalloc"]:
            print("\n" + w["tracemalloc"])
    print("\n| | articles/s | ratio to bare loop | ratio to one worker | messages/article | co-occurrence lag at end "
          "| RSS start -> end (first worker, with its extraction process) | CPU ms/article (ratio to bare) |")
    print("|---|---|---|---|---|---|---|---|")
    if bare:
        print(f"| bare aiokafka loop | {bare['articles_per_s']:.1f} | 1.00 | | {bare['messages'] / n:.1f} | - | - | "
              f"{bare['cpu_ms_per_article']:.1f} (1.00) |")
    print("\n".join(rows))
    print(f"\nworker logs: {log_dir}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"broker": BROKER, "n": n, "texts": args.texts, "partitions": args.partitions,
                                         **results}, indent=1) + "\n")
        print(f"results: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
