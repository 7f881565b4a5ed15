#!/usr/bin/env python3
"""Rebuild streams/data/lexicon.tsv, the word list used to repair lost zero-width non-joiners.

Source: hazm's shipped word list (words.dat: word, corpus frequency, POS tags) and verb
stems (verbs.dat: past#present).  Entries whose POS column is "0" are unrepaired junk
("کردهاند", "میشود") and are dropped; verb forms hazm does not list are generated from the
stems.  Output lines: form<TAB>frequency, sorted, so the file diffs cleanly.

usage: python scripts/build_lexicon.py [OUT]
"""
import importlib.util
import sys
from pathlib import Path

ZWNJ = "\u200c"
PAST_ENDINGS = ["م", "ی", "", "یم", "ید", "ند"]
VERB_FORM_FREQUENCY = 200_000
PRESENT_ENDINGS = ["م", "ی", "د", "یم", "ید", "ند"]


def hazm_data() -> Path:
    spec = importlib.util.find_spec("hazm")  # locate without importing hazm (slow, pulls nltk)
    return Path(spec.submodule_search_locations[0]) / "data"


def verb_forms(past: str, present: str):
    if past:
        for e in PAST_ENDINGS:
            yield past + e
            yield "ن" + past + e
        yield past + "ه"           # participle: کرده, شده
        yield "ن" + past + "ه"
    if present:
        for e in PRESENT_ENDINGS:
            yield present + e
            yield "ب" + present + e
            yield "ن" + present + e
        yield present + "نده"      # agent noun: کننده


def main(out: Path) -> None:
    data = hazm_data()
    freq: dict[str, int] = {}
    for line in (data / "words.dat").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 3 or parts[2] == "0":
            continue
        word = parts[0].replace("ي", "ی").replace("ك", "ک").strip()
        if word:
            freq[word] = max(freq.get(word, 0), int(parts[1] or 0))
    for line in (data / "verbs.dat").read_text(encoding="utf-8").splitlines():
        past, _, present = (part.strip() for part in line.partition("#"))
        for form in verb_forms(past, present):
            # hazm counts few inflected verbs; treat generated forms as common words
            freq[form] = max(freq.get(form, 0), VERB_FORM_FREQUENCY)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        for word in sorted(freq):
            f.write(f"{word}\t{freq[word]}\n")
    print(f"wrote {len(freq)} forms to {out}", file=sys.stderr)


if __name__ == "__main__":
    default = Path(__file__).resolve().parents[1] / "streams" / "data" / "lexicon.tsv"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
