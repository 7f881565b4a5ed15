"""The persistent table store (`KHABAR_STORE=rocksdb`, the default) on the real broker: a worker restarted on
its data directory, after a clean stop and after a SIGKILL mid-run, reads only the changelog tail and its
tables (co-occurrence pairs and actors, the dedup index, the /stats totals, the fused events) equal the
offline computation; a deleted data directory recovers in full from the changelogs."""
from __future__ import annotations

import asyncio
import datetime as dt
import shutil

import pytest

from conftest import extract_offline
from kafkautil import Worker, broker_or_skip, consume_until, free_port, stopped_after, worker_env
from streams.config import ARTICLES, COOCCURRENCE, ENRICHED
from streams.fusion import recent
from test_cooccurrence_kafka import (_without_last, comparable, counts_only, dev_set, final_values, get, offline,
                                     produce, q, top_actors, wait_for)

pytestmark = pytest.mark.kafka


def records_read(worker: Worker) -> int:
    """Changelog records the worker's co-occurrence and fusion tables applied since it started."""
    return sum(get(worker, "/cooccurrence/status?local=1")["changelog_records_read"].values())


def views(worker: Worker) -> dict:
    """What the views answer from the tables (every table but the seen-set, which `seen_again` checks)."""
    stats = get(worker, "/stats")
    return {"top": _without_last(get(worker, "/cooccurrence/top?window=total&limit=1000")["pairs"]),
            "events": get(worker, "/events/recent?limit=1000")["events"],
            "in_equals_out": stats["in"] == stats["enriched"] + stats["deadlettered"], "in": stats["in"]}


def offline_fused(tmp_path, articles: list[dict], name: str) -> list[dict]:
    """`khabar extract --fuse` on the articles, as /events/recent lists them."""
    return recent(extract_offline(tmp_path, articles, f"{name}-in", "--fuse")[0], None, 1000)


def differences(got: dict, want: dict) -> list:
    """The parts of two `views` answers that differ, small enough to read in a CI log."""
    out = [(k, got[k], want[k]) for k in ("in_equals_out", "in") if got[k] != want[k]]
    if got["top"] != want["top"]:
        out.append(("top", [p for p in got["top"] if p not in want["top"]], [p for p in want["top"] if p not in got["top"]]))
    by_id = lambda events: {e["id"]: e for e in events}  # noqa: E731
    g, w = by_id(got["events"]), by_id(want["events"])
    for fid in sorted(g.keys() | w.keys()):
        if g.get(fid) != w.get(fid):
            a, b = g.get(fid) or {}, w.get(fid) or {}
            out.append((fid, {f: a.get(f) for f in a.keys() | b.keys() if a.get(f) != b.get(f)},
                        {f: b.get(f) for f in a.keys() | b.keys() if a.get(f) != b.get(f)}))
    return out


