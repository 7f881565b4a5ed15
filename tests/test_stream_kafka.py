"""End to end on the real local Kafka broker: articles in, enriched records, events and dead letters out."""
from __future__ import annotations

import asyncio
import json

import orjson
import pytest

from conftest import assert_valid, read_jsonl, shared
from kafkautil import BROKER, Worker, broker_or_skip, consume_until, worker_env
from streams.config import ARTICLES, DEADLETTER, ENRICHED, SANCTIONS, VISITS
from streams.processing import process

pytestmark = pytest.mark.kafka

BAD_INPUTS = [
    (b"bad-json", b'{"id": "bad-json", "body": '),
    (b"bad-utf8", b'{"id": "bad-utf8", "body": "\xff\xfe caf\xe9"}'),
    (b"bad-missing-body", b'{"id": "bad-missing-body", "title": "no body here"}'),
    (b"bad-body-type", b'{"id": "bad-body-type", "body": ["not", "a", "string"]}'),
    (b"bad-huge", orjson.dumps({"id": "bad-huge", "body": "\u062e\u0628\u0631 " * (5 * 1024 * 1024 // 7 + 1)})),
    (None, b"[1, 2, 3]"),
]


async def _produce(topic: str, messages: list[tuple[bytes | None, bytes]]) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=BROKER, max_request_size=16 * 1024 * 1024, acks="all")
    await producer.start()
    try:
        for key, value in messages:
            await producer.send_and_wait(topic, value=value, key=key)
    finally:
        await producer.stop()


def test_articles_flow_through_the_worker_exactly_once(tmp_path):
    broker_or_skip()
    articles = read_jsonl(shared("seed", "article.jsonl")) + read_jsonl(shared("eval", "dev-articles.jsonl")) \
        + read_jsonl(shared("eval", "dev-nsurl-articles.jsonl"))
    good = [(a["id"].encode(), orjson.dumps(a)) for a in articles]
    inputs = good + BAD_INPUTS
    env = worker_env(tmp_path)
    prefix = env["KHABAR_TOPIC_PREFIX"]
    worker = Worker(env, tmp_path / "worker.log")
    try:
        worker.wait_ready()
        asyncio.run(_produce(prefix + ARTICLES, inputs))
        topics = [prefix + t for t in (ENRICHED, DEADLETTER, SANCTIONS, VISITS)]

        def done(got):
            return len(got[topics[0]]) + len(got[topics[1]]) >= len(inputs)

        got = asyncio.run(consume_until(topics, done))
        # let stragglers (events published after the enriched record) arrive, then read everything again
        expected_events = sum(len(orjson.loads(m.value)["events"]) for m in got[topics[0]])
        got = asyncio.run(consume_until(topics, lambda g: done(g) and len(g[topics[2]]) + len(g[topics[3]])
                                        >= expected_events, timeout=60))
        stats = json.loads(worker.get("/stats"))
    except BaseException:
        print(worker.tail())
        raise
    finally:
        worker.stop()

    enriched = [orjson.loads(m.value) for m in got[topics[0]]]
    dead = [orjson.loads(m.value) for m in got[topics[1]]]
    assert len(enriched) + len(dead) == len(inputs), (len(enriched), len(dead), len(inputs))
    enriched_ids = [r["id"] for r in enriched]
    assert sorted(enriched_ids) == sorted(a["id"] for a in articles)  # each good article exactly once
    assert sorted(d["reason"] for d in dead) == sorted(
        ["invalid_json", "not_utf8", "missing_body", "body_not_string", "body_too_large", "not_an_object"])
    assert {d["key"] for d in dead} == {"bad-json", "bad-utf8", "bad-missing-body", "bad-body-type", "bad-huge", None}
    utf8 = next(d for d in dead if d["reason"] == "not_utf8")
    assert utf8["payload"] is None and utf8["payload_base64"]
    assert all(d["source"]["topic"] == prefix + ARTICLES and d["source"]["offset"] is not None for d in dead)
    huge = next(d for d in dead if d["reason"] == "body_too_large")
    assert len(huge["payload"].encode()) > 5_000_000  # the original 5 MB payload travels whole
    assert stats["in"] == stats["enriched"] + stats["deadlettered"] == len(inputs)
    # table changelog back-pressure is not a failure: no warning for it at the worker's log level
    assert "producer buffer full" not in (tmp_path / "worker.log").read_text(errors="replace")

    for r in enriched:
        assert_valid("articles.enriched", r)
    for d in dead:
        assert_valid("articles.deadletter", d)
    event_ids = {e["id"]: e["type"] for r in enriched for e in r["events"]}
    sanctions = [orjson.loads(m.value) for m in got[topics[2]]]
    visits = [orjson.loads(m.value) for m in got[topics[3]]]
    for m in sanctions:
        assert_valid("events.sanctions", m)
    for m in visits:
        assert_valid("events.visits", m)
    published = [m["id"] for m in sanctions + visits]
    assert sorted(published) == sorted(event_ids)  # every event on its topic, once
    assert all(event_ids[m["id"]] == "sanction" for m in sanctions)
    assert {m.key for m in got[topics[2]] + got[topics[3]]} == {i.encode() for i in event_ids}

    # the stream publishes exactly what the offline path computes
    by_id = {r["id"]: r for r in enriched}
    for a in articles[:10]:
        offline = next(o.value for o in process(orjson.dumps(a)) if o.topic == ENRICHED)
        online = by_id[a["id"]]
        offline.pop("processed_at"), online.pop("processed_at")
        assert online == offline
