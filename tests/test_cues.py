"""The word-class files (streams/data/events/cues.tsv, the event rules' cue lexicon; streams/data/actors/words.tsv,
the recogniser's): well formed, read by class, and matching by lemma.

The metamorphic examples are written for these tests: a sentence with a lemma's base form and the same sentence
with an inflection the rules' old lists of surface forms did not hold must come out the same."""
from __future__ import annotations

from pathlib import Path

import pytest

import streams
from streams.core.events import cues, training, visits

RULES = sorted((Path(streams.__file__).parent / "core" / "events").glob("*.py"))


def test_the_file_matches_the_code_that_reads_it():
    used = cues.used_classes([p.read_text(encoding="utf-8") for p in RULES])
    assert {"sanction.lift", "visit.tenure", "clause.opener"} <= set(used)
    assert cues.problems(list(cues.rows()), used) == []


def test_problems_are_found():
    rows = cues.read("a\tnoun\tحساب\t\na\tnoun\tحساب\t\nb\tword\tو\t\nc\tphrase\tقرار است\t\n")
    found = cues.problems(rows, {"a": {"cues"}, "c": {"cues"}, "d": {"cues"}})
    assert any("'d' is used by the code but missing" in p for p in found)
    assert any("'b'" in p and "not used" in p for p in found)
    assert any("repeats line 1" in p for p in found)
    assert any("'c' is read as ['cues'] but holds phrases" in p for p in found)
    for bad in ("a\tnoun\tحساب\n", "a\tpronoun\tاو\t\n", "a\tverb\tکرد\t\n"):
        with pytest.raises(ValueError):
            cues.read(bad)


def test_form_rows_match_exactly_as_written():
    from streams.core.actors import recognizer
    [row] = cues.read("a\tform\tرئیس\t\n")
    assert cues.expand(row) == {"رئیس"}                     # a "word" row would also match "رایس", a name
    assert "رئیس" in recognizer.TITLE_WORDS and "رایس" not in recognizer.TITLE_WORDS
    assert recognizer.IRREGULAR_DEMONYMS["فرانسوی"] == "country:FRA"


def test_spelling_variants_are_one_entry():
    rows = cues.read("a\tnoun\tتأثیر\t\na\tnoun\tتاثیر\t\n")
    assert any("repeats" in p for p in cues.problems(rows, {"a": {"cues"}}))


def test_lemmas_expand_to_their_inflections():
    [row] = cues.read("a\tnoun\tجلسه\t\n")
    assert {"جلسه", "جلسهها", "جلسههای", "جلسهای", "جلسهاش"} <= cues.expand(row)
    [row] = cues.read("a\tverb\tنوشت#نویس\t\n")
    assert {"نوشت", "نوشتند", "نوشتهاند", "مینویسد", "بنویسند"} <= cues.expand(row)
    assert not any(f.startswith("ن" + "نوشت") or f.startswith("نمی") for f in cues.expand(row))   # not negated
    [row] = cues.read("a\tverb:past\tگفت#گو\t\n")
    assert "گفتند" in cues.expand(row) and "میگوید" not in cues.expand(row)
    [row] = cues.read("a\tverb:present\tگفت#گو\t\n")
    assert {"میگوید", "بگویند"} <= cues.expand(row) and "گفتند" not in cues.expand(row)
    [row] = cues.read("a\tnoun\tهیئت\t\n")
    assert {"هیئتی", "هیاتی", "هیاتهای"} <= cues.expand(row)
    [row] = cues.read("a\tphrase:past\tقرار گرفت#گیر\t\n")
    assert ("قرار", "گرفتند") in cues.expand_phrase(row) and ("قرار", "میگیرد") not in cues.expand_phrase(row)


def test_an_unknown_class_fails_loudly():
    with pytest.raises(KeyError):
        cues.cues("sanction.no_such_class")


def _rule_visits(body: str) -> list[tuple[str, list[tuple[str, str]]]]:
    doc = training.prepare({"id": "t", "title": "", "body": body, "published_at": "2024-03-12"}).doc
    return [(e.status, sorted((a.role, doc.text_of(a.span)) for a in e.arguments)) for e in visits.rule_visits(doc)]


@pytest.mark.parametrize("base, inflected", [
    # "حضوری" (indefinite) of the presence noun
    ("ولادیمیر پوتین روز سه‌شنبه حضور کوتاهی در تهران داشت.", "ولادیمیر پوتین روز سه‌شنبه حضوری کوتاه در تهران داشت."),
    # "بازدیدی از" of the inspection noun
    ("ولادیمیر پوتین روز سه‌شنبه بازدید از مشهد داشت.", "ولادیمیر پوتین روز سه‌شنبه بازدیدی از مشهد داشت."),
])
def test_an_inflected_visit_cue_reads_as_its_lemma(base, inflected):
    expected = _rule_visits(base)
    assert expected and expected[0][1] == [("destination", _dest(base)), ("visitor", "ولادیمیر پوتین")]
    assert _rule_visits(inflected) == expected


def _dest(body: str) -> str:
    return "تهران" if "تهران" in body else "مشهد"


def _sanctions(body: str) -> list[tuple[str, list[str], dict | None]]:
    out = streams.extract({"id": "t", "body": body, "title": "", "published_at": "2024-03-12"})["events"]
    return [(e["status"], [a["text"] for a in e["arguments"]["authority"]], e["target_count"])
            for e in out if e["type"] == "sanction"]


def test_an_inflected_light_verb_reads_as_its_lemma():
    # "می‌شوند": a present form of شدن the old list of light-verb forms after a trigger did not hold
    expected = _sanctions("سه شرکت چینی از سوی آمریکا تحریم شدند.")
    assert expected == [("imposed", ["آمریکا"], {"persons": None, "entities": 3})]
    assert _sanctions("سه شرکت چینی از سوی آمریکا تحریم می‌شوند.") == expected
    # negated, it is not an act
    assert _sanctions("سه شرکت چینی از سوی آمریکا تحریم نمی‌شوند.") == []


def test_the_check_script_passes_on_the_shipped_file():
    import subprocess
    import sys
    script = Path(__file__).resolve().parents[1] / "scripts" / "build_cues.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
