#!/usr/bin/env python3
"""Throughput of the extraction pipeline on Fars News articles, against baselines in the same process.

Baselines: hazm's Normalizer (the usual first step of any Persian pipeline) and our own
normaliser alone.  Ratios are what to compare across machines; absolute numbers are noisy here.

usage: python benchmarks/pipeline_throughput.py [N_ARTICLES] [--no-ner]
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KHABAR_SHARED", ROOT.parent / "shared"))


def fars_articles(limit: int) -> list[dict]:
    out = []
    for i in range(1, 6):
        for n, a in enumerate(json.loads((SHARED / "corpora" / "fars-news" / f"fars-news-{i}.json").read_text())):
            out.append({"id": f"fars-{i}-{n}", "title": a.get("title") or "",
                        "body": "\n".join([a.get("abstract") or ""] + list(a.get("paragraphs") or []))})
            if len(out) >= limit:
                return out
    return out


def timed(fn, items) -> float:
    start = time.perf_counter()
    for item in items:
        fn(item)
    return time.perf_counter() - start


def main() -> None:
    limit = int(next((a for a in sys.argv[1:] if a.isdigit()), 300))
    use_ner = "--no-ner" not in sys.argv
    articles = fars_articles(limit)
    chars = sum(len(a["body"]) + len(a["title"]) for a in articles)

    from hazm import Normalizer
    from streams.core.text.normalize import normalize
    from streams.core.pipeline import default_pipeline
    from streams.core.record import enriched_record

    hazm_normalizer = Normalizer()
    pipeline = default_pipeline(use_ner)
    pipeline(articles[0])  # load gazetteer, lexicon and model outside the timing
    results = {
        "hazm Normalizer (baseline)": timed(lambda a: hazm_normalizer.normalize(a["title"] + "\n" + a["body"]), articles),
        "khabar normalize": timed(lambda a: normalize(a["title"] + "\n" + a["body"]), articles),
        "khabar full pipeline" + ("" if use_ner else " (no NER)"): timed(lambda a: enriched_record(pipeline(a)), articles),
    }
    base = results["hazm Normalizer (baseline)"]
    print(f"{len(articles)} Fars News articles, {chars:,} characters, stages: {', '.join(pipeline.names)}")
    for name, seconds in results.items():
        print(f"{name:36s} {len(articles) / seconds:9.1f} articles/s {chars / seconds / 1000:9.1f} kchar/s"
              f"   x{seconds / base:6.2f} baseline time")


if __name__ == "__main__":
    main()
