"""Regression guard, scored by the shared scorer.

Events are guarded by 5-fold document-level cross-validation over every annotated document
(train + both dev sets; the learned decisions of each fold are trained on the other folds only):
the same figures as `python benchmarks/events_cv.py`.  Actors are annotated only in the dev sets, so
their floors stay there.  The floors sit just under what this version reaches (see the issue notes):
raise them as the extractors improve, never lower them to make a change pass.
"""
from __future__ import annotations

import pytest

from conftest import SHARED, assert_valid
from scoring import score
from streams.core.events import training

FARS_FLOORS = {"actors_f1": 0.87, "actor_type_accuracy": 0.95}
NSURL_FLOORS = {"actors_f1": 0.88}
# Date accuracy is over the found events that have a gold date: 19 of them in CV, so one event moves it by
# about 0.05, and finding more visits in undated articles (peyma: no published_at) lowers it without any date
# resolved worse; its floor sits well below the figure (0.85).  Visits: 0.756 on this split, 0.756-0.763 on
# others (one visit moves it about 0.003); sanctions 0.773 (one sanction: about 0.02).
CV_FLOORS = {"sanction_f1": 0.74, "visit_f1": 0.745, "event_status_accuracy": 0.90, "event_date_accuracy": 0.68}


@pytest.fixture(scope="module")
def fars(tmp_path_factory):
    return score("dev-gold.jsonl", "dev-articles.jsonl", tmp_path_factory.mktemp("fars"))


@pytest.fixture(scope="module")
def nsurl(tmp_path_factory):
    return score("dev-nsurl-gold.jsonl", "dev-nsurl-articles.jsonl", tmp_path_factory.mktemp("nsurl"))


def _flat(result: dict) -> dict:
    return {"actors_f1": result["actors"]["f1"], "sanction_f1": result["sanction"]["f1"],
            "visit_f1": result["visit"]["f1"], "actor_type_accuracy": result["actor_type_accuracy"],
            "event_status_accuracy": result["event_status_accuracy"],
            "event_date_accuracy": result["event_date_accuracy"]}


def test_fars_dev_scores_hold(fars):
    result, _ = fars
    got = _flat(result)
    print(got)
    assert result["articles_missing_from_prediction"] == 0
    for name, floor in FARS_FLOORS.items():
        assert got[name] >= floor, f"{name} {got[name]} < {floor}"


def test_nsurl_actor_scores_hold(nsurl):
    result, _ = nsurl
    got = _flat(result)
    print(got)
    for name, floor in NSURL_FLOORS.items():
        assert got[name] >= floor, f"{name} {got[name]} < {floor}"


def test_cross_validated_event_scores_hold():
    cv = training.cross_validate(SHARED / "eval", k=5)
    got = _flat({**cv.micro, "actors": {"f1": None}})
    print(got, [(f["sanction"]["f1"], f["visit"]["f1"]) for f in cv.folds])
    for name, floor in CV_FLOORS.items():
        assert got[name] >= floor, f"CV {name} {got[name]} < {floor}"


def test_every_dev_record_is_valid_and_spans_point_at_the_text(fars, nsurl):
    for _, records in (fars, nsurl):
        for record in records:
            assert_valid("articles.enriched", record)
            for ent in record["entities"]:
                for m in ent["mentions"]:
                    assert record[m["field"]][m["start"]:m["end"]] == m["text"]
            for ev in record["events"]:
                spans = [ev["evidence"], ev["trigger"], *[a for args in ev["arguments"].values() for a in args]]
                for span in spans:
                    assert record[span["field"]][span["start"]:span["end"]] == span["text"]
