#!/usr/bin/env python3
"""Check the word-class files (streams/data/events/cues.tsv: the event rules' cue words by lemma;
streams/data/actors/words.tsv: the actor recogniser's) and show what they expand to.

The files are hand-written, one row per lemma; the code matches the surface forms `streams.core.text.wordclasses`
expands them to when it loads (noun suffixes, verb inflections, the normaliser's spelling).  This script checks
each file against the modules that read it (every class they name exists, every class is read, no duplicate entry
after normalisation, no entry that matches nothing) and writes the expansion, so a change to a lemma row shows
as a diff of the forms it matches.

usage: python scripts/build_cues.py [--check] [--forms CLASS] [--out FILE]
  --check        only check; exit 1 on a problem (CI and tests run this)
  --forms CLASS  print the surface forms of one class
  --out FILE     where to write the expansion (class<TAB>form<TAB>row), default: stdout summary only
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streams.core.actors import recognizer  # noqa: E402
from streams.core.events import cues  # noqa: E402
from streams.core.text.wordclasses import problems, used_classes  # noqa: E402

# each file, the modules that read it, the names they read it by, and the classes they read by prefix
FILES = [
    (cues.EVENT_CUES, sorted((ROOT / "streams" / "core" / "events").glob("*.py")), ("cues", "phrases", "lemmas"), ()),
    (recognizer.WORDS, [ROOT / "streams" / "core" / "actors" / "recognizer.py"], ("words",), ("demonym:",)),
]


def check() -> list[str]:
    found = []
    for classes, modules, readers, prefixes in FILES:
        used = used_classes([p.read_text(encoding="utf-8") for p in modules], readers)
        used.update({c: {"prefix"} for c in classes.classes() if c.startswith(prefixes) and prefixes})
        found += [f"{classes.resource}: {problem}" for problem in problems(list(classes.rows()), used)]
    return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--forms")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    found = check()
    for problem in found:
        print(problem, file=sys.stderr)
    if args.check:
        return 1 if found else 0
    if args.forms:
        members = [c for c in cues.rows() if c.cls == args.forms]
        if members and members[0].pos.startswith("phrase"):
            print("\n".join(" ".join(p) for p in cues.phrases(args.forms)))
        else:
            print("\n".join(sorted(cues.cues(args.forms))))
        return 1 if found else 0
    lines = []
    for c in cues.rows():
        forms = [" ".join(p) for p in cues.expand_phrase(c)] if c.pos.startswith("phrase") else sorted(cues.expand(c))
        lines += [f"{c.cls}\t{form}\t{c.pos} {c.entry}" for form in forms]
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(cues.rows())} rows in {len(cues.classes())} classes expand to {len(lines)} forms"
          + (f", written to {args.out}" if args.out else ""), file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
