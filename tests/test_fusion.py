"""Event fusion, pure side and agents without a broker: identity, spans, status history, follows, counting
once, arrival-order independence, schema validity.  The articles are written for these tests."""
from __future__ import annotations

import itertools
import random

import orjson
import pytest

from conftest import assert_valid, broker_less_khabar
from streams.cli import main as cli_main
from streams.config import ENRICHED, FUSED, Settings
from streams.cooccurrence import OfflineCooccurrence, parse_time
from streams.fusion import FusionConfig, FusionTable, OfflineFusion, clusters, group_key
from streams.processing import process

LONG = (" دو طرف درباره همکاری‌های اقتصادی، انرژی و حمل و نقل و نیز تحولات منطقه گفت‌وگو کردند."
        " در این دیدار بر اجرای توافق‌های پیشین و گسترش مبادلات تجاری تأکید شد.")


def article(aid, source, published_at, body, title="گزارش"):
    return {"id": aid, "source": source, "url": None, "published_at": published_at, "title": title, "body": body}


# one visit (Zarif in Moscow), reported by three agencies on three consecutive days
MOSCOW = [
    article("m-irna", "irna", "2024-05-06T08:00:00Z",
            "محمد جواد ظریف وزیر امور خارجه ایران صبح امروز وارد مسکو شد و با سرگئی لاوروف همتای روس خود "
            "دیدار کرد." + LONG),
    article("m-isna", "isna", "2024-05-07T09:00:00Z",
            "محمد جواد ظریف که دیروز به مسکو سفر کرده است، امروز با مقامات روسیه درباره همکاری‌های اقتصادی "
            "گفت‌وگو کرد."),
    article("m-mehr", "mehr", "2024-05-08T10:00:00Z",
            "وزیر امور خارجه کشورمان محمد جواد ظریف در سفر به مسکو با ولادیمیر پوتین رئیس جمهور روسیه دیدار کرد."),
]
# a planned visit (announced the day before) and its occurrence
BEIJING = [
    article("b-plan", "irna", "2024-06-02T08:00:00Z", "محمد جواد ظریف وزیر امور خارجه ایران فردا به پکن سفر می‌کند."),
    article("b-done", "isna", "2024-06-03T11:00:00Z", "محمد جواد ظریف وزیر امور خارجه ایران امروز وارد پکن شد."),
]
# one minister, two capitals on consecutive days: two trips
TOUR = [
    article("t-doha", "irna", "2024-07-01T08:00:00Z", "عباس عراقچی وزیر امور خارجه ایران امروز وارد دوحه شد."),
    article("t-muscat", "irna", "2024-07-02T08:00:00Z", "عباس عراقچی وزیر امور خارجه ایران امروز وارد مسقط شد."),
]


def enrich(articles):
    return [next(o.value for o in process(orjson.dumps(a)) if o.topic == ENRICHED) for a in articles]


def fuse(records, settings=None):
    """The CLI's offline path: the co-occurrence dedup decision, then fusion."""
    dedup, fusion = OfflineCooccurrence(settings or Settings()), OfflineFusion(settings or Settings())
    for r in records:
        fusion.add(r, dedup.add(dict(r)))
    return fusion


def visits(fusion, destination):
    return [r for r in fusion.results() if r["type"] == "visit"
            and [a["id"] for a in r["arguments"]["destination"]] == [destination]]


def test_three_agencies_on_consecutive_days_make_one_record():
    records = enrich(MOSCOW)
    assert all(len(r["events"]) == 1 for r in records)  # the articles say what the test needs
    (rec,) = visits(fuse(records), "city:moscow")
    assert (rec["articles"], rec["sources"], rec["mentions"]) == (3, 3, 3)
    assert [a["id"] for a in rec["arguments"]["visitor"]] == ["person:mohammad-javad-zarif"]
    assert rec["arguments"]["visitor"][0]["name"] and rec["arguments"]["destination"][0]["reports"] == 3
    assert rec["status"] == "occurred" and rec["cameo"] == "042" and rec["plover"]["event"] == "CONSULT"
    assert rec["first_reported"] == "2024-05-06T08:00:00Z" and rec["last_reported"] == "2024-05-08T10:00:00Z"
    assert rec["article_ids"] == ["m-mehr", "m-isna", "m-irna"]  # newest first
    assert rec["evidence"]["article_id"] == "m-irna"  # the earliest report's span
    body = MOSCOW[0]["body"]
    assert body[rec["evidence"]["start"]:rec["evidence"]["end"]] == rec["evidence"]["text"]
    assert rec["date"] == "2024-05-06" and rec["date_source"] == "reported" and rec["warnings"] == []
    assert_valid(FUSED, rec)


