"""A worker that always stops, quietly.

Invariants: SIGTERM stops `khabar worker` within 30 s whatever the broker's state (exit 0 after an
orderly stop, EXIT_GAVE_UP when Faust's stop hung); a broker outage gives a few log lines, not a
flood (aiokafka logs every reconnect attempt: ~75 lines/s before the rate limit)."""
from __future__ import annotations

import asyncio
import logging
import re
import time

import orjson
import pytest

from kafkautil import LocalBroker, Worker, broker_or_skip, consume_until, wait_exit, worker_env
from streams.config import ARTICLES, ENRICHED
from streams.stream.worker import EXIT_GAVE_UP, RateLimitFilter

CONNECTION_ERRORS = re.compile(r"Unable connect to node|Unable to update metadata|Failed fetch messages|"
                               r"Group Coordinator Request failed|NodeNotReadyError")


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def _record(msg: str, *args, level=logging.ERROR, name="aiokafka.conn") -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def test_rate_limit_filter_backs_off_and_counts():
    clock = Clock()
    flt = RateLimitFilter(first=5, longest=60, clock=clock)
    passed = []
    for _ in range(60 * 10 * 4):  # 4 minutes of 10 lines/s, like a broker outage
        rec = _record("Unable connect to node with id %s: %s", 1, "refused")
        if flt.filter(rec):
            passed.append((clock.t, rec.getMessage()))
        clock.t += 0.1
    # the first line, then one after 5, 10, 20, 40, 60 and 60 s: 4 minutes of flood in 7 lines
    assert len(passed) == 7, passed
    gaps = [round(b[0] - a[0]) for a, b in zip(passed, passed[1:])]
    assert gaps == [5, 10, 20, 40, 60, 60], gaps
    assert passed[0][1] == "Unable connect to node with id 1: refused"
    suppressed = [int(re.search(r"\[(\d+) more like this", m).group(1)) for _, m in passed[1:]]
    assert sum(suppressed) + len(passed) + _tail(passed, clock) == 2400  # every record passed or counted
    # other messages and INFO records are not held back by this one
    assert flt.filter(_record("Heartbeat failed"))
    assert flt.filter(_record("Stopping %s", "x", level=logging.INFO))
    # after a quiet minute the next occurrence passes at once
    clock.t += 61
    assert flt.filter(_record("Unable connect to node with id %s: %s", 1, "refused"))


def _tail(passed, clock) -> int:
    """Lines suppressed after the last one that passed (reported only with the next)."""
    return round((clock.t - passed[-1][0]) / 0.1) - 1


def test_started_worker_logs_at_its_level_not_at_debug_for_the_spinner(tmp_path):
    """Faust puts the root logger at DEBUG for its start-up spinner; left there, every debug call of Faust
    and aiokafka built a record (a seventh of the worker's CPU per article)."""
    from faust.utils.terminal import SpinnerHandler

    from streams.config import Settings
    from streams.stream.app import make_app

    app = make_app(Settings(data_dir=str(tmp_path)))
    root = logging.getLogger()
    saved = root.level, list(root.handlers)
    try:
        worker = app.Worker(loglevel="warn", loop=asyncio.new_event_loop())
        worker._setup_logging()
        assert root.level == logging.DEBUG and any(isinstance(h, SpinnerHandler) for h in root.handlers)
        worker.loop.run_until_complete(worker.on_startup_finished())
        assert root.level == logging.WARNING
        assert not any(isinstance(h, SpinnerHandler) for h in root.handlers)
        assert not logging.getLogger("aiokafka.producer.producer").isEnabledFor(logging.DEBUG)
    finally:
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]


def test_rate_limited_message_survives_formatting():
    """A suppressed-count line must format under mode's formatter (record.args must stay a tuple)."""
    from mode.utils.logging import ExtensionFormatter

    clock = Clock()
    flt = RateLimitFilter(first=1, longest=4, clock=clock)
    flt.filter(_record("x %s", 1))
    clock.t += 0.5
    flt.filter(_record("x %s", 1))
    clock.t += 1
    rec = _record("x %s", 1)
    assert flt.filter(rec)
    assert ExtensionFormatter().format(rec).endswith("x 1 [1 more like this in the last 2 s]")


async def _produce(topic: str, values: list[bytes]) -> None:
    from aiokafka import AIOKafkaProducer

    from kafkautil import BROKER
    producer = AIOKafkaProducer(bootstrap_servers=BROKER, acks="all")
    await producer.start()
    try:
        for v in values:
            await producer.send_and_wait(topic, v, key=orjson.loads(v)["id"].encode())
    finally:
        await producer.stop()


@pytest.mark.kafka
def test_sigterm_with_the_broker_gone_exits_within_30s_and_the_outage_is_quiet(tmp_path):
    broker_or_skip()
    broker = LocalBroker()
    env = worker_env(tmp_path, KHABAR_LOG_LEVEL="warn")
    prefix = env["KHABAR_TOPIC_PREFIX"]
    worker = Worker(env, tmp_path / "worker.log")
    outage = 20.0
    try:
        worker.wait_ready()
        # fully up: an article goes through before the broker goes away
        asyncio.run(_produce(prefix + ARTICLES, [orjson.dumps({"id": "s-1", "body": "وزیر وارد تهران شد."})]))
        got = asyncio.run(consume_until([prefix + ENRICHED], lambda g: len(g[prefix + ENRICHED]) >= 1))
        assert len(got[prefix + ENRICHED]) == 1, worker.tail()
        broker.stop()
        try:
            time.sleep(outage)
            worker.proc.terminate()
            rc, waited = wait_exit(worker.proc, 30)
        finally:
            broker.start()
        assert rc is not None, f"worker still running 30 s after SIGTERM:\n{worker.tail()}"
        assert rc in (0, EXIT_GAVE_UP), worker.tail()
    finally:
        worker.stop()
    log = (tmp_path / "worker.log").read_text(errors="replace").splitlines()
    errors = [line for line in log if CONNECTION_ERRORS.search(line)]
    print(f"SIGTERM with the broker gone: exit {rc} after {waited:.1f} s; {len(errors)} connection-error "
          f"lines in a {outage:.0f} s outage + shutdown")
    assert len(errors) < 40, "\n".join(errors[:50])


@pytest.mark.kafka
def test_sigterm_with_the_broker_up_exits_0(tmp_path):
    broker_or_skip()
    worker = Worker(worker_env(tmp_path), tmp_path / "worker.log")
    try:
        worker.wait_ready()
        time.sleep(3)  # past start-up, into the consumer group
        worker.proc.terminate()
        rc, waited = wait_exit(worker.proc, 30)
        assert rc == 0, f"exit {rc} after {waited:.1f} s:\n{worker.tail()}"
    finally:
        worker.stop()