def test_a_worker_restarted_on_its_store_reads_the_tail_only_and_equals_offline(tmp_path):
    broker_or_skip()
    # undated (event time = ingest time): lateness cannot depend on how the two partitions interleave
    articles = [{**a, "published_at": None} for a in dev_set()]
    first, second = articles[:len(articles) // 2], articles[len(articles) // 2:]
    off_first, rows_first = offline(tmp_path, first, "first")
    off_all, rows_all = offline(tmp_path, articles, "all")
    fused_first, fused_all = offline_fused(tmp_path, first, "first"), offline_fused(tmp_path, articles, "all")
    day = dt.datetime.now(dt.timezone.utc).date()
    same_day = lambda: dt.datetime.now(dt.timezone.utc).date() == day  # noqa: E731
    env = worker_env(tmp_path, KHABAR_PARTITIONS="2", KHABAR_STORE="rocksdb")
    data_dir, prefix = env["KHABAR_DATA_DIR"], env["KHABAR_TOPIC_PREFIX"]
    out_topic, enriched_topic = prefix + COOCCURRENCE, prefix + ENRICHED
    n = 0

    def start() -> Worker:
        nonlocal n
        n += 1
        worker = Worker({**env, "KHABAR_WEB_PORT": str(free_port())}, tmp_path / f"worker-{n}.log")
        worker.wait_ready()
        wait_for(lambda: get(worker, "/cooccurrence/status?local=1")["ready"], 180, "recovery", [worker])
        return worker

    def until_equal(rows) -> dict:
        expected = comparable(counts_only({r["key"]: r for r in rows}), same_day())
        got = asyncio.run(consume_until(
            [out_topic], lambda g: comparable(counts_only(final_values(g[out_topic])), same_day()) == expected,
            timeout=300))
        return final_values(got[out_topic])

    def settled(worker: Worker, off, fused: list) -> dict:
        """The views once every counted article's batches are applied (the changelog may be complete a
        moment before the last flush is stored) and every event report is fused (the fusion agent reads its
        own repartition topic: it may lag the co-occurrence output)."""
        wait_for(lambda: _without_last(get(worker, "/cooccurrence/top?window=total&limit=1000")["pairs"])
                 == _without_last(off.top(limit=1000)), 60, "the views to show every count", [worker])
        wait_for(lambda: get(worker, "/events/recent?limit=1000")["events"] == fused, 60,
                 "the events view to equal the offline fusion", [worker])
        return views(worker)

    worker = start()
    try:
        # 1. the first half, then a clean stop (SIGTERM)
        asyncio.run(produce(prefix + ARTICLES, first))
        until_equal(rows_first)
        before = settled(worker, off_first, fused_first)
        assert before["in"] == len(first) and before["in_equals_out"]
        worker.stop()

        # 2. restarted on its store: nothing to read but what came after the last stored flush (none here)
        worker = start()
        assert records_read(worker) == 0
        assert not differences(views(worker), before)
        # the dedup index came back too: the same ids again are "seen" and count nothing
        again = first[:5]
        asyncio.run(produce(prefix + ARTICLES, again))
        stats = wait_for(lambda: (s := get(worker, "/cooccurrence/status?local=1")["stats"])["articles"] >= 5 and s,
                         60, "the repeats decided", [worker])
        assert stats["seen"] == 5 and stats["counted"] == 0 and stats["pair_records"] == 0
        assert views(worker)["top"] == before["top"]

        # 3. the second half, and a SIGKILL a third of the way through (no flush, no commit, whatever in flight)
        asyncio.run(produce(prefix + ARTICLES, second))
        asyncio.run(consume_until([enriched_topic], lambda g: len(g[enriched_topic]) >= len(first) + 5 + len(second) // 3,
                                  timeout=240))
        worker.proc.kill()
        worker.proc.wait()
        worker.stop()
        worker = start()
        tail = records_read(worker)
        until_equal(rows_all)   # every article counted once: versions and stored offsets agree
        after = settled(worker, off_all, fused_all)
        assert after["in"] >= len(articles) + 5 and after["in_equals_out"]  # re-read after the kill: counted again
        worker.stop()

        # 4. the store deleted: a full recovery from the changelogs gives the same tables
        shutil.rmtree(data_dir)
        worker = start()
        full = records_read(worker)
        assert not differences(views(worker), after)
        # the SIGKILLed restart read a tail, far less than everything the changelogs hold
        assert tail < full / 2, (tail, full)
        assert full >= len(off_all.agg.pairs) + len(off_all.agg.actors)
    except BaseException:
        print(worker.tail())
        raise
    finally:
        worker.stop()


def test_partitions_back_from_another_worker_read_its_writes_from_the_changelog(tmp_path):
    """Worker 1 counts alone, worker 2 (its own data directory) joins and takes partitions, both count, worker 2
    stops: worker 1's stores of the partitions that come back are as old as the hand-over (or as its standby
    replicas kept them) and must read worker 2's writes from the changelog tail; its views then equal the
    offline run over everything."""
    broker_or_skip()
    articles = [{**a, "published_at": None} for a in dev_set()]
    first, second = articles[:len(articles) // 2], articles[len(articles) // 2:]
    off_all, rows_all = offline(tmp_path, articles, "all")
    day = dt.datetime.now(dt.timezone.utc).date()
    same_day = lambda: dt.datetime.now(dt.timezone.utc).date() == day  # noqa: E731
    base = worker_env(tmp_path, KHABAR_PARTITIONS="4", KHABAR_STORE="rocksdb")
    prefix = base["KHABAR_TOPIC_PREFIX"]
    out_topic = prefix + COOCCURRENCE
    envs = [{**base, "KHABAR_WEB_PORT": str(free_port()), "KHABAR_DATA_DIR": str(tmp_path / f"data-{i}")}
            for i in range(2)]
    workers = [Worker(envs[0], tmp_path / "worker-1.log")]
    with stopped_after(workers):
        workers[0].wait_ready()
        asyncio.run(produce(prefix + ARTICLES, first))
        asyncio.run(consume_until([prefix + ENRICHED], lambda g: len(g[prefix + ENRICHED]) >= len(first),
                                  timeout=240))
        workers.append(Worker(envs[1], tmp_path / "worker-2.log"))
        workers[1].wait_ready()

        wait_for(lambda: (s := get(workers[0], "/cooccurrence/status"))["ready"] and len(s["workers"]) == 2,
                 180, "two workers sharing the partitions", workers)
        asyncio.run(produce(prefix + ARTICLES, second))
        expected = comparable(counts_only({r["key"]: r for r in rows_all}), same_day())
        asyncio.run(consume_until(
            [out_topic], lambda g: comparable(counts_only(final_values(g[out_topic])), same_day()) == expected,
            timeout=300))
        second_worker = get(workers[1], "/cooccurrence/status?local=1")["stats"]
        assert second_worker["pair_records"] > 0  # worker 2 counted some of it
        workers.pop().stop()

        wait_for(lambda: (s := get(workers[0], "/cooccurrence/status"))["ready"] and len(s["workers"]) == 1,
                 180, "worker 1 alone again", workers)
        wait_for(lambda: _without_last(get(workers[0], "/cooccurrence/top?window=total&limit=1000")["pairs"])
                 == _without_last(off_all.top(limit=1000)), 120, "worker 1's views to show every count", workers)
        for aid in top_actors(off_all, 8):
            actor = get(workers[0], f"/actors/{q(aid)}")["actor"]
            assert (actor["articles"], actor["mentions"]) == (off_all.agg.actors[aid]["articles"],
                                                              off_all.agg.actors[aid]["mentions"])
        stats = get(workers[0], "/stats")
        assert stats["in"] >= len(articles) and stats["in"] == stats["enriched"] + stats["deadlettered"]