def test_planned_then_occurred_is_one_record_with_its_status_history():
    (rec,) = visits(fuse(enrich(BEIJING)), "city:beijing")
    assert rec["status"] == "occurred" and rec["cameo"] == "042"  # the code of the current status
    assert [(h["status"], h["article_id"]) for h in rec["status_history"]] == [("planned", "b-plan"),
                                                                               ("occurred", "b-done")]
    assert rec["articles"] == 2 and rec["follows"] is None
    assert_valid(FUSED, rec)


def test_one_minister_in_two_capitals_is_two_records():
    fusion = fuse(enrich(TOUR))
    recs = [r for r in fusion.results() if r["type"] == "visit"]
    assert sorted(a["id"] for r in recs for a in r["arguments"]["destination"]) == ["city:doha", "city:muscat"]
    assert len({r["id"] for r in recs}) == 2 and all(r["articles"] == 1 for r in recs)


def test_the_same_article_twice_and_a_syndicated_copy_do_not_raise_the_counts():
    copy = {**MOSCOW[0], "id": "m-tasnim", "source": "tasnim", "published_at": "2024-05-06T12:00:00Z",
            "body": "به گزارش ایرنا، " + MOSCOW[0]["body"]}
    records = enrich(MOSCOW + [MOSCOW[1], copy])
    fusion = fuse(records)
    (rec,) = visits(fusion, "city:moscow")
    assert (rec["articles"], rec["sources"], rec["mentions"]) == (3, 3, 3)
    assert "m-tasnim" not in rec["article_ids"]
    # the id seen again was handed to the table again (the dedup agent re-sends what counted, in case a
    # crash lost it) and changed nothing; so does a third time
    assert fusion.table.stats["replayed"] == 1
    again = fusion.add(records[1], OfflineCooccurrence(Settings()).add(dict(records[1])))
    assert again == [] and fusion.table.stats["replayed"] == 2


def test_a_copy_the_dedup_index_cannot_see_is_still_counted_once():
    """An archive replayed out of order: the Moscow articles are "late" behind a July article, so the
    dedup index never holds them and cannot call the copy (same text, another id) a near-duplicate; the
    copy repeats the evidence sentence, and fusion leaves it out whichever of the two comes first."""
    copy = {**MOSCOW[0], "id": "m-copy", "published_at": "2024-05-06T09:00:00Z"}
    for order in ([TOUR[0], MOSCOW[0], copy], [TOUR[0], copy, MOSCOW[0]]):
        records = enrich(order + MOSCOW[1:])
        dedup = OfflineCooccurrence(Settings())
        fusion = OfflineFusion(Settings())
        decisions = [dedup.add(dict(r)) for r in records]
        assert [d.reason for d in decisions[1:3]] == ["late", "late"] and not any(d.duplicate_of for d in decisions)
        for r, d in zip(records, decisions):
            fusion.add(r, d)
        (rec,) = visits(fusion, "city:moscow")
        assert (rec["articles"], rec["sources"], rec["copies"]) == (3, 3, 1)
        assert "m-copy" not in rec["article_ids"] and rec["evidence"]["article_id"] == "m-irna"  # the earlier one


def test_sanction_statuses_are_separate_records_linked_by_follows():
    threat = article("s-threat", "irna", "2024-08-01T08:00:00Z",
                     "وزارت خزانه‌داری آمریکا تهدید کرد بانک ملت ایران را تحریم خواهد کرد." + LONG)
    imposed = article("s-imposed", "isna", "2024-08-20T08:00:00Z",
                      "وزارت خزانه‌داری آمریکا بانک ملت ایران را تحریم کرد.")
    other = article("s-other", "mehr", "2024-08-20T09:00:00Z",
                    "وزارت خزانه‌داری آمریکا بانک صادرات ایران را تحریم کرد.")
    records = enrich([threat, imposed, other])
    assert [[e["status"] for e in r["events"]] for r in records] == [["threatened"], ["imposed"], ["imposed"]]
    fusion = fuse(records)
    recs = {r["status_history"][0]["article_id"]: r for r in fusion.results()}
    assert set(recs) == {"s-threat", "s-imposed", "s-other"}  # two targets of one authority stay apart
    assert recs["s-imposed"]["follows"] == recs["s-threat"]["id"]
    assert recs["s-other"]["follows"] is None and recs["s-threat"]["follows"] is None
    for r in recs.values():
        assert_valid(FUSED, r)


