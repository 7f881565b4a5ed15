"""Event fusion on the real broker: the compacted events.fused equals `khabar extract --fuse` on the dev and
training sets plus the fusion test articles (two input partitions), every message is schema-valid, and the
/events views answer from the fused table."""
from __future__ import annotations

import asyncio
import json

import orjson
import pytest

from conftest import assert_valid, extract_offline, read_jsonl, shared
from kafkautil import Worker, broker_or_skip, consume_until, worker_env
from streams.config import ARTICLES, ENRICHED, FUSED
from streams.fusion import recent
from test_cooccurrence_kafka import produce, topic_config
from test_fusion import BEIJING, MOSCOW, TOUR

pytestmark = pytest.mark.kafka


def compacted(messages) -> dict:
    """The latest value per fused id (a tombstone removes the id), as a compacted topic keeps it."""
    final = {}
    for m in messages:
        if m.value is None:
            final.pop(m.key.decode(), None)
        else:
            v = orjson.loads(m.value)
            assert m.key.decode() == v["id"]
            final[v["id"]] = v
    return final


def test_streaming_equals_offline_on_the_dev_and_training_sets(tmp_path):
    broker_or_skip()
    copy = {**MOSCOW[0], "id": "m-tasnim", "source": "tasnim", "published_at": "2024-05-06T12:00:00Z",
            "body": "به گزارش ایرنا، " + MOSCOW[0]["body"]}
    articles = (read_jsonl(shared("eval", "dev-articles.jsonl")) + read_jsonl(shared("eval", "train-articles.jsonl"))
                + MOSCOW + BEIJING + TOUR + [MOSCOW[1]])
    expected = {r["id"]: r for r in extract_offline(tmp_path, articles + [copy], "in", "--fuse")[0]}
    assert any(r["articles"] == 3 for r in expected.values())  # the Moscow visit, copy and repeat not counted

    env = worker_env(tmp_path, KHABAR_PARTITIONS="2")
    prefix = env["KHABAR_TOPIC_PREFIX"]
    worker = Worker(env, tmp_path / "worker.log")
    try:
        worker.wait_ready()
        asyncio.run(produce(prefix + ARTICLES, articles))
        # the copy after its original was decided: with two partitions which of the two came first would
        # otherwise be a race (both orders count the event once, but name different articles)
        asyncio.run(consume_until([prefix + ENRICHED], lambda g: any(
            orjson.loads(m.value)["id"] == MOSCOW[0]["id"] for m in g[prefix + ENRICHED]), timeout=240))
        asyncio.run(produce(prefix + ARTICLES, [copy]))
        topic = prefix + FUSED
        got = asyncio.run(consume_until([topic], lambda g: compacted(g[topic]) == expected, timeout=240))[topic]
        streamed = compacted(got)
        assert streamed == expected
        for m in got:
            if m.value is not None:
                assert_valid(FUSED, orjson.loads(m.value))
        assert asyncio.run(topic_config(topic))["cleanup.policy"] == "compact"

        some = sorted(expected)[len(expected) // 2]
        assert json.loads(worker.get(f"/events/{some}")) == expected[some]
        answer = json.loads(worker.get("/events/recent?type=visit&limit=20"))
        assert answer["events"] == recent(expected.values(), "visit", 20)
        zarif = json.loads(worker.get("/events/actor/person:mohammad-javad-zarif?limit=100"))["events"]
        assert {e["id"] for e in zarif} >= {r["id"] for r in expected.values() if r["status_history"][0]["article_id"]
                                            in ("m-irna", "b-plan")}
        with pytest.raises(Exception) as missing:
            worker.get("/events/fused-visit-0000000000000000")
        assert getattr(missing.value, "code", None) == 404
        with pytest.raises(Exception) as bad:
            worker.get("/events/recent?type=meeting")
        assert getattr(bad.value, "code", None) == 400
    except BaseException:
        print(worker.tail())
        raise
    finally:
        worker.stop()
