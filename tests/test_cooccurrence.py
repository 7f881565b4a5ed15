"""Actor co-occurrence, pure side (no broker): pairs, windows, duplicates, lateness, offline CLI,
and the enrich agent in Faust's test context."""
from __future__ import annotations

import datetime as dt

import orjson
import pytest

from conftest import assert_valid, broker_less_khabar, extract_offline, read_jsonl, shared
from streams.config import ENRICHED, Settings
from streams.processing import process
from streams.cooccurrence import (DAY, Aggregator, DedupIndex, OfflineCooccurrence, WindowConfig, article_batches,
                                  article_features, current_window, event_time, iso, pair_key, pair_window,
                                  parse_duration, window_ranges)

BODY = ("وزیر امور خارجه ایران با همتای روسی خود در مسکو دیدار کرد. "
        "در این دیدار سرگئی لاوروف از مواضع ایران حمایت کرد.\n"
        "آمریکا این دیدار را محکوم کرد و ایران پاسخ داد.")
ACTORS = [("country:IRN", "ایران", "GPE", "ایران"), ("person:sergey-lavrov", "سرگئی لاوروف", "PERSON", "سرگئی لاوروف"),
          ("city:moscow", "مسکو", "GPE", "مسکو"), ("country:USA", "آمریکا", "GPE", "آمریکا")]


def record(article_id: str, body: str | None = None, published_at: str | None = "2024-05-06", title: str = "دیدار در مسکو",
           actors=ACTORS) -> dict:
    """A hand-made enriched record: mentions at every occurrence of each surface form.  The default body
    gets a tail of its own, so different ids are different stories (not near-duplicates)."""
    if body is None:
        body = BODY + "\n" + " ".join(f"واژه{article_id}{i}" for i in range(40))
    entities = []
    for eid, name, typ, surface in actors:
        mentions = []
        for field, text in (("title", title), ("body", body)):
            start = text.find(surface)
            while start >= 0:
                mentions.append({"text": surface, "start": start, "end": start + len(surface), "field": field,
                                 "source": "gazetteer"})
                start = text.find(surface, start + 1)
        if mentions:
            entities.append({"id": eid, "type": typ, "name": name, "name_en": None, "country": None, "cameo": None,
                             "mentions": mentions})
    return {"id": article_id, "source": "test", "url": None, "published_at": published_at, "title": title,
            "body": body, "entities": entities, "events": [], "warnings": [], "pipeline_version": "test",
            "processed_at": "2026-01-01T00:00:00.000Z"}


def ts(day: str) -> float:
    return dt.datetime.fromisoformat(day).replace(tzinfo=dt.timezone.utc).timestamp()


def test_pairs_are_unordered_once_per_article_with_same_sentence_flag():
    f = article_features(record("a1"))
    pairs = {p["key"]: p for p in f.pairs}
    assert len(pairs) == len(f.pairs) == 6          # 4 actors -> C(4,2) pairs, each once
    assert pair_key("country:USA", "country:IRN") == pair_key("country:IRN", "country:USA") == "country:IRN|country:USA"
    for p in f.pairs:
        assert p["a"] < p["b"] and p["key"] == f"{p['a']}|{p['b']}"
    same = {k for k, p in pairs.items() if p["same_sentence"]}
    # sentence 1: IRN, Moscow; sentence 2: Lavrov, IRN; sentence 3 (after the line break): USA, IRN
    assert same == {"city:moscow|country:IRN", "country:IRN|person:sergey-lavrov", "country:IRN|country:USA"}
    iran = next(a for a in f.actors if a["id"] == "country:IRN")
    assert iran["mentions"] == 3  # repeats raise mentions, never the pair count


def test_title_and_body_are_different_sentences():
    actors = [("country:IRN", "ایران", "GPE", "ایران"), ("city:moscow", "مسکو", "GPE", "مسکو")]
    f = article_features(record("t1", body="ایران بیانیه داد.", title="خبر از مسکو", actors=actors))
    assert [p["same_sentence"] for p in f.pairs] == [0]