def report(aid, day, status="occurred", source=None, date=None):
    t = f"{day}T08:00:00Z" if day else None
    return {"article_id": aid, "event_id": f"visit-{aid}", "source": source or aid, "t": t and parse_time(t),
            "date": date, "day": date or day, "status": status,
            "args": {"visitor": [["person:x", "ایکس"]], "destination": [["city:y", "ایگرگ"]], "host": []},
            "target_count": None, "evidence": {"article_id": aid, "text": f"متن {aid}", "start": 0, "end": 3, "field": "body"},
            "cameo": "042", "plover": {"event": "CONSULT", "mode": "visit", "context": None}, "host_cameo": None}


GROUP = "visit|visitor=person:x|destination=city:y"


def test_spans_chain_and_a_bridging_report_merges_two_records_with_a_tombstone():
    table = FusionTable(FusionConfig(span_days=3), {})
    first = table.apply(GROUP, [report("a", "2024-01-01")])
    second = table.apply(GROUP, [report("b", "2024-01-06")])  # 5 days later: another visit
    assert len(first) == 1 and len(second) == 1 and first[0][0] != second[0][0]
    bridge = table.apply(GROUP, [report("c", "2024-01-03")])  # within 3 days of both: one visit after all
    gone = {fid for fid, rec in bridge if rec is None}
    assert gone == {second[0][0]}  # the later record merged into the first (same first day, same id)
    (merged,) = [rec for _, rec in bridge if rec is not None]
    assert merged["id"] == first[0][0] and merged["articles"] == 3
    # an undated report cannot be placed: it stays alone
    alone = table.apply(GROUP, [report("d", None)])
    assert len(alone) == 1 and alone[0][1]["articles"] == 1 and alone[0][1]["date"] is None


def test_the_table_does_not_depend_on_arrival_order():
    reports = [report(aid, day, status, date=date) for aid, day, status, date in [
        ("a", "2024-01-01", "planned", "2024-01-04"), ("b", "2024-01-04", "occurred", None),
        ("c", "2024-01-05", "occurred", "2024-01-05"), ("d", "2024-01-12", "occurred", None),
        ("e", "2024-01-15", "occurred", None), ("f", "2024-01-09", "occurred", None), ("g", None, "occurred", None)]]
    results = set()
    for order in itertools.islice(itertools.permutations(reports), 0, None, 97):
        table = FusionTable(FusionConfig(), {})
        for r in order:
            table.apply(GROUP, [r])
        results.add(orjson.dumps(table.groups, option=orjson.OPT_SORT_KEYS))
    assert len(results) == 1
    records = orjson.loads(results.pop())[GROUP]["records"]
    sizes = sorted(r["articles"] for r in records.values())
    assert sizes == [1, 3, 3]  # a..c (chained), f,d,e (9, 12, 15: chained), g alone
    (abc,) = [r for r in records.values() if r["articles"] == 3 and "a" in r["article_ids"]]
    assert abc["warnings"] == ["reports disagree on the date: 2024-01-04 (1), 2024-01-05 (1)"]
    assert abc["date"] == "2024-01-04" and abc["status"] == "occurred"


def test_clusters_cut_only_where_the_gap_exceeds_the_span():
    rs = [report(a, d) for a, d in [("a", "2024-01-01"), ("b", "2024-01-04"), ("c", "2024-01-08")]]
    assert [len(m) for _, m in clusters(rs, FusionConfig(span_days=3))] == [2, 1]
    assert [len(m) for _, m in clusters(rs, FusionConfig(span_days=4))] == [3]
    assert [len(m) for _, m in clusters(rs, FusionConfig(span_days=0))] == [1, 1, 1]


def test_group_keys():
    ev = {"type": "sanction", "arguments": {"authority": [{"entity_id": "country:USA", "text": "آمریکا"}],
                                            "target": []}, "target_count": {"persons": 3, "entities": None}}
    assert group_key(ev) == "sanction|authority=country:USA|target=count:persons=3,entities=None"
    assert group_key({**ev, "target_count": None}) is None  # nothing to tell it from any other sanction
    v = {"type": "visit", "arguments": {"visitor": [{"entity_id": None, "text": "هیئت پارلمانی  پاکستان"}],
                                        "destination": [{"entity_id": "country:IND", "text": "هند"}], "host": []}}
    assert group_key(v) == "visit|visitor=text:هیئت پارلمانی پاکستان|destination=country:IND"


