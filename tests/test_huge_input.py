"""Hostile sizes: extraction is linear in every input, so a huge token or a huge repetitive body finishes.

No wall-clock limits are asserted; the thread join is only a hang guard (the same bodies took
minutes, or crashed with RecursionError, while word repair was quadratic and recursive).
"""
from __future__ import annotations

import threading

import pytest

import streams
from streams.core.record import MAX_BODY_CHARS
from streams.core.text.normalize import normalize

HANG_GUARD_S = 120
SIZE = MAX_BODY_CHARS  # the largest body a worker accepts


def extract_within_guard(body: str) -> dict:
    result: dict = {}

    def run():
        try:
            result["record"] = streams.extract({"id": "huge", "body": body}, processed_at="2026-01-01T00:00:00.000Z")
        except BaseException as e:  # noqa: BLE001 - re-raised in the test thread below
            result["error"] = e

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(HANG_GUARD_S)
    assert not worker.is_alive(), f"extract did not finish within {HANG_GUARD_S} s (hang guard)"
    if "error" in result:
        raise result["error"]
    return result["record"]


@pytest.mark.parametrize("token", [
    "ب" * SIZE,                                   # one letter: every compound cut was tried, each a copy
    ("کتاب" + "ها" * SIZE)[:SIZE],                # a suffix over and over: suffix stripping recursed
    ("می" * SIZE)[:SIZE - 3] + "کند",             # a prefix over and over: prefix stripping recursed
], ids=["one-letter", "suffix-repeated", "prefix-repeated"])
def test_one_huge_token_is_processed_and_left_as_written(token):
    assert len(token) == SIZE
    assert normalize(token).text == token  # no lexicon word is that long: nothing to repair
    record = extract_within_guard(token)
    assert record["body"] == token
    assert record["entities"] == [] and record["events"] == []


@pytest.mark.parametrize("unit", [
    "سلام ",          # a plain word
    "میشود ",         # a word whose lost ZWNJ is repaired every time
    "ب\u200c. ",      # a stray ZWNJ before punctuation, removed every time
], ids=["word", "repaired-word", "stray-zwnj"])
def test_huge_body_of_one_repeated_word(unit):
    body = (unit * SIZE)[:SIZE].rstrip()
    record = extract_within_guard(body)
    assert record["body"] == body
    assert record["entities"] == [] and record["events"] == []


def test_huge_body_of_one_repeated_actor_finds_every_mention():
    body = ("ایران " * SIZE)[:SIZE].rstrip()
    record = extract_within_guard(body)
    [entity] = record["entities"]
    assert entity["id"] == "country:IRN"
    assert len(entity["mentions"]) == body.count("ایران")
    assert all(body[m["start"]:m["end"]] == "ایران" for m in entity["mentions"])
