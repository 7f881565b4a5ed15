#!/usr/bin/env python
"""Tagging speed of the CRF POS tagger (streams.core.text.tagger), one core, feature extraction included.

    python benchmarks/tagger_speed.py [--sentences 2000] [--rounds 5] [--json]

Text: the first ``--sentences`` sentences of Fars News (``$KHABAR_SHARED/corpora/fars-news``,
paragraphs of the newest files first, split by ``split_sentences``).  Baseline, in the same process on
the same sentences: our own ``normalize()`` + ``tokenize()`` of each raw sentence.  Rounds alternate
tagger / baseline and the medians are compared, so the ratio holds across noisy machines:
``ratio = tagger tokens/s / (normalize + tokenize) tokens/s``.  Model load time and a cold first
pass (empty per-form feature cache) are reported separately.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from ner_speed import _pin_one_core, shared_dir  # noqa: E402


def fars_sentences(limit: int) -> list[tuple[str, list[str]]]:
    """(raw sentence text, its tokens as the pipeline makes them), newest files first."""
    from streams.core.text.normalize import normalize
    from streams.core.text.tokenize import split_sentences, tokenize

    out: list[tuple[str, list[str]]] = []
    for f in sorted((shared_dir() / "corpora" / "fars-news").glob("fars-news-*.json"))[::-1]:
        for art in json.loads(f.read_text(encoding="utf-8")):
            for para in art.get("paragraphs") or []:
                norm = normalize(para)
                toks = tokenize(norm.text)
                for s in split_sentences(norm.text, toks):
                    sent = [t.text for t in toks[s.first_token:s.last_token]]
                    if sent:
                        out.append((norm.original_text(s.start, s.end), sent))
                        if len(out) >= limit:
                            return out
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--json", action="store_true", help="print one JSON line")
    args = ap.parse_args(argv)
    _pin_one_core()

    sents = fars_sentences(args.sentences)
    if not sents:
        print("no benchmark text found (set KHABAR_SHARED)", file=sys.stderr)
        return 1
    raw = [r for r, _ in sents]
    tokens = [t for _, t in sents]
    n_tokens = sum(len(t) for t in tokens)

    from streams.core.text import tagger as tagger_mod
    from streams.core.text.normalize import normalize
    from streams.core.text.tokenize import tokenize

    t0 = time.perf_counter()
    tagger = tagger_mod.get_tagger()
    load_s = time.perf_counter() - t0

    def run_tagger():
        for t in tokens:
            tagger.tag(t)

    def run_baseline():
        for r in raw:
            tokenize(normalize(r).text)

    def timed(fn) -> float:
        t0 = time.perf_counter()
        fn()
        return n_tokens / (time.perf_counter() - t0)

    tagger.clear_cache()
    cold = timed(run_tagger)  # every form's features computed for the first time
    tag_rates, base_rates = [], []
    for _ in range(args.rounds):
        tag_rates.append(timed(run_tagger))
        base_rates.append(timed(run_baseline))
    tag_med, base_med = statistics.median(tag_rates), statistics.median(base_rates)

    res = {
        "source": "fars-news", "sentences": len(sents), "tokens": n_tokens, "rounds": args.rounds,
        "model_load_seconds": round(load_s, 3),
        "tagger_tokens_per_s_cold": round(cold), "tagger_tokens_per_s": round(tag_med),
        "baseline_normalize_tokenize_tokens_per_s": round(base_med),
        "ratio_tagger_vs_normalize_tokenize": round(tag_med / base_med, 4),
    }
    if args.json:
        print(json.dumps(res))
    else:
        for k, v in res.items():
            print(f"{k:42s} {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
