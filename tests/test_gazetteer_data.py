"""Checks on the shipped actor gazetteer (streams/data/gazetteer.jsonl)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from streams.core.text.normalize import key

ROOT = Path(__file__).resolve().parents[1]
GAZETTEER = ROOT / "streams" / "data" / "gazetteer.jsonl"
SHARED = ROOT.parent / "shared"
BUILDER = ROOT / "scripts" / "build_gazetteer.py"

FIELDS = ["id", "type", "subtype", "name", "name_en", "aliases", "country", "cameo", "source"]
ID_RE = re.compile(
    r"^(country:[A-Z]{3}"
    r"|(city|province|region|org|person):[a-z0-9]+(-[a-z0-9]+)*"
    r"|fa:(person|org|gpe):\S+)$"
)


@pytest.fixture(scope="module")
def entries() -> list[dict]:
    with open(GAZETTEER, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


@pytest.fixture(scope="module")
def by_id(entries) -> dict[str, dict]:
    return {e["id"]: e for e in entries}


@pytest.fixture(scope="module")
def by_alias(entries) -> dict[str, dict]:
    return {key(a): e for e in entries for a in e["aliases"]}


def test_fields_and_types(entries):
    for e in entries:
        assert list(e) == FIELDS, e["id"]
        assert e["type"] in ("PERSON", "ORG", "GPE"), e["id"]
        assert e["source"] in ("curated", "peyma"), e["id"]
        assert e["aliases"], f"{e['id']} has no alias"
        assert all(isinstance(a, str) and a.strip() for a in e["aliases"]), e["id"]
        assert "ي" not in e["name"] and "ك" not in e["name"], e["id"]
        assert e["country"] is None or re.fullmatch(r"[A-Z]{3}", e["country"]), e["id"]
        if e["source"] == "peyma":
            assert e["name_en"] is None and e["cameo"] is None, e["id"]


def test_ids_unique_well_formed_and_sorted(entries):
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids))
    assert ids == sorted(ids)
    for e in entries:
        assert ID_RE.match(e["id"]), e["id"]
        if e["id"].startswith("country:"):
            assert e["type"] == "GPE" and e["country"] == e["id"].split(":")[1]
        if e["id"].startswith("fa:"):
            kind, k = e["id"].split(":", 2)[1:]
            assert kind == e["type"].lower() and k == key(e["name"]), e["id"]


def test_no_alias_key_shared(entries):
    owner: dict[str, str] = {}
    for e in entries:
        for a in e["aliases"]:
            k = key(a)
            assert owner.setdefault(k, e["id"]) == e["id"], f"{a!r}: {owner[k]} and {e['id']}"


def test_size(entries):
    assert len(entries) >= 2000
    assert sum(1 for e in entries if e["id"].startswith("country:")) >= 190


@pytest.mark.parametrize("alias, expected_id", [
    ("ایران", "country:IRN"),
    ("جمهوری اسلامی ایران", "country:IRN"),
    ("جمهوری اسلامی", "country:IRN"),
    ("ایالات متحده", "country:USA"),
    ("ایالات متحده آمریکا", "country:USA"),
    ("آمریکا", "country:USA"),
    ("امريكا", "country:USA"),
    ("روسیه", "country:RUS"),
    ("تهران", "city:tehran"),
    ("دفتر کنترل دارایی‌های خارجی", "org:office-of-foreign-assets-control"),
    ("OFAC", "org:office-of-foreign-assets-control"),
    ("وزارت خزانه‌داری آمریکا", "org:united-states-department-of-the-treasury"),
    ("وزارت خزانه داري آمريكا", "org:united-states-department-of-the-treasury"),
    ("سرگئی شویگو", "person:sergei-shoigu"),
    ("شویگو", "person:sergei-shoigu"),
    ("پوتین", "person:vladimir-putin"),
    ("ولادیمیر پوتین", "person:vladimir-putin"),
    ("سازمان ملل", "org:united-nations"),
    ("شورای امنیت", "org:united-nations-security-council"),
    ("آژانس بین‌المللی انرژی اتمی", "org:international-atomic-energy-agency"),
    ("خبرگزاری فارس", "org:fars-news-agency"),
    ("سپاه پاسداران", "org:islamic-revolutionary-guard-corps"),
    ("مجلس شورای اسلامی", "org:islamic-consultative-assembly"),
    ("قره‌باغ", "region:nagorno-karabakh"),
    ("خاورمیانه", "region:middle-east"),
])
def test_key_actors(by_alias, alias, expected_id):
    assert key(alias) in by_alias, alias
    assert by_alias[key(alias)]["id"] == expected_id


def test_key_actor_attributes(by_id):
    assert by_id["country:IRN"]["cameo"] == "IRN"
    assert by_id["country:USA"]["name_en"] == "United States"
    tehran = by_id["city:tehran"]
    assert tehran["type"] == "GPE" and tehran["country"] == "IRN"
    assert by_id["person:sergei-shoigu"]["type"] == "PERSON"
    assert by_id["person:sergei-shoigu"]["country"] == "RUS"
    assert by_id["person:vladimir-putin"]["cameo"] == "RUSGOV"
    assert by_id["org:office-of-foreign-assets-control"]["country"] == "USA"
    assert by_id["org:united-states-department-of-the-treasury"]["type"] == "ORG"


def test_common_words_are_not_bare_aliases(by_alias):
    for word in ("مهر", "امید", "ملت", "مالی", "دوشنبه"):
        assert key(word) not in by_alias, word
    assert by_alias[key("خبرگزاری مهر")]["id"] == "org:mehr-news-agency"
    assert by_alias[key("بانک ملت")]["id"] == "org:bank-mellat"
    assert by_alias[key("کشور مالی")]["id"] == "country:MLI"


def test_capitals_carry_their_country(entries):
    capitals = [e for e in entries if e["subtype"] == "capital"]
    assert len(capitals) >= 150
    assert all(e["country"] for e in capitals)


@pytest.mark.skipif(not (SHARED / "corpora" / "peyma").is_dir(), reason="../shared corpora absent")
def test_rebuild_is_byte_identical(tmp_path):
    out = tmp_path / "gazetteer.jsonl"
    subprocess.run([sys.executable, str(BUILDER), "--out", str(out), "--shared", str(SHARED), "--quiet"],
                   check=True, cwd=ROOT, capture_output=True,
                   env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert out.read_bytes() == GAZETTEER.read_bytes()
