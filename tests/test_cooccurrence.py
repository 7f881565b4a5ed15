"""Actor co-occurrence, pure side (no broker): pairs, windows, duplicates, lateness, offline CLI,
and the enrich agent in Faust's test context."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys

import orjson
import pytest

from conftest import ROOT, assert_valid, read_jsonl, shared
from streams.config import ENRICHED, Settings
from streams.cooccurrence import (DAY, DedupIndex, OfflineCooccurrence, WindowConfig, article_features,
                                  current_window, event_time, iso, pair_key, parse_duration, window_ranges)

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
    assert not d.counts and d.reason == "seen"
    assert off.top(limit=1)[0]["articles"] == 1
    assert all(v["articles"] == 1 for v in off.tables.pair_windows.values())


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
    assert off.tables.pair_total["country:IRN|country:USA"]["articles"] == 2  # orig + different, not copy


def test_late_articles_land_in_their_window_and_too_late_ones_are_dropped():
    cfg = WindowConfig()
    off = OfflineCooccurrence(cfg=cfg)
    off.add(record("new", published_at="2024-05-20"))
    off.add(record("late", published_at="2024-05-06"))              # 14 days behind: within the 22-day horizon
    d = off.add(record("too-late", published_at="2024-04-01"))      # 49 days behind: its windows are gone
    assert not d.counts and d.reason == "late"
    key = "country:IRN|country:USA"
    late_windows = {w for (k, w), v in off.tables.pair_windows.items() if k == key and v["last_article_id"] == "late"}
    assert late_windows == set(window_ranges(ts("2024-05-06"), cfg))
    assert off.tables.pair_total[key]["articles"] == 2
    assert off.partners("country:IRN", window=current_window(ts("2024-05-06"), cfg))[0]["articles"] == 1


def test_state_is_bounded_by_the_kept_windows():
    """Replay the same stories week after week: live windows stay flat while history grows."""
    cfg = WindowConfig()
    off = OfflineCooccurrence(cfg=cfg, keep_history=False, gc_every=1)
    sizes = []
    start = ts("2024-01-01")
    for week in range(30):
        for i in range(5):
            off.add(record(f"w{week}-{i}", published_at=iso(start + week * 7 * DAY + i * DAY)[:10]))
        sizes.append((len(off.tables.pair_windows), len(off.dedup.seen)))
    windows = [w for w, _ in sizes]
    assert len(set(windows[8:])) == 1 and windows[-1] <= 6 * 40   # flat: 6 pairs x the live windows
    # the seen-set is pruned in batches of 64 inserts: bounded by the retention's articles + one batch
    assert max(s for _, s in sizes) <= 30 // 7 * 5 + 5 + DedupIndex.PRUNE_EVERY
    assert off.stats["counted"] == 150


def test_offline_cli_writes_schema_valid_tables(tmp_path):
    articles = read_jsonl(shared("eval", "dev-articles.jsonl"))[:8]
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"".join(orjson.dumps(a) + b"\n" for a in articles))
    out = tmp_path / "cooc.jsonl"
    run = subprocess.run([sys.executable, "-m", "streams.cli", "extract", str(src), "--cooccurrence", str(out)],
                         cwd=ROOT, capture_output=True, timeout=300)
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    rows = read_jsonl(out)
    assert rows and any(r["window_start"] is None for r in rows) and any(r["window_start"] for r in rows)
    for r in rows:
        assert_valid("actors.cooccurrence", r)
    enriched = [orjson.loads(line) for line in run.stdout.splitlines()]
    again = OfflineCooccurrence(Settings())
    for r in enriched:
        again.add(r)
    assert again.results() == rows


async def test_enrich_agent_emits_repartition_records_and_marks_duplicates(tmp_path):
    from streams.stream.app import build

    k = build(Settings(broker="kafka://127.0.0.1:1", app_id="khabar-coocc-agent-test", data_dir=str(tmp_path)))
    sent = []

    async def sink(out):
        sent.append(out)

    k.sink = sink
    article = {"id": "coocc-1", "source": "test", "url": None, "published_at": "2024-05-06", "title": "دیدار",
               "body": "وزیر امور خارجه روسیه دیروز وارد تهران شد و با رئیس جمهور ایران دیدار کرد. " * 3
                       + "\n" + " ".join(f"بند {i} گزارش درباره همکاری ایران و روسیه در تهران." for i in range(20))}
    copy = {**article, "id": "coocc-2", "body": "به گزارش ایرنا، " + article["body"]}
    async with k.enrich.test_context() as agent:
        await agent.put(orjson.dumps(article), key=b"coocc-1")
        await agent.put(orjson.dumps(article), key=b"coocc-1")
        await agent.put(orjson.dumps(copy), key=b"coocc-2")
    enriched = [o.value for o in sent if o.topic == ENRICHED]
    assert [r["id"] for r in enriched] == ["coocc-1", "coocc-1", "coocc-2"]
    for r in enriched:
        assert_valid("articles.enriched", r)
    assert "duplicate_of" not in enriched[0] and enriched[2]["duplicate_of"] == "coocc-1"
    counts = k.totals().as_dict()
    assert counts["in"] == 3 == counts["enriched"] + counts["deadlettered"]
    stats = k.cooccurrence.stats
    assert (stats["counted"], stats["seen"], stats["near_duplicate"]) == (1, 1, 1)
    unsent = k.cooccurrence.unsent
    pairs = [o for o in unsent if o.topic == "actors.pairs"]
    expected = article_features(enriched[0])
    assert len(pairs) == len(expected.pairs) > 0  # the first copy only
    assert all(o.value["t"] == ts("2024-05-06") for o in unsent)


async def test_windows_expire_by_event_time_not_wall_clock(tmp_path):
    """faust-streaming 0.15 expires windows against time.time(): a 2009 replay would vanish.  The
    worker's table expires them relative to the newest event, with the same rule as the offline GC."""
    from streams.stream.app import build

    k = build(Settings(broker="kafka://127.0.0.1:1", app_id="khabar-coocc-expiry-test", data_dir=str(tmp_path)))
    cfg = k.cooccurrence.cfg
    table = k.cooccurrence.pair_windows.table
    sent = []

    def pair(t: float, article_id: str) -> bytes:
        return orjson.dumps({"key": "a|b", "a": "a", "b": "b", "a_name": "A", "b_name": "B", "same_sentence": 1,
                             "article_id": article_id, "t": t})

    async def collect(out):
        sent.append(out)

    k.sink = collect
    old, new = ts("2009-11-06"), ts("2009-12-30")
    async with k.cooccurrence.cooccur.test_context() as agent:
        await agent.put(pair(old, "old"), key=b'"a|b"')
        await table._del_old_keys()
        assert {w for key, w in table.data.keys()} == set(window_ranges(old, cfg))  # still alive in 2026
        await agent.put(pair(new, "new"), key=b'"a|b"')
        await table._del_old_keys()
    assert {w for key, w in table.data.keys()} == set(window_ranges(new, cfg))      # the old ones expired
    off = OfflineCooccurrence(cfg=cfg)
    for t, aid in ((old, "old"), (new, "new")):
        off.apply_pair_record(orjson.loads(pair(t, aid)))
    off.tables.gc(cfg)
    assert set(off.tables.pair_windows) == set(table.data.keys())                    # same rule offline
    assert len(sent) == 2 * (len(window_ranges(old, cfg)) + 1)                        # every change published
    for out in sent:
        assert_valid("actors.cooccurrence", out.value)
