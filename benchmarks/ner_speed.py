#!/usr/bin/env python
"""Tagging speed of the CRF NER (streams.core.actors.ner), one core, feature extraction included.

    python benchmarks/ner_speed.py [--sentences 3000] [--repeat 3] [--source fars|peyma]

Sentences come from fars-news (normalised + tokenised exactly as the pipeline does) or, with
``--source peyma``, from PEYMA 300K.  Reports:

* model load time (first ``get_tagger()`` call, separately);
* tokens/s of ``get_tagger().tag`` per sentence (cold feature cache: first pass over the
  text; warm: later passes, where per-form features are cached as in a long-running worker), and of
  ``tag_many`` on ``--batch`` sentences at a time (warm), as the pipeline calls it: all sentences of a
  field in one call (a Fars News article has about 18);
* the same text through two in-process baselines, so numbers compare across noisy machines:
  ``dict`` = a trivial dictionary tagger (one dict lookup per token) and ``pycrfsuite`` = the
  same model through python-crfsuite's own tagger, fed the feature lists training uses (what
  ``tag`` did before ``streams.core.actors.crf``; warm feature cache).
  ``ratio = ner tokens/s / baseline tokens/s``.

Target from the issue: >= 50,000 tokens/s including feature extraction.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _pin_one_core() -> None:
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass


def shared_dir() -> Path:
    return Path(os.environ.get("KHABAR_SHARED") or REPO.parent / "shared")


def fars_sentences(limit: int) -> list[list[str]]:
    from streams.core.text.normalize import normalize
    from streams.core.text.tokenize import split_sentences, tokenize

    out: list[list[str]] = []
    for f in sorted((shared_dir() / "corpora" / "fars-news").glob("fars-news-*.json"))[::-1]:
        for art in json.loads(f.read_text(encoding="utf-8")):
            for para in art.get("paragraphs") or []:
                text = normalize(para).text
                toks = tokenize(text)
                for s in split_sentences(text, toks):
                    sent = [t.text for t in toks[s.first_token:s.last_token]]
                    if sent:
                        out.append(sent)
                        if len(out) >= limit:
                            return out
    return out


def peyma_sentences(limit: int) -> list[list[str]]:
    from streams.core.text.normalize import normalize

    out: list[list[str]] = []
    cur: list[str] = []
    for p in sorted((shared_dir() / "corpora" / "peyma" / "300K").iterdir()):
        for line in p.read_text(encoding="utf-8").splitlines():
            parts = line.strip("\r").split("\t")
            if len(parts) != 2:
                if cur:
                    out.append(cur)
                    cur = []
                    if len(out) >= limit:
                        return out
                continue
            tok = normalize(parts[0]).text.strip()
            if tok:
                cur.append(tok)
    return out


def rate(fn, sents, n_tokens: int, repeat: int) -> float:
    best = 0.0
    for _ in range(repeat):
        t0 = time.perf_counter()
        for s in sents:
            fn(s)
        best = max(best, n_tokens / (time.perf_counter() - t0))
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--batch", type=int, default=18, help="sentences per tag_many call")
    ap.add_argument("--source", choices=("fars", "peyma"), default="fars")
    ap.add_argument("--json", action="store_true", help="print one JSON line")
    args = ap.parse_args(argv)
    _pin_one_core()

    sents = fars_sentences(args.sentences) if args.source == "fars" else peyma_sentences(args.sentences)
    if not sents:
        print("no benchmark text found (set KHABAR_SHARED)", file=sys.stderr)
        return 1
    n_tokens = sum(len(s) for s in sents)

    from streams.core.actors import ner

    t0 = time.perf_counter()
    tagger = ner.get_tagger()
    load_s = time.perf_counter() - t0

    # cold: a fresh feature cache, one pass (every form is seen for the first time)
    tagger.clear_cache()
    t0 = time.perf_counter()
    for s in sents:
        tagger.tag(s)
    cold = n_tokens / (time.perf_counter() - t0)
    warm = rate(tagger.tag, sents, n_tokens, args.repeat)
    batches = [sents[i:i + args.batch] for i in range(0, len(sents), args.batch)]
    batched = rate(tagger.tag_many, batches, n_tokens, args.repeat)

    lookup = {w: "O" for s in sents[: len(sents) // 2] for w in s}
    dict_rate = rate(lambda s: [lookup.get(w, "O") for w in s], sents, n_tokens, args.repeat)
    import pycrfsuite

    reference = pycrfsuite.Tagger()
    reference.open(str(tagger.model_path))
    crfsuite_rate = rate(lambda s: reference.tag(tagger.features.sentence_items(s)), sents, n_tokens, args.repeat)

    res = {
        "source": args.source, "sentences": len(sents), "tokens": n_tokens,
        "model_load_seconds": round(load_s, 3),
        "ner_tokens_per_s_cold": round(cold), "ner_tokens_per_s": round(warm),
        "ner_tokens_per_s_batched": round(batched), "batch_sentences": args.batch,
        "baseline_dict_tokens_per_s": round(dict_rate), "pycrfsuite_tokens_per_s": round(crfsuite_rate),
        "ratio_vs_dict": round(warm / dict_rate, 4), "ratio_vs_pycrfsuite": round(warm / crfsuite_rate, 4),
        "ratio_batched_vs_pycrfsuite": round(batched / crfsuite_rate, 4),
        "target_tokens_per_s": 50000, "meets_target": max(warm, batched) >= 50000,
    }
    if args.json:
        print(json.dumps(res))
    else:
        for k, v in res.items():
            print(f"{k:28s} {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
