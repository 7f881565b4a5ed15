"""5-fold document-level cross-validation of the event extractors over every annotated document.

    python benchmarks/events_cv.py [--shared ../shared] [--folds 5] [--errors] [--json OUT]

Documents: eval/train + eval/dev + eval/dev-nsurl (not the seed).  Folds are fixed by a seeded shuffle of
the document ids.  For each fold the learned visit decisions are trained on the other folds only, then
the fold's documents are extracted and scored by the shared scorer (`eval/score.py`).  Printed: per-fold
and micro precision / recall / F1 for sanctions and visits, status and date accuracy; the same for the hand
rules alone (no learned model) and for the shipped models (trained on all documents, so in-sample:
an upper bound, not a measurement).  `--errors` lists the pooled misses and false events of the CV run.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streams.core.events import training  # noqa: E402
from streams.core.events.linear import shipped  # noqa: E402


def fold_of(ids: list[str], k: int, seed: int = 13) -> dict[str, int]:
    order = sorted(ids)
    random.Random(seed).shuffle(order)
    return {doc_id: i % k for i, doc_id in enumerate(order)}


def score_records(scorer, records: list[dict], golds: list[dict], verbose: bool = False) -> tuple[dict, str]:
    with tempfile.TemporaryDirectory() as tmp:
        gp, pp = Path(tmp) / "gold.jsonl", Path(tmp) / "pred.jsonl"
        gp.write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in golds), encoding="utf-8")
        pp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            result = scorer.score(str(gp), str(pp), verbose=verbose)
        return result, out.getvalue()


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
    ap.add_argument("--errors", action="store_true")
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()
    eval_dir = Path(args.shared) / "eval"
    scorer = training.load_scorer(eval_dir)
    t0 = time.perf_counter()
    docs = training.load_annotated(eval_dir)
    prepared = [training.prepare(a) for a, _ in docs]
    golds = [g for _, g in docs]
    ids = [str(a["id"]) for a, _ in docs]
    print(f"{len(docs)} documents, {sum(len(g['sanctions']) for g in golds)} sanctions, "
          f"{sum(len(g['visits']) for g in golds)} visits; prepared in {time.perf_counter() - t0:.1f} s")
    folds = fold_of(ids, args.folds)
    pooled: list[dict | None] = [None] * len(docs)
    figures: dict = {"folds": []}
    for k in range(args.folds):
        train = [i for i, d in enumerate(ids) if folds[d] != k]
        test = [i for i, d in enumerate(ids) if folds[d] == k]
        pair, status = training.fit([prepared[i] for i in train], [golds[i] for i in train], scorer)
        for i in test:
            pooled[i] = training.predict(prepared[i], pair, status)
        result, _ = score_records(scorer, [pooled[i] for i in test], [golds[i] for i in test])
        figures["folds"].append(result)
        print(line(f"fold {k}", result))
    micro, errors = score_records(scorer, pooled, golds, verbose=args.errors)
    figures["micro"] = micro
    print(line("CV micro", micro))
    rules_only, _ = score_records(scorer, [training.predict(p, None, None) for p in prepared], golds)
    figures["rules_only"] = rules_only
    print(line("rules only", rules_only))
    pair, status = shipped("visit_pairs"), shipped("visit_status")
    if pair is not None:
        in_sample, _ = score_records(scorer, [training.predict(p, pair, status) for p in prepared], golds)
        figures["shipped_in_sample"] = in_sample
        print(line("shipped*", in_sample) + "   (* trained on these documents: in-sample)")
    if args.errors:
        print(errors)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    print(f"total {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
