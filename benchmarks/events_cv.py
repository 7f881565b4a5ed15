"""5-fold document-level cross-validation of the event extractors over every annotated document.

    python benchmarks/events_cv.py [--shared ../shared] [--folds 5] [--repeats 5] [--errors] [--json OUT]

Documents: eval/train + eval/dev + eval/dev-nsurl (not the seed).  Folds are fixed by a seeded shuffle of
the document ids.  For each fold the learned visit decisions are trained on the other folds only, then
the fold's documents are extracted and scored by the shared scorer (`eval/score.py`).  Printed: per-fold
and micro precision / recall / F1 for sanctions and visits, status and date accuracy; the same for the hand
rules alone (no learned model) and for the shipped models (trained on all documents, so in-sample:
an upper bound, not a measurement).  `--errors` lists the pooled misses and false events of the CV run.
`--repeats N` runs the whole CV again over N-1 other fold splits and prints the micro figures of each and
their mean: one split's F1 moves by about 0.02 with the split alone, so compare changes on the mean.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streams.core.events import training  # noqa: E402
from streams.core.events.linear import shipped  # noqa: E402


def line(name: str, r: dict) -> str:
    s, v = r["sanction"], r["visit"]
    return (f"{name:10s} sanction P={s['precision']:.3f} R={s['recall']:.3f} F1={s['f1']:.3f} "
            f"({s['tp']}/{s['predicted']}/{s['gold']})  visit P={v['precision']:.3f} R={v['recall']:.3f} "
            f"F1={v['f1']:.3f} ({v['tp']}/{v['predicted']}/{v['gold']})  status={r['event_status_accuracy']} "
            f"date={r['event_date_accuracy']}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=1, help="fold splits (seeds 13, 1, 2, ...)")
    ap.add_argument("--errors", action="store_true")
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()
    eval_dir = Path(args.shared) / "eval"
    t0 = time.perf_counter()
    cv = training.cross_validate(eval_dir, args.folds, verbose=args.errors)
    print(f"{len(cv.golds)} documents, {sum(len(g['sanctions']) for g in cv.golds)} sanctions, "
          f"{sum(len(g['visits']) for g in cv.golds)} visits, {args.folds} folds")
    for k, result in enumerate(cv.folds):
        print(line(f"fold {k}", result))
    print(line("CV micro", cv.micro))
    print(line("rules only", cv.rules_only))
    figures = {"folds": cv.folds, "micro": cv.micro, "rules_only": cv.rules_only}
    if args.repeats > 1:
        splits = [cv.micro] + [training.cross_validate(eval_dir, args.folds, seed=seed, prepared=cv.prepared).micro
                               for seed in range(1, args.repeats)]
        for seed, micro in zip([13] + list(range(1, args.repeats)), splits):
            print(line(f"split {seed}", micro))
        mean = {e: sum(m[e]["f1"] for m in splits) / len(splits) for e in ("sanction", "visit")}
        spread = {e: max(m[e]["f1"] for m in splits) - min(m[e]["f1"] for m in splits) for e in mean}
        print(f"mean over {len(splits)} splits: sanction F1={mean['sanction']:.3f} (range {spread['sanction']:.3f})  "
              f"visit F1={mean['visit']:.3f} (range {spread['visit']:.3f})")
        figures["splits"], figures["mean_f1"] = splits, mean
    pair, status = shipped("visit_pairs"), shipped("visit_status")
    if pair is not None:
        scorer = training.load_scorer(eval_dir)
        records = [training.predict(p, pair, status) for p in cv.prepared]
        figures["shipped_in_sample"] = training.score_records(scorer, records, cv.golds)[0]
        print(line("shipped*", figures["shipped_in_sample"]) + "   (* trained on these documents: in-sample)")
    if args.errors:
        print(cv.errors)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    print(f"total {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
