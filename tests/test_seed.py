"""The seed article must come out right (issue 2): scored with the shared scorer against its gold."""
from __future__ import annotations

import streams
from conftest import assert_valid
from scoring import score


def test_seed_scores(tmp_path):
    result, _ = score("seed-gold.jsonl", "seed/article.jsonl", tmp_path)
    print(result)
    assert result["sanction"]["tp"] == 1 and result["sanction"]["predicted"] == 1
    assert result["visit"]["tp"] == 4 and result["visit"]["predicted"] == 4
    assert result["actors"]["f1"] == 1.0
    assert result["event_status_accuracy"] == 1.0
    assert result["event_date_accuracy"] >= 0.5


def test_seed_sanction_details(seed_article):
    record = streams.extract(seed_article)
    assert_valid("articles.enriched", record)
    sanctions = [e for e in record["events"] if e["type"] == "sanction"]
    assert len(sanctions) == 1
    s = sanctions[0]
    assert s["status"] == "imposed" and s["date"] == "2023-09-19"
    assert s["target_count"] == {"persons": 7, "entities": 4}
    authorities = {a["text"] for a in s["arguments"]["authority"]}
    assert any("خزانه" in t for t in authorities) and any("کنترل" in t for t in authorities)
    targets = " ".join(a["text"] for a in s["arguments"]["target"])
    assert "گوگردچیان" in targets and "نوری" in targets
    countries = {a["text"] for a in s["target_countries"]}
    assert {"ایران", "چین", "روسیه", "ترکیه"} <= countries
    assert s["cameo"] == "163" and s["plover"]["event"] == "COERCE"
    # every span points at the original text
    body = seed_article["body"]
    for span in [s["evidence"], s["trigger"], *[a for args in s["arguments"].values() for a in args]]:
        assert body[span["start"]:span["end"]] == span["text"]


def test_seed_weekday_conflict_is_a_warning_not_a_guess(seed_article):
    record = streams.extract(seed_article)
    codes = [w["code"] for w in record["warnings"]]
    assert "weekday_conflict" in codes
    w = record["warnings"][codes.index("weekday_conflict")]
    assert "۲۸ شهریورماه ۱۴۰۲" in w["text"] and "Tuesday" in w["message"]


def test_seed_event_ids_are_deterministic(seed_article):
    a = [e["id"] for e in streams.extract(seed_article)["events"]]
    b = [e["id"] for e in streams.extract(dict(seed_article))["events"]]
    assert a == b and len(set(a)) == len(a)
