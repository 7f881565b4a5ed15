"""Actor co-occurrence on the real broker: streaming == offline, restart recovery from the changelogs,
duplicates, and queries answered by either of two workers (Faust table routing)."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
import urllib.parse

import orjson
import pytest

from conftest import assert_valid, extract_offline, read_jsonl, shared
from kafkautil import (BROKER, Worker, broker_or_skip, comparable, consume_until, counts_only, final_values,
                       free_port, stopped_after, worker_env)
from streams.config import ARTICLES, COOCCURRENCE, ENRICHED, Settings
from streams.cooccurrence import OfflineCooccurrence, iso

pytestmark = pytest.mark.kafka


def dev_set() -> list[dict]:
    return read_jsonl(shared("eval", "dev-articles.jsonl")) + read_jsonl(shared("eval", "dev-nsurl-articles.jsonl"))


def offline(tmp_path, articles: list[dict], name: str = "offline") -> tuple[OfflineCooccurrence, list[dict]]:
    """`khabar extract --cooccurrence` on the articles; also the same tables rebuilt from its enriched output
    (for query answers); both must agree."""
    rows, stdout = extract_offline(tmp_path, articles, name, "--cooccurrence")
    tables = OfflineCooccurrence(Settings())
    for line in stdout.splitlines():
        tables.add(orjson.loads(line))
    assert tables.results() == rows
    return tables, rows


async def produce(topic: str, articles: list[dict]) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=BROKER, acks="all", linger_ms=5)
    await producer.start()
    try:
        for a in articles:
            await producer.send_and_wait(topic, value=orjson.dumps(a), key=str(a["id"]).encode())
    finally:
        await producer.stop()


async def topic_config(topic: str) -> dict[str, str]:
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    admin = AIOKafkaAdminClient(bootstrap_servers=BROKER)
    await admin.start()
    try:
        (response,) = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    finally:
        await admin.close()
    (resource,) = response.resources
    return {entry[0]: entry[1] for entry in resource[4]}


def get(worker: Worker, path: str, timeout: float = 20.0):
    return json.loads(worker.get(path, timeout=timeout))


def q(actor_id: str) -> str:
    return urllib.parse.quote(actor_id, safe="")


def wait_for(predicate, timeout: float, what: str, workers=()):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except OSError as e:
            last = e
        time.sleep(0.5)
    tails = "\n".join(w.tail(40) for w in workers)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})\n{tails}")


def snapshot(worker: Worker, actor_ids: list[str]) -> dict:
    snap = {"top_total": get(worker, "/cooccurrence/top?window=total&limit=1000")["pairs"],
            "top_current": get(worker, "/cooccurrence/top?window=7d&limit=1000")}
    for aid in actor_ids:
        snap[aid] = (get(worker, f"/actors/{q(aid)}")["actor"],
                     get(worker, f"/cooccurrence/{q(aid)}?window=total&limit=50")["partners"],
                     get(worker, f"/cooccurrence/{q(aid)}?window=7d&limit=50")["partners"])
    return snap


def top_actors(off: OfflineCooccurrence, n: int) -> list[str]:
    return [a for a, _ in sorted(off.agg.actors.items(), key=lambda kv: (-kv[1]["articles"], kv[0]))[:n]]


def test_streaming_equals_offline_survives_restart_and_ignores_duplicates(tmp_path):
    broker_or_skip()
    articles = dev_set()
    off, rows = offline(tmp_path, articles)
    offline_day = dt.datetime.now(dt.timezone.utc).date()
    expected = {r["key"]: r for r in rows}
    env = worker_env(tmp_path)
    prefix = env["KHABAR_TOPIC_PREFIX"]
    out_topic, enriched_topic = prefix + COOCCURRENCE, prefix + ENRICHED
    worker = Worker(env, tmp_path / "worker-1.log")
    try:
        worker.wait_ready()
        asyncio.run(produce(prefix + ARTICLES, articles))
        same_day = dt.datetime.now(dt.timezone.utc).date() == offline_day
        got = asyncio.run(consume_until(
            [out_topic], lambda g: comparable(final_values(g[out_topic]), same_day) == comparable(expected, same_day),
            timeout=240))
        for m in got[out_topic]:
            assert_valid(COOCCURRENCE, orjson.loads(m.value))
        streamed = final_values(got[out_topic])
        assert comparable(streamed, same_day) == comparable(expected, same_day)  # streaming == offline, every pair
        config = asyncio.run(topic_config(out_topic))
        assert config["cleanup.policy"] == "compact"  # latest per key = current
        # short segments, so that the cleaner reaches them: a restart replays keys, not all history
        assert config["segment.ms"] == str(Settings().changelog_segment_ms)
        assert config["min.cleanable.dirty.ratio"] == "0.1"
        # a few messages per pair, not one per article and window: the record cache coalesced the changes
        assert len(got[out_topic]) < off.stats["pairs"]

        actors = top_actors(off, 6)
        before = snapshot(worker, actors)
        assert before["top_total"] == off.top(limit=1000)
        assert before["top_current"]["window"]["start"] == iso(off.current()[0])
        assert before["top_current"]["pairs"] == off.top(off.current(), limit=1000)
        for aid in actors:
            actor, total, current = before[aid]
            assert actor["articles"] == off.agg.actors[aid]["articles"]
            assert actor["mentions"] == off.agg.actors[aid]["mentions"]
            assert total == off.partners(aid, limit=50)
            assert current == off.partners(aid, off.current(), limit=50)
        status = get(worker, "/cooccurrence/status")
        assert status["workers"][0]["stats"]["counted"] == off.stats["counted"]
        assert status["workers"][0]["stats"]["late"] == off.stats["late"]
    except BaseException:
        print(worker.tail())
        raise
    finally:
        worker.stop()

    # restart: a new process (memory store) rebuilds every table from its changelog
    env2 = {**env, "KHABAR_WEB_PORT": str(free_port()), "KHABAR_DATA_DIR": str(tmp_path / "data-restarted")}
    worker = Worker(env2, tmp_path / "worker-2.log")
    try:
        worker.wait_ready()
        wait_for(lambda: get(worker, "/cooccurrence/status")["ready"], 120, "recovery", [worker])
        after = snapshot(worker, actors)
        assert after == before  # counts before and after the restart are equal

        # the same ids again, and a syndicated copy of a counted article under another id
        original = next(a for a in articles if a["id"] == off.agg.pairs[before["top_total"][0]["key"]]
                        ["last_article_id"])
        copy = {**original, "id": original["id"] + "-syndicated", "body": "به گزارش خبرگزاری ایرنا، " + original["body"]}
        again = articles[:5] + [original]
        asyncio.run(produce(prefix + ARTICLES, again + [copy]))
        enriched = asyncio.run(consume_until(
            [enriched_topic], lambda g: any(orjson.loads(m.value)["id"] == copy["id"] for m in g[enriched_topic]),
            timeout=120))[enriched_topic]
        copy_record = next(orjson.loads(m.value) for m in enriched if orjson.loads(m.value)["id"] == copy["id"])
        assert copy_record["duplicate_of"] == original["id"]
        assert_valid(ENRICHED, copy_record)
        stats = wait_for(lambda: (s := get(worker, "/cooccurrence/status?local=1")["stats"])["articles"] >= 7
                         and s["replayed"] == s["batches_sent"] and s, 60, "duplicates processed", [worker])
        late_again = sum(1 for a in again if a["id"] not in off.dedup.seen)
        assert stats["seen"] == len(again) - late_again and stats["near_duplicate"] == 1
        # the ids seen before re-send their batches (a crash may have lost them); the tables ignore them
        assert stats["counted"] == 0 and stats["pair_records"] == 0 and stats["resent"] == stats["seen"]
        assert snapshot(worker, actors) == before
    except BaseException:
        print(worker.tail())
        raise
    finally:
        worker.stop()


def _without_last(rows: list[dict]) -> list[dict]:
    # with 4 input partitions the arrival order per pair (hence last_article_id) is not the file order
    return [{k: v for k, v in r.items() if k != "last_article_id"} for r in rows]


def test_two_workers_answer_queries_for_keys_on_either(tmp_path):
    broker_or_skip()
    # in event-time order, so per-partition watermarks (4 partitions) and one offline watermark agree on lateness
    articles = sorted(dev_set(), key=lambda a: (a.get("published_at") is None, a.get("published_at") or ""))
    base = worker_env(tmp_path, KHABAR_PARTITIONS="4")
    envs = [{**base, "KHABAR_WEB_PORT": str(free_port()), "KHABAR_DATA_DIR": str(tmp_path / f"data-{i}")}
            for i in range(2)]
    prefix = base["KHABAR_TOPIC_PREFIX"]
    workers = [Worker(envs[0], tmp_path / "worker-a.log")]
    with stopped_after(workers):
        workers[0].wait_ready()
        workers.append(Worker(envs[1], tmp_path / "worker-b.log"))
        workers[1].wait_ready()

        def balanced():
            status = get(workers[0], "/cooccurrence/status")
            return status["ready"] and len(status["workers"]) == 2 and status
        wait_for(balanced, 180, "two workers sharing the partitions", workers)
        asyncio.run(produce(prefix + ARTICLES, articles))
        enriched_topic = prefix + ENRICHED
        enriched = asyncio.run(consume_until([enriched_topic], lambda g: len(g[enriched_topic]) >= len(articles),
                                             timeout=240))[enriched_topic]
        # the reference: the same functions in-process over the records the workers enriched
        off = OfflineCooccurrence(Settings())
        for r in sorted((orjson.loads(m.value) for m in enriched), key=lambda r: [a["id"] for a in articles].index(r["id"])):
            off.add(r)
        assert off.stats["late"] == 0 and off.stats["counted"] == len(articles)

        def done():
            status = get(workers[0], "/cooccurrence/status")
            stats = [w["stats"] for w in status["workers"]]
            totals = {k: sum(s[k] for s in stats) for k in ("articles", "pair_records", "actor_records")}
            return totals == {"articles": len(articles), "pair_records": off.stats["pairs"],
                              "actor_records": off.actor_records} and stats or totals
        stats = wait_for(lambda: isinstance(x := done(), list) and x, 480, "every pair and actor record aggregated",
                         workers)
        assert all(s["pair_records"] > 0 for s in stats), stats  # both workers own pairs

        owners = set()
        for aid in top_actors(off, 12):
            answers = [(get(w, f"/actors/{q(aid)}"), get(w, f"/cooccurrence/{q(aid)}?window=total&limit=20"),
                        get(w, f"/cooccurrence/{q(aid)}?window=7d&limit=20")) for w in workers]
            assert answers[0] == answers[1]  # the same answer whichever worker is asked
            actor, total, current = answers[0]
            owners.add(actor["worker"])
            assert actor["actor"]["articles"] == off.agg.actors[aid]["articles"]
            assert actor["actor"]["mentions"] == off.agg.actors[aid]["mentions"]
            assert total["partners"] == off.partners(aid, limit=20)
            assert current["partners"] == off.partners(aid, off.current(), limit=20)
        assert len(owners) == 2, owners  # keys live on both workers, so half the answers were routed
        for w in workers:
            assert _without_last(get(w, "/cooccurrence/top?window=total&limit=50")["pairs"]) == \
                _without_last(off.top(limit=50))
            assert _without_last(get(w, "/cooccurrence/top?limit=50")["pairs"]) == \
                _without_last(off.top(off.current(), limit=50))


def test_copies_on_other_partitions_and_a_crash_mid_run_count_like_offline(tmp_path):
    """Invariant: with 4 partitions, syndicated copies under new ids (so on other partitions than their
    originals) and a worker killed with SIGKILL mid-run and restarted, the compacted actors.cooccurrence
    equals the offline computation over the same input, count for count; no article is lost."""
    broker_or_skip()
    # undated (event time = ingest time): lateness then cannot depend on the interleaving of partitions
    originals = [{**a, "published_at": None} for a in dev_set()]
    copies = [{**a, "id": f"{a['id']}-copy"} for a in originals]
    articles = [a for pair in zip(originals, copies) for a in pair]
    off, rows = offline(tmp_path, articles)
    offline_day = dt.datetime.now(dt.timezone.utc).date()
    assert off.stats["near_duplicate"] >= len(copies) * 0.8   # the copies are found, not counted
    expected = counts_only({r["key"]: r for r in rows})
    env = worker_env(tmp_path, KHABAR_PARTITIONS="4")
    prefix = env["KHABAR_TOPIC_PREFIX"]
    out_topic, enriched_topic = prefix + COOCCURRENCE, prefix + ENRICHED
    worker = Worker(env, tmp_path / "worker-1.log")
    try:
        worker.wait_ready()
        asyncio.run(produce(prefix + ARTICLES, articles))
        asyncio.run(consume_until([enriched_topic], lambda g: len(g[enriched_topic]) >= len(articles) // 3,
                                  timeout=240))
        worker.proc.kill()      # SIGKILL: no commit, no flush, whatever was in flight
        worker.proc.wait()
        worker.stop()
        worker = Worker({**env, "KHABAR_WEB_PORT": str(free_port())}, tmp_path / "worker-2.log")
        worker.wait_ready()
        same_day = lambda: dt.datetime.now(dt.timezone.utc).date() == offline_day  # noqa: E731
        ids = {a["id"] for a in articles}

        def counted_and_enriched(g) -> bool:
            # both: the reader may hold every pair before it has read the last enriched records
            return (comparable(counts_only(final_values(g[out_topic])), same_day()) == comparable(expected, same_day())
                    and {orjson.loads(m.value)["id"] for m in g[enriched_topic]} == ids)
        got = asyncio.run(consume_until([out_topic, enriched_topic], counted_and_enriched, timeout=300))
        assert comparable(counts_only(final_values(got[out_topic])), same_day()) == comparable(expected, same_day())
        enriched_ids = {orjson.loads(m.value)["id"] for m in got[enriched_topic]}
        assert enriched_ids == ids   # none lost (a replay may enrich one twice)
        for m in got[out_topic]:
            assert_valid(COOCCURRENCE, orjson.loads(m.value))
        # the copies really landed on other partitions than their originals
        by_id = {orjson.loads(m.value)["id"]: m.partition for m in got[enriched_topic]}
        assert sum(by_id[c["id"]] != by_id[o["id"]] for o, c in zip(originals, copies)) >= len(copies) // 2
    except BaseException:
        print(worker.tail())
        raise
    finally:
        worker.stop()
