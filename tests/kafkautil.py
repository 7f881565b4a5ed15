"""Helpers for tests against the real local broker (started by scripts/kafka-local)."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import orjson
import pytest

BROKER = os.environ.get("KHABAR_TEST_BROKER", "127.0.0.1:9092")


def broker_or_skip() -> str:
    host, port = BROKER.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError:
        if os.environ.get("KHABAR_REQUIRE_KAFKA") == "1":
            pytest.fail(f"Kafka broker not reachable at {BROKER} (scripts/kafka-local start)")
        pytest.skip(f"no Kafka broker at {BROKER}; run scripts/test")
    return BROKER


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_env(tmp_path: Path, prefix: str | None = None, app_id: str | None = None, port: int | None = None,
               **extra: str) -> dict[str, str]:
    run = uuid.uuid4().hex[:8]
    env = dict(os.environ)
    env.update({
        "KHABAR_BROKER": f"kafka://{BROKER}",
        "KHABAR_TOPIC_PREFIX": prefix or f"it-{run}-",
        "KHABAR_APP_ID": app_id or f"khabar-it-{run}",
        "KHABAR_WEB_PORT": str(port or free_port()),
        "KHABAR_DATA_DIR": str(tmp_path / f"data-{run}"),
        "KHABAR_LOG_LEVEL": "warn",
        **extra,
    })
    return env


class Worker:
    """A real `khabar worker` process."""

    def __init__(self, env: dict[str, str], log_path: Path):
        self.env, self.log_path = env, log_path
        self.port = int(env["KHABAR_WEB_PORT"])
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "streams.cli", "worker"], env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def get(self, path: str, timeout: float = 5.0) -> bytes:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=timeout) as r:
            return r.read()

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"worker exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                self.get("/")
                return
            except OSError:
                time.sleep(0.5)
        raise AssertionError(f"worker web view not up after {timeout}s:\n{self.tail()}")

    def tail(self, n: int = 60) -> str:
        if not self.log.closed:
            self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])

    def stop(self) -> None:
        stop_process(self.proc)
        self.log.close()


@contextlib.contextmanager
def stopped_after(workers: list["Worker"]):
    """Stops the workers (the list as it stands when the block ends: the block may start more) and prints the
    tails of their logs first when it failed."""
    try:
        yield
    except BaseException:
        for w in workers:
            print(w.tail())
        raise
    finally:
        for w in workers:
            w.stop()


def stop_process(proc: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM, then SIGKILL if it is still running after `timeout` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def from_the_beginning(*topics: str, **options):
    """A group-less reader of the topics from their first offsets, fetching big batches (not started)."""
    from aiokafka import AIOKafkaConsumer

    return AIOKafkaConsumer(*topics, bootstrap_servers=BROKER, auto_offset_reset="earliest",
                            enable_auto_commit=False, group_id=None, fetch_max_bytes=64 * 1024 * 1024,
                            max_partition_fetch_bytes=32 * 1024 * 1024, **options)


async def consume_until(topics: list[str], done, timeout: float = 120.0) -> dict[str, list]:
    """Read topics from the beginning until done(messages_by_topic) or the timeout."""
    consumer = from_the_beginning(*topics)
    await consumer.start()
    got: dict[str, list] = {t: [] for t in topics}
    deadline = time.time() + timeout
    try:
        while time.time() < deadline and not done(got):
            batches = await consumer.getmany(timeout_ms=500)
            for tp, messages in batches.items():
                got[tp.topic].extend(messages)
    finally:
        await consumer.stop()
    return got


async def follow_compacted(topic: str, done, timeout: float = 120.0) -> dict:
    """The compacted view of a topic (last value per key), read from the beginning and kept up to date, until
    done(view) holds when the reader has caught up (asked then only: a view of 100,000 keys is costly to
    compare) or the timeout."""
    consumer = from_the_beginning(topic)
    await consumer.start()
    view: dict = {}
    deadline, fresh = time.time() + timeout, True
    try:
        while time.time() < deadline:
            batches = await consumer.getmany(timeout_ms=1000)
            for messages in batches.values():
                for m in messages:
                    view[m.key.decode()] = orjson.loads(m.value)
            if batches:
                fresh = True
            elif fresh:
                if done(view):
                    break
                fresh = False
    finally:
        await consumer.stop()
    return view


def final_values(messages) -> dict:
    """The compacted view of actors.cooccurrence: the last message per pair key."""
    final = {}
    for m in messages:
        v = orjson.loads(m.value)
        assert m.key.decode() == v["key"]
        final[v["key"]] = v
    return final


def comparable(values: dict, same_day: bool) -> dict:
    """Buckets of undated articles depend on the ingest day; if the day changed between the offline run
    and the stream (a run across midnight UTC), compare the totals only."""
    if same_day:
        return values
    return {k: {f: x for f, x in v.items() if f != "buckets"} for k, v in values.items()}


def counts_only(values: dict) -> dict:
    """Without last_article_id: with several input partitions the order (so which copy of a syndicated
    text counts) is not the file order, but every count is."""
    return {k: {**{f: x for f, x in v.items() if f not in ("last_article_id", "buckets")},
                "buckets": [{f: x for f, x in b.items() if f != "last_article_id"} for b in v["buckets"]]}
            for k, v in values.items()}


class LocalBroker:
    """Stop and restart the test broker on its data (`scripts/kafka-local stop --keep-data` / `start`),
    for outage tests.  Skips unless the broker under test is the one scripts/kafka-local runs."""

    SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "kafka-local"

    def __init__(self):
        status = subprocess.run([str(self.SCRIPT), "status"], capture_output=True, text=True)
        if status.returncode != 0 or status.stdout.strip() != BROKER:
            pytest.skip(f"the broker at {BROKER} is not run by scripts/kafka-local (KAFKA_PORT, KHABAR_KAFKA_STATE)")

    def _run(self, *args: str) -> None:
        result = subprocess.run([str(self.SCRIPT), *args], capture_output=True, text=True, timeout=180)
        assert result.returncode == 0, f"kafka-local {' '.join(args)} failed:\n{result.stderr}"

    def stop(self) -> None:
        self._run("stop", "--keep-data")

    def start(self) -> None:
        self._run("start")
        self.wait_writable()

    @staticmethod
    def wait_writable(timeout: float = 90.0) -> None:
        """Until a new topic can be created and written: a broker restarted on a large data dir answers
        the readiness probe before it has loaded every partition (later tests create new topics)."""
        import asyncio

        from aiokafka import AIOKafkaProducer
        from aiokafka.admin import AIOKafkaAdminClient, NewTopic

        async def probe() -> None:
            topic = f"kafka-local-probe-{uuid.uuid4().hex[:8]}"
            admin = AIOKafkaAdminClient(bootstrap_servers=BROKER)
            await admin.start()
            try:
                await admin.create_topics([NewTopic(topic, 1, 1)])
            finally:
                await admin.close()
            producer = AIOKafkaProducer(bootstrap_servers=BROKER, acks="all")
            await producer.start()
            try:
                await asyncio.wait_for(producer.send_and_wait(topic, b"probe"), 20)
            finally:
                await producer.stop()

        deadline = time.time() + timeout
        while True:
            try:
                asyncio.run(probe())
                return
            except Exception:
                if time.time() > deadline:
                    raise
                time.sleep(2)


def wait_exit(proc: subprocess.Popen, timeout: float) -> tuple[int | None, float]:
    """(return code or None if still running after timeout, seconds waited)."""
    t0 = time.monotonic()
    try:
        return proc.wait(timeout=timeout), time.monotonic() - t0
    except subprocess.TimeoutExpired:
        return None, time.monotonic() - t0