def test_the_dedup_message_carries_sentence_numbers_and_the_pairs_are_formed_where_they_are_counted():
    from streams.cooccurrence import Features
    f = article_features(record("m1"))
    message = orjson.loads(orjson.dumps(f.to_json()))
    assert "pairs" not in message and all("sentences" in a for a in message["actors"])
    assert Features.from_json(message).pairs == f.pairs
    # a message written by a worker of the earlier layout (its pairs spelt out) is still read as it was
    old = {**message, "pairs": f.pairs[:1], "actors": [{k: v for k, v in a.items() if k != "sentences"}
                                                        for a in message["actors"]]}
    assert Features.from_json(old).pairs == f.pairs[:1]


def test_windows_match_faust_hopping_windows():
    from faust.windows import HoppingWindow

    cfg = WindowConfig()
    faust_window = HoppingWindow(cfg.size, cfg.step, cfg.retention)
    for t in (ts("2024-05-06"), ts("2024-05-06T13:45:00"), 1.7e9 + 0.5, ts("2009-11-06"), 86400.0 * 20000 - 1):
        assert window_ranges(t, cfg) == [tuple(r) for r in faust_window.ranges(t)]
        assert len(window_ranges(t, cfg)) == 7 and all(s <= t <= e for s, e in window_ranges(t, cfg))
    assert current_window(ts("2024-05-06T10:00:00"), cfg)[0] == ts("2024-04-30")


def test_event_time_falls_back_to_ingest_time():
    assert event_time({"published_at": "2024-05-06"}) == ts("2024-05-06")
    assert event_time({"published_at": "2024-05-06T12:00:00+03:30"}) == ts("2024-05-06T08:30:00")
    assert event_time({"published_at": None, "processed_at": "2026-01-02T03:04:05.000Z"}) == ts("2026-01-02T03:04:05")
    assert event_time({"published_at": "not a date", "processed_at": "2026-01-02T00:00:00Z"}) == ts("2026-01-02")


def test_config_rejects_expiry_shorter_than_the_window():
    with pytest.raises(ValueError):
        WindowConfig(size=7 * DAY, step=DAY, retention=7 * DAY)
    with pytest.raises(ValueError):
        WindowConfig(size=7 * DAY, step=5 * DAY)
    assert parse_duration("7d") == 7 * DAY and parse_duration("36h") == 1.5 * DAY and parse_duration(60) == 60
    s = Settings(cooccurrence_window="3d", cooccurrence_step="12h", cooccurrence_retention="10d")
    cfg = WindowConfig.from_settings(s)
    assert (cfg.size, cfg.step, cfg.retention) == (3 * DAY, DAY / 2, 10 * DAY)


def test_same_id_twice_counts_once():
    off = OfflineCooccurrence(cfg=WindowConfig())
    assert off.add(record("a1")).counts
    d = off.add(record("a1"))
    assert not d.counts and d.reason == "seen" and d.resend  # it counted: a replay re-sends, the tables ignore it
    assert off.top(limit=1)[0]["articles"] == 1
    assert all(b["articles"] == 1 for v in off.agg.pairs.values() for b in v["buckets"])


