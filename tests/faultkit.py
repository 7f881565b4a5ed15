"""Fault-injection harness on the real local broker: real articles in, workers killed, restarted,
handed over, the broker stopped; then every output topic read from the beginning.

Used by tests/test_faults.py (CI size) and benchmarks/fault_soak.py (heavier).  Every input message
has a distinct key; the invariant is that each key ends up as an enriched record (id = key) or a dead
letter (key = key) at least once: `lost` counts the keys that never did, `duplicated` the extra copies.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from kafkautil import (BROKER, LocalBroker, Worker, comparable, counts_only, follow_compacted, free_port,
                       from_the_beginning, worker_env, wait_exit)
from streams.config import ARTICLES, COOCCURRENCE, DEADLETTER, ENRICHED



def fars_articles(shared: Path, n: int, distinct: int | None = None) -> list[dict]:
    """n article records from the Fars News texts; past the corpus size (or `distinct` texts), copies under new
    ids, as syndicated news arrives."""
    texts = []
    for path in sorted((shared / "corpora" / "fars-news").glob("fars-news-*.json")):
        for item in json.loads(path.read_text(encoding="utf-8")):
            body = "\n".join([item.get("abstract") or ""] + list(item.get("paragraphs") or [])).strip()
            if body:
                texts.append((item.get("title"), body, item.get("link")))
    texts = texts[:distinct] if distinct else texts
    out = []
    for i in range(n):
        title, body, url = texts[i % len(texts)]
        out.append({"id": f"fars-{i}", "source": "farsnews", "url": url, "published_at": None,
                    "title": title, "body": body})
    return out


def bad_messages(n: int) -> list[tuple[bytes, bytes | None]]:
    kinds = [
        lambda k: b'{"id": "%s", "body": ' % k,                 # invalid_json
        lambda k: b'{"id": "%s", "title": "no body"}' % k,      # missing_body
        lambda k: b'{"id": 17, "body": "\xd9\x85\xd8\xaa\xd9\x86"}',  # invalid_id
        lambda k: None,                                         # null_message (tombstone)
        lambda k: b'{"id": "%s", "body": "\xff\xfe"}' % k,      # not_utf8
    ]
    return [(f"bad-{i}".encode(), kinds[i % len(kinds)](f"bad-{i}".encode())) for i in range(n)]


def input_messages(articles: list[dict], n_bad: int, seed: int = 7) -> list[tuple[bytes, bytes | None]]:
    good = [(a["id"].encode(), orjson.dumps(a)) for a in articles]
    messages = good + bad_messages(n_bad)
    random.Random(seed).shuffle(messages)
    return messages


async def produce(topic: str, messages: list[tuple[bytes, bytes | None]]) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=BROKER, acks="all", linger_ms=5,
                                max_request_size=16 * 1024 * 1024)
    await producer.start()
    try:
        futures = [await producer.send(topic, value=v, key=k) for k, v in messages]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def create_topics(prefix: str, partitions: int) -> None:
    from streams.config import Settings
    from streams.stream.admin import ensure_topics

    await ensure_topics(Settings(broker=f"kafka://{BROKER}", topic_prefix=prefix, partitions=partitions))


async def output_count(topics: list[str]) -> int:
    """Messages in the topics so far (sum of end offsets; control records included, close enough)."""
    from aiokafka import AIOKafkaConsumer
    from aiokafka.structs import TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=BROKER, group_id=None)
    await consumer.start()
    try:
        tps = [TopicPartition(t, p) for t in topics for p in (consumer.partitions_for_topic(t) or
                                                               await _partitions(consumer, t))]
        ends = await consumer.end_offsets(tps)
        return sum(ends.values())
    finally:
        await consumer.stop()


async def _partitions(consumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()
    return consumer.partitions_for_topic(topic) or set()


async def read_all(topics: list[str], isolation: str = "read_uncommitted", idle: float = 8.0) -> dict[str, list]:
    """Every message of the topics from the beginning (until nothing new for `idle` seconds)."""
    consumer = from_the_beginning(*topics, isolation_level=isolation)
    await consumer.start()
    got: dict[str, list] = {t: [] for t in topics}
    last = time.monotonic()
    try:
        while time.monotonic() - last < idle:
            batches = await consumer.getmany(timeout_ms=500)
            for tp, messages in batches.items():
                got[tp.topic].extend(messages)
                last = time.monotonic()
    finally:
        await consumer.stop()
    return got


@dataclass
class Outcome:
    inputs: int
    lost: list[str]
    duplicated: int             # extra copies over all keys (enriched + dead letters)
    duplicated_keys: int        # keys seen more than once
    enriched: int
    deadlettered: int
    seconds: float
    events: list[str] = field(default_factory=list)
    missing_live: int = 0       # not out yet when the faulted run went quiet (out after one clean restart)

    def summary(self, name: str) -> str:
        return (f"{name}: {self.inputs} in, lost {len(self.lost)} (missing before a clean restart "
                f"{self.missing_live}), duplicated {self.duplicated} "
                f"({self.duplicated_keys} keys), {self.enriched} enriched + {self.deadlettered} dead letters "
                f"read, {self.seconds:.0f} s; " + "; ".join(self.events))


def account(keys: list[bytes], got: dict[str, list], prefix: str, seconds: float, events: list[str]) -> Outcome:
    seen: dict[str, int] = {}
    enriched = [orjson.loads(m.value)["id"] for m in got[prefix + ENRICHED]]
    dead = [m.key.decode() if m.key is not None else None for m in got[prefix + DEADLETTER]]
    for k in enriched + dead:
        seen[k] = seen.get(k, 0) + 1
    wanted = [k.decode() for k in keys]
    lost = [k for k in wanted if k not in seen]
    dups = {k: c - 1 for k, c in seen.items() if c > 1}
    return Outcome(len(keys), lost, sum(dups.values()), len(dups), len(enriched), len(dead), seconds, events)


class Run:
    """One fault scenario: its topics, its workers, its inputs."""

    def __init__(self, tmp_path: Path, shared: Path, n_articles: int, n_bad: int, partitions: int = 4,
                 seed: int = 1, distinct: int | None = None, **env_extra: str):
        self.tmp_path, self.partitions = tmp_path, partitions
        self.rng = random.Random(seed)
        self.articles = fars_articles(shared, n_articles, distinct)
        self.messages = input_messages(self.articles, n_bad, seed)
        self.env = worker_env(tmp_path, KHABAR_PARTITIONS=str(partitions), **env_extra)
        self.prefix = self.env["KHABAR_TOPIC_PREFIX"]
        self.outputs = [self.prefix + ENRICHED, self.prefix + DEADLETTER]
        self.workers: list[Worker] = []
        self.events: list[str] = []
        self.t0 = time.monotonic()
        self.day = dt.datetime.now(dt.timezone.utc).date()

    def log(self, what: str) -> None:
        self.events.append(f"{time.monotonic() - self.t0:.0f}s {what}")

    def start_worker(self, **env: str) -> Worker:
        n = len(self.workers)
        wenv = dict(self.env, KHABAR_WEB_PORT=str(free_port()),
                    KHABAR_DATA_DIR=str(self.tmp_path / f"data-{n}"), **env)
        worker = Worker(wenv, self.tmp_path / f"worker-{n}.log")
        self.workers.append(worker)
        worker.wait_ready()
        return worker

    def produce_all(self) -> None:
        asyncio.run(create_topics(self.prefix, self.partitions))
        asyncio.run(produce(self.prefix + ARTICLES, self.messages))
        self.log(f"produced {len(self.messages)}")

    def progress(self) -> int:
        return asyncio.run(output_count(self.outputs))

    def wait_progress(self, target: int, timeout: float = 300.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            n = self.progress()
            if n >= target:
                return n
            self._check_alive()
            time.sleep(0.5)
        raise AssertionError(f"no progress to {target} outputs in {timeout}s:\n{self.tails()}")

    def recovering(self) -> bool:
        """Some running worker is still rebuilding its tables (not processing yet)."""
        for w in self.workers:
            if w.proc.poll() is None:
                try:
                    if not json.loads(w.get("/cooccurrence/status?local=1"))["ready"]:
                        return True
                except (OSError, ValueError, KeyError):
                    return True
        return False

    def wait_done(self, timeout: float = 600.0, idle: float = 60.0) -> None:
        """Until every input has an output (counting duplicates) and then nothing new for a while, or
        until nothing new for `idle` seconds while the workers are ready (table recovery does not count)."""
        deadline, last_n, last_change = time.monotonic() + timeout, -1, time.monotonic()
        while time.monotonic() < deadline:
            n = self.progress()
            if n != last_n or self.recovering():
                last_n, last_change = n, time.monotonic()
            if n >= len(self.messages) and time.monotonic() - last_change > 5:
                return
            if time.monotonic() - last_change > idle:
                self.log(f"idle at {n} outputs")
                return
            time.sleep(1)
        self.log(f"timeout at {last_n} outputs")

    def _check_alive(self) -> None:
        if not any(w.proc.poll() is None for w in self.workers):
            raise AssertionError(f"no worker running:\n{self.tails()}")

    def kill(self, worker: Worker) -> None:
        worker.proc.kill()
        worker.proc.wait()
        self.log("SIGKILL")

    def terminate(self, worker: Worker) -> float:
        worker.proc.terminate()
        rc, waited = wait_exit(worker.proc, 35)
        self.log(f"SIGTERM -> exit {rc} in {waited:.1f}s")
        assert rc is not None, f"worker ignored SIGTERM for 35 s:\n{worker.tail()}"
        return waited

    def tails(self) -> str:
        return "\n".join(f"--- worker {i}\n{w.tail(30)}" for i, w in enumerate(self.workers))

    def stop_all(self) -> None:
        for w in self.workers:
            w.stop()

    def outcome(self, isolation: str = "read_uncommitted", settle: float = 240.0) -> Outcome:
        """Lost ids after the run.  Ids missing when the faulted run went quiet are not lost while their
        offsets are uncommitted: one clean worker start must then bring them out (within `settle` s)."""
        def read() -> Outcome:
            got = asyncio.run(read_all(self.outputs, isolation=isolation))
            return account([k for k, _ in self.messages], got, self.prefix, time.monotonic() - self.t0,
                           self.events)
        first = read()
        if not first.lost or settle <= 0:
            return first
        self.log(f"{len(first.lost)} ids missing; one clean worker start")
        self.start_worker()
        deadline = time.monotonic() + settle
        out = read()
        while out.lost and time.monotonic() < deadline:
            time.sleep(5)
            out = read()
        self.stop_all()
        out = read()
        out.missing_live = len(first.lost)
        return out

    def tables_match(self, expected: dict, timeout: float = 300.0) -> tuple[bool, str]:
        """Whether actors.cooccurrence (its compacted view, counts only) comes to equal `expected` (the offline
        run's rows by key) once one clean worker has drained what the faulted run left, and how it differs
        if not."""
        self.start_worker()
        self.log("clean worker for the tables")
        # undated articles fall in the bucket of their ingest day: across midnight UTC compare totals only
        same_day = lambda: dt.datetime.now(dt.timezone.utc).date() == self.day  # noqa: E731
        view = lambda final: comparable(counts_only(final), same_day())  # noqa: E731
        want = lambda: comparable(expected, same_day())  # noqa: E731
        final = asyncio.run(follow_compacted(self.prefix + COOCCURRENCE, lambda f: view(f) == want(), timeout))
        self.stop_all()
        have, wanted = view(final), want()
        articles = lambda values: sum(v["articles"] for v in values.values())  # noqa: E731
        if have == wanted:
            return True, f"tables equal offline ({len(wanted)} pairs, {articles(wanted)} pair articles)"
        wrong = sorted(k for k in set(wanted) | set(have) if have.get(k) != wanted.get(k))
        return False, (f"tables differ from offline in {len(wrong)} of {len(wanted)} pairs (pair articles "
                       f"{articles(have)} vs {articles(wanted)}), e.g. "
                       + "; ".join(f"{k}: {have.get(k)} vs {wanted.get(k)}" for k in wrong[:3]))


# ------------------------------------------------------------------ scenarios

def sigkill_restarts(run: Run, kills: int = 3) -> Outcome:
    total = len(run.messages)
    points = sorted(run.rng.uniform(0.1, 0.8) * total for _ in range(kills))
    worker = run.start_worker()
    run.produce_all()
    for point in points:
        run.wait_progress(int(point))
        time.sleep(run.rng.uniform(0, 1.5))  # not always right at a poll
        run.kill(worker)
        worker = run.start_worker()
        run.log("restarted")
    run.wait_done()
    run.stop_all()
    return run.outcome()


def broker_restart(run: Run, broker: LocalBroker, outage: float = 10.0) -> Outcome:
    total = len(run.messages)
    run.start_worker()
    run.produce_all()
    run.wait_progress(int(total * 0.3))
    broker.stop()
    run.log("broker stopped")
    try:
        time.sleep(outage)
    finally:
        broker.start()
        run.log("broker started on its data")
    run.wait_done()
    alive = all(w.proc.poll() is None for w in run.workers)
    run.log("worker still running" if alive else "worker exited")
    run.stop_all()
    return run.outcome()


def handover(run: Run) -> Outcome:
    total = len(run.messages)
    first = run.start_worker()
    run.produce_all()
    run.wait_progress(int(total * 0.25))
    run.start_worker()
    run.log("second worker up")
    run.wait_progress(int(total * 0.5))
    run.terminate(first)
    run.wait_done()
    run.stop_all()
    return run.outcome()