def test_span_setting(monkeypatch):
    monkeypatch.setenv("KHABAR_FUSION_SPAN_DAYS", "0")
    fusion = fuse(enrich(MOSCOW), Settings())
    assert len(visits(fusion, "city:moscow")) == 2  # 05-06 (reported twice) and 05-08: a day apart is too far
    with pytest.raises(ValueError):
        FusionConfig(span_days=-1)


def test_cli_fuse_writes_the_offline_table(tmp_path, capsys):
    src, out = tmp_path / "in.jsonl", tmp_path / "fused.jsonl"
    articles = MOSCOW + BEIJING + TOUR
    random.Random(5).shuffle(articles)
    src.write_bytes(b"".join(orjson.dumps(a) + b"\n" for a in articles))
    assert cli_main(["extract", str(src), "--fuse", str(out)]) == 0
    rows = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert rows == fuse(enrich(MOSCOW + BEIJING + TOUR)).results()  # file order does not matter
    for r in rows:
        assert_valid(FUSED, r)
    assert capsys.readouterr().out.count("\n") == len(articles)


async def test_agents_fuse_like_the_offline_table(tmp_path):
    """Enrich -> dedup -> fuse in Faust's test context (no broker): the fused messages are schema-valid and
    their last state per id equals the offline table; a group message delivered twice changes nothing."""
    k = broker_less_khabar(tmp_path, "khabar-fusion-agent-test", partitions=4)
    sent = k.sent
    articles = MOSCOW + BEIJING + TOUR + [MOSCOW[0]]
    async with k.enrich.test_context() as agent:  # broker-less: the dedup decision runs inline
        for a in articles:
            await agent.put(orjson.dumps(a), key=a["id"].encode())
    messages = [o for o in k.fusion.unsent]
    assert len(messages) == 8  # one per article and group, and the repeated id's again (the dedup re-send)
    async with k.fusion.fuse.test_context() as agent:
        for o in messages + messages[:2]:
            await agent.put(o.value_bytes(), key=o.key, partition=k.fusion.partition(o.value["group"]))
    published = [o for o in sent if o.topic == FUSED]
    final = {}
    for o in published:
        assert_valid(FUSED, o.value)
        final[o.key.decode()] = o.value
    assert sorted(final.values(), key=lambda r: r["id"]) == fuse(enrich(MOSCOW + BEIJING + TOUR)).results()
    assert k.fusion.stats["replayed"] == 3 and k.fusion.stats["applied"] == 7
    assert k.fusion.local_record(next(iter(final))) == final[next(iter(final))]


def test_a_title_standing_for_a_person_counts_as_the_person():
    named = article("sh-1", "irna", "2024-09-10T08:00:00Z", "سرگئی شویگو وزیر دفاع روسیه امروز وارد تهران شد.")
    titled = article("sh-2", "isna", "2024-09-11T08:00:00Z",
                     "سرگئی شویگو، وزیر دفاع روسیه، از همکاری نظامی دو کشور سخن گفت. وزیر دفاع روسیه دیروز وارد "
                     "تهران شده بود و با همتای ایرانی خود دیدار کرد.")
    (rec,) = visits(fuse(enrich([named, titled])), "city:tehran")
    assert [a["id"] for a in rec["arguments"]["visitor"]] == ["person:sergei-shoigu"] and rec["articles"] == 2
    assert rec["arguments"]["visitor"][0]["name"] == "سرگئی شویگو"


def test_a_capital_standing_for_its_state_fuses_with_the_state():
    reports = [
        article("s-1", "irna", "2024-08-01T08:00:00Z", "آمریکا امروز سه شرکت کشتیرانی ونزوئلا را تحریم کرد."),
        article("s-2", "isna", "2024-08-01T12:00:00Z", "واشنگتن امروز سه شرکت کشتیرانی ونزوئلا را تحریم کرد."),
    ]
    records = enrich(reports)
    assert [len(r["events"]) for r in records] == [1, 1]
    [fused] = fuse(records).results()
    assert fused["articles"] == 2 and fused["sources"] == 2