def test_windows_summed_from_buckets_equal_hopping_window_counts():
    """Any window answered from daily buckets equals counting the articles into Faust's hopping windows."""
    import random

    cfg = WindowConfig()
    rng = random.Random(7)
    off = OfflineCooccurrence(cfg=cfg)
    start = ts("2024-03-01")
    times = sorted(start + rng.uniform(0, 20 * DAY) for _ in range(60))
    expected: dict = {}
    for i, t in enumerate(times):
        off.add(record(f"h{i}", published_at=iso(t)))
        for w in window_ranges(t, cfg):
            expected[w] = expected.get(w, 0) + 1
    key = "country:IRN|country:USA"
    for w, n in expected.items():
        assert pair_window(off.agg.pairs[key], w, cfg)["articles"] == n
        partners = off.partners("country:USA", w, limit=5)
        assert [p["articles"] for p in partners] == [n, n, n] and partners[0]["sentences"] == n
    assert len(off.agg.pairs[key]["buckets"]) == len({int(t // DAY) for t in times})  # one bucket per day
    assert off.top()[0]["articles"] == len(times)


def test_batches_by_partition_and_replays_change_nothing():
    """One batch per owning partition; the aggregate over 4 partitions equals one; a batch applied twice
    (a re-delivery) or an article re-sent after a crash counts once."""
    cfg = WindowConfig()
    one, four = OfflineCooccurrence(cfg=cfg), Aggregator(cfg, {}, {}, {})
    part = lambda key: sum(key.encode()) % 4  # noqa: E731  (any deterministic owner map)
    for i in range(5):
        r = record(f"p{i}", published_at=f"2024-05-0{i + 1}")
        f = article_features(r)
        decision = one.add(r)
        batches = article_batches(f, decision, one.dedup, part)
        assert len(batches) == len({part(p["key"]) for p in f.pairs} | {part(a["id"]) for a in f.actors}) <= 4
        for p, batch in batches.items():
            assert {part(x["key"]) for x in batch["pairs"]} <= {p} and batch["article_id"] == f"p{i}"
            assert four.apply(batch, p)
            assert not four.apply(batch, p)  # delivered again: ignored
        again = one.dedup.check(f.article_id, f.time + 3600, f.signature)  # the same id re-sent later
        assert again.resend and again.time == f.time                          # counts with its first time
        for p, batch in article_batches(f, again, one.dedup, part).items():
            assert not four.apply(batch, p)
    assert four.pairs == one.agg.pairs and four.actors == one.agg.actors
    assert four.stats["replayed"] == 2 * four.stats["batches"] and four.stats["batches"] > 5


class MemoryTable:
    """The attributes of a worker table that the write-back cache reads and writes without a broker."""

    def __init__(self, data=None, versions=None):
        from streams.stream.cooccurrence import MemoryState

        self.data, self.versions = dict(data or {}), dict(versions or {})
        self.state = MemoryState(self.data, self.versions)


def test_a_flush_cut_anywhere_by_a_crash_then_read_again_counts_every_batch_once():
    """The worker writes a flush's changed keys to three changelogs, without a transaction: a SIGKILL may
    deliver any subset of them (the applied mark without some pair values, or the reverse).  Reading the
    flush's batches again from the committed offset must give exactly the tables of a run without a crash,
    whichever subset was delivered; a batch re-sent later under a new offset changes nothing."""
    import random

    from streams.stream.cooccurrence import WriteBack

    cfg = WindowConfig()
    off = OfflineCooccurrence(cfg=cfg)
    batches = []
    for i in range(6):
        r = record(f"c{i}", published_at=f"2024-05-0{i + 1}")
        f = article_features(r)
        batches += article_batches(f, off.add(r), off.dedup, lambda key: 0).values()
    resend = batches[3]  # the dedup agent re-sends a seen id's batch: a new offset, the same content

    def run(tables, messages):
        """One flush over (offset, batch) messages, as the cooccur agent does it."""
        caches = [WriteBack(t, lambda key: 0) for t in tables]
        agg = Aggregator(cfg, *caches)
        for offset, batch in messages:
            agg.apply(batch, 0, offset)
        for cache in caches:
            cache.flush(publish=False)
        return tables

    def state(tables):
        return [(t.data, t.versions) for t in tables]

    committed = list(enumerate(batches[:2]))            # flushed and committed before the crash
    cut = list(enumerate(batches))[2:] + [(6, resend)]  # the flush the crash cuts
    clean = run([MemoryTable() for _ in range(3)], committed + cut)
    before = state(run([MemoryTable() for _ in range(3)], committed))
    after = state(clean)
    keys = [(i, k) for i, (data, _) in enumerate(after) for k in data if data[k] != before[i][0].get(k)]
    assert len(keys) > 10
    rng = random.Random(7)
    subsets = [set(), set(keys)] + [{k for k in keys if rng.random() < 0.5} for _ in range(200)]
    for delivered in subsets:
        recovered = [MemoryTable(data, versions) for data, versions in before]
        for i, k in delivered:
            recovered[i].data[k] = after[i][0][k]
            if k in after[i][1]:
                recovered[i].versions[k] = after[i][1][k]
        assert state(run(recovered, cut)) == after
    totals = clean[0].data[next(iter(clean[0].data))]
    assert orjson.loads(totals)["articles"] == 6  # six articles, the re-sent one counted once


def test_near_duplicate_under_another_id_counts_once_and_links():
    long_body = BODY + "\n" + " ".join(f"جمله شماره {i} درباره این دیدار مهم و نتایج آن بود." for i in range(30))
    syndicated = "به گزارش ایرنا، " + long_body.replace("حمایت کرد", "پشتیبانی کرد")
    other = "\n".join(f"گزارش دیگری درباره اقتصاد و بازار سرمایه در هفته {i} منتشر شد و ایران و آمریکا" for i in range(30))
    off = OfflineCooccurrence(cfg=WindowConfig())
    assert off.add(record("orig", body=long_body)).counts
    copy = record("copy", body=syndicated, published_at="2024-05-07")
    d = off.add(copy)
    assert not d.counts and d.reason == "near_duplicate" and d.duplicate_of == "orig"
    assert copy["duplicate_of"] == "orig"  # the link on the enriched record, as in the worker
    assert_valid("articles.enriched", copy)
    assert off.add(record("different", body=other)).counts  # unrelated text is not a duplicate
    assert off.duplicates == {"copy": "orig"}
    assert off.agg.pairs["country:IRN|country:USA"]["articles"] == 2  # orig + different, not copy
    assert off.add(copy).duplicate_of == "orig"  # the copy again: still linked, still not counted
    assert off.agg.pairs["country:IRN|country:USA"]["articles"] == 2


def test_late_articles_land_in_their_window_and_too_late_ones_are_dropped():
    cfg = WindowConfig()
    off = OfflineCooccurrence(cfg=cfg)
    off.add(record("new", published_at="2024-05-20"))
    off.add(record("late", published_at="2024-05-06"))              # 14 days behind: within the 22-day horizon
    d = off.add(record("too-late", published_at="2024-04-01"))      # 49 days behind: its windows are gone
    assert not d.counts and d.reason == "late"
    key = "country:IRN|country:USA"
    assert {b["start"] for b in off.agg.pairs[key]["buckets"] if b["last_article_id"] == "late"} == {"2024-05-06T00:00:00Z"}
    assert off.agg.pairs[key]["articles"] == 2
    assert off.partners("country:IRN", window=current_window(ts("2024-05-06"), cfg))[0]["articles"] == 1


def test_current_window_follows_published_at_not_undated_articles():
    cfg = WindowConfig()
    off = OfflineCooccurrence(cfg=cfg)
    off.add(record("dated", published_at="2024-05-06"))
    undated = record("undated", published_at=None)  # event time = ingest time (2026-01-01 here)
    assert off.add(undated).counts
    assert off.current() == current_window(ts("2024-05-06"), cfg)
    # nor does it make a dated article late (whichever partition delivered first)
    assert off.dedup.watermark == ts("2024-05-06") and off.add(record("dated-2", published_at="2024-05-05")).counts


def test_lateness_follows_the_slowest_input_partition():
    """Partitions race each other: an article is late only behind the oldest of the partitions' newest
    dates, so a fast partition cannot make a slow one's articles late (as one sequence offline would not)."""
    cfg = WindowConfig()
    index = DedupIndex(cfg, {}, sources=2)
    sig = None
    assert index.check("fast-1", ts("2024-05-20"), sig, source=0).counts
    assert index.check("slow-1", ts("2024-04-01"), sig, source=1).counts   # 49 days behind the fast one
    assert index.watermark == ts("2024-04-01")
    assert index.check("fast-2", ts("2024-06-30"), sig, source=0).counts
    assert index.check("slow-2", ts("2024-04-05"), sig, source=1).counts
    d = index.check("slow-3", ts("2024-03-01"), sig, source=1)              # behind its own partition
    assert not d.counts and d.reason == "late"
    one = DedupIndex(cfg, {})                                               # offline: one sequence
    one.check("fast-1", ts("2024-05-20"), sig)
    assert one.check("slow-1", ts("2024-04-01"), sig).reason == "late"
    # the watermarks are derived from the seen-set: a recovered index decides the same
    again = DedupIndex(cfg, dict(index.seen), sources=2)
    assert again.watermark == index.watermark and again.check("slow-4", ts("2024-03-02"), sig, source=1).reason == "late"


def test_state_is_bounded_by_the_kept_windows():
    """Replay the same stories week after week: buckets and the seen-set stay flat while history grows."""
    cfg = WindowConfig()
    off = OfflineCooccurrence(cfg=cfg)
    sizes = []
    start = ts("2024-01-01")
    for week in range(30):
        for i in range(5):
            off.add(record(f"w{week}-{i}", published_at=iso(start + week * 7 * DAY + i * DAY)[:10]))
        sizes.append((sum(len(v["buckets"]) for v in off.agg.pairs.values()), len(off.dedup.seen)))
    buckets = [b for b, _ in sizes]
    assert len(set(buckets[8:])) == 1 and buckets[-1] <= 6 * (cfg.retention + cfg.size) / DAY  # flat
    # the seen-set is pruned in batches of 64 inserts: bounded by the retention's articles + one batch
    assert max(s for _, s in sizes) <= 30 // 7 * 5 + 5 + DedupIndex.PRUNE_EVERY
    assert off.stats["counted"] == 150
    assert len(off.agg.applied) <= 30 // 7 * 5 + 5 + DedupIndex.PRUNE_EVERY


def test_offline_cli_writes_schema_valid_tables(tmp_path):
    articles = read_jsonl(shared("eval", "dev-articles.jsonl"))[:8]
    rows, stdout = extract_offline(tmp_path, articles, "in", "--cooccurrence", timeout=300)
    assert rows and all(r["buckets"] for r in rows)
    for r in rows:
        assert_valid("actors.cooccurrence", r)
        assert r["articles"] >= sum(b["articles"] for b in r["buckets"])  # expired buckets leave the total
    enriched = [orjson.loads(line) for line in stdout.splitlines()]
    again = OfflineCooccurrence(Settings())
    for r in enriched:
        again.add(r)
    assert again.results() == rows


ARTICLE = {"id": "coocc-1", "source": "test", "url": None, "published_at": "2024-05-06", "title": "دیدار",
           "body": "وزیر امور خارجه روسیه دیروز وارد تهران شد و با رئیس جمهور ایران دیدار کرد. " * 3
                   + "\n" + " ".join(f"بند {i} گزارش درباره همکاری ایران و روسیه در تهران." for i in range(20))}


async def test_agents_mark_duplicates_send_one_batch_per_partition_and_flush_once(tmp_path):
    """Enrich -> dedup -> cooccur in Faust's test context (no broker): the enriched record carries the
    decision, a counted article sends one batch per owning partition, and the aggregation writes each
    changed pair once per flush, schema-valid, equal to the offline tables."""
    k = broker_less_khabar(tmp_path, "khabar-coocc-agent-test", partitions=4)
    sent = k.sent
    copy = {**ARTICLE, "id": "coocc-2", "body": "به گزارش ایرنا، " + ARTICLE["body"]}
    other = {**ARTICLE, "id": "coocc-3", "body": "\n".join(f"نشست {i} وزیران ایران و روسیه در تهران درباره انرژی "
                                                           f"و بازار گاز برگزار شد." for i in range(25))}
    async with k.enrich.test_context() as agent:  # broker-less: the dedup decision runs inline
        for a in (ARTICLE, ARTICLE, copy):
            await agent.put(orjson.dumps(a), key=a["id"].encode())
    # and through the dedup agent itself, as on a broker (all decisions on one partition)
    record = next(o.value for o in process(orjson.dumps(other)) if o.topic == ENRICHED)
    async with k.cooccurrence.dedup.test_context() as agent:
        await agent.put(orjson.dumps({"record": record, "features": article_features(record).to_json()}),
                        key=b"coocc-3")
    enriched = [o.value for o in sent if o.topic == ENRICHED]
    assert [r["id"] for r in enriched] == ["coocc-1", "coocc-1", "coocc-2", "coocc-3"]
    for r in enriched:
        assert_valid("articles.enriched", r)
    assert "duplicate_of" not in enriched[0] and enriched[2]["duplicate_of"] == "coocc-1"
    counts = k.totals().as_dict()
    assert counts["in"] == 3 == counts["enriched"] + counts["deadlettered"]
    stats = k.cooccurrence.stats
    assert (stats["counted"], stats["seen"], stats["near_duplicate"], stats["resent"]) == (2, 1, 1, 1)
    batches = [o for o in k.cooccurrence.unsent if o.topic == "actors.pairs"]
    features = [article_features(r) for r in (enriched[0], enriched[3])]
    owners = [{k.cooccurrence.partition_of(x["key"]) for x in f.pairs} |
              {k.cooccurrence.partition_of(a["id"]) for a in f.actors} for f in features]
    assert len(batches) == 2 * len(owners[0]) + len(owners[1])  # coocc-1 twice (re-sent), coocc-3 once
    assert all(len(o) <= 4 for o in owners)

    cooccur = k.cooccurrence.cooccur
    async with cooccur.test_context() as agent:
        # the test channel has one partition: hand the aggregator each batch with its real partition
        for o in batches:
            await agent.put(o.value_bytes(), key=o.key, partition=k.cooccurrence.partition_of(
                (o.value["pairs"] or o.value["actors"])[0].get("key") or o.value["actors"][0]["id"]))
    published = [o.value for o in sent if o.topic == "actors.cooccurrence"]
    for m in published:
        assert_valid("actors.cooccurrence", m)
    off = OfflineCooccurrence(Settings())
    for r in enriched:
        off.add(dict(r))
    final = {m["key"]: m for m in published}
    assert final == {r["key"]: r for r in off.results()}
    assert stats["replayed"] > 0 and stats["batches"] == len(batches) - stats["replayed"]


def test_table_values_are_kept_at_their_own_size():
    """orjson's output is its 4 KiB buffer: the tables keep a copy of exactly the JSON's size."""
    import tracemalloc

    from streams.stream.cooccurrence import compact

    value = {"key": "a|b", "a": "a", "b": "b", "articles": 3, "buckets": [{"start": "2024-05-06", "articles": 3}]}
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = [compact(orjson.dumps(value)) for _ in range(200)]
        per_value = (tracemalloc.get_traced_memory()[0] - before) / len(kept)
    finally:
        tracemalloc.stop()
    assert kept[0] == orjson.dumps(value)
    assert per_value < 1024, per_value


def test_a_provisional_actor_spelt_two_ways_gets_one_name_whatever_the_order():
    # one id (the key ignores the ZWNJ), two spellings: the last one counted would depend on how the input
    # partitions interleave, and the streaming tables would differ from offline in the name alone
    spellings = [[*ACTORS[:3], ("fa:person:x", name, "PERSON", "مسکو")] for name in ("رضا همتی‌زاده", "رضا همتی زاده")]
    results = []
    for order in (spellings, spellings[::-1]):
        tables = OfflineCooccurrence(Settings())
        for i, actors in enumerate(order):
            tables.add(record(f"a{i}", actors=actors))
        results.append(tables.results())
    assert results[0] == results[1]
    assert {r["b_name"] for r in results[0] if r["b"] == "fa:person:x"} == {"رضا همتی زاده"}
