#!/usr/bin/env python3
"""Train the learned visit decisions on every annotated document and write them to streams/data/events/.

    python scripts/train_events.py [--shared ../shared]

Writes visit_pairs.json (does this candidate pair state a visit) and visit_status.json (planned or occurred),
and MODEL.md.  Deterministic: liblinear on rows in file order gives the same files on every run.  Measure with
benchmarks/events_cv.py (5-fold cross-validation), never on the documents trained on.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streams.core.events import training  # noqa: E402

OUT = ROOT / "streams" / "data" / "events"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    args = ap.parse_args()
    eval_dir = Path(args.shared) / "eval"
    scorer = training.load_scorer(eval_dir)
    docs = training.load_annotated(eval_dir)
    data_hash = hashlib.sha256(b"".join((eval_dir / f).read_bytes() for pair in training.ANNOTATED_SETS
                                        for f in pair)).hexdigest()[:16]
    meta = {"documents": len(docs), "data_sha256_16": data_hash, "pair_c": training.PAIR_C,
            "status_c": training.STATUS_C}
    prepared = [training.prepare(a) for a, _ in docs]
    pair, status = training.fit(prepared, [g for _, g in docs], scorer, meta)
    (OUT / "visit_pairs.json").write_text(pair.to_json(), encoding="utf-8")
    (OUT / "visit_status.json").write_text(status.to_json(), encoding="utf-8")
    print(f"visit_pairs: {pair.meta['rows']} rows, {pair.meta['positives']} positive, {len(pair.weights)} weights")
    print(f"visit_status: {status.meta['rows']} rows, {status.meta['planned']} planned, {len(status.weights)} weights")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
