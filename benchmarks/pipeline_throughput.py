#!/usr/bin/env python3
"""Cost of `streams.extract` on Fars News articles against hazm, in the same process.

Baseline: hazm's `Normalizer().normalize` + `word_tokenize` (the usual first steps of any Persian
pipeline) on the same title and body texts.  Both run over all articles once per round, in
alternating order, and each reports the median of its rounds, so machine noise hits both alike;
the ratio is what to compare across machines, absolute numbers are noisy here.  Times are CPU
time of this process (`time.process_time`: on a shared machine, wall time mostly measures the
other processes); the wall-clock ratio is printed too.

Also prints where `streams.extract` spends its time (document build, actors without NER, NER,
dates, sanctions, visits, codes, record), as fractions of the summed stage time, and the cold
start of a whole `khabar extract` process on one article (median of a few runs, against a bare
`python -c "import hazm"` normalise + tokenise process).

usage: python benchmarks/pipeline_throughput.py [N_ARTICLES] [--rounds R] [--cold-runs C] [--no-ner]
(corpora from $KHABAR_SHARED, default ../shared next to the repository)
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KHABAR_SHARED", ROOT.parent / "shared"))
TEXT_FIELDS = ("title", "body")


def fars_articles(limit: int) -> list[dict]:
    out = []
    for i in range(1, 6):
        for n, a in enumerate(json.loads((SHARED / "corpora" / "fars-news" / f"fars-news-{i}.json").read_text())):
            out.append({"id": f"fars-{i}-{n}", "title": a.get("title") or "",
                        "body": "\n".join([a.get("abstract") or ""] + list(a.get("paragraphs") or []))})
            if len(out) >= limit:
                return out
    return out


def timed(fn, items) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of fn over items."""
    cpu, wall = time.process_time(), time.perf_counter()
    for item in items:
        fn(item)
    return time.process_time() - cpu, time.perf_counter() - wall


def stage_breakdown(pipeline, articles) -> dict[str, float]:
    """CPU seconds per stage over all articles, running the pipeline's own components in its order."""
    from streams.core.document import Document
    from streams.core.record import enriched_record

    seconds: dict[str, float] = {"document build": 0.0}
    actors = dict(pipeline.components).get("actors")
    ner_seconds = [0.0]
    if actors is not None and actors.ner is not None:
        inner = actors._ner_mentions

        def ner_timed(*args):
            t = time.process_time()
            inner(*args)
            ner_seconds[0] += time.process_time() - t
        actors._ner_mentions = ner_timed  # instance attribute: this benchmark's pipeline only
    try:
        for article in articles:
            t = time.process_time()
            doc = Document.from_article(article)
            seconds["document build"] += time.process_time() - t
            for name, component in pipeline.components:
                t = time.process_time()
                doc = component(doc)
                seconds[name] = seconds.get(name, 0.0) + time.process_time() - t
            t = time.process_time()
            enriched_record(doc)
            seconds["record"] = seconds.get("record", 0.0) + time.process_time() - t
    finally:
        if actors is not None and "_ner_mentions" in vars(actors):
            del actors._ner_mentions
    if "actors" in seconds and actors is not None and actors.ner is not None:
        seconds["actors"] -= ner_seconds[0]
        order = [(k, v) for k, v in seconds.items()]
        at = [k for k, _ in order].index("actors") + 1
        order[at:at] = [("NER", ner_seconds[0])]
        seconds = {("actors (no NER)" if k == "actors" else k): v for k, v in order}
    return seconds


def cold_start(article: dict, runs: int) -> tuple[dict[str, float], dict[str, float]]:
    """Median wall and CPU times of whole processes on one article: `khabar extract`, hazm, a bare interpreter."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as fh:
        fh.write(json.dumps(article, ensure_ascii=False) + "\n")
        path = fh.name
    hazm_code = ("import json,sys; from hazm import Normalizer, word_tokenize; n = Normalizer(); "
                 "a = json.loads(open(sys.argv[1], encoding='utf-8').readline()); "
                 "[word_tokenize(n.normalize(a[f])) for f in ('title', 'body')]")
    commands = {"khabar": [sys.executable, "-m", "streams.cli", "extract", path],
                "hazm": [sys.executable, "-c", hazm_code, path],
                "python": [sys.executable, "-c", "pass"]}
    times: dict[str, list[float]] = {name: [] for name in commands}
    cpu_times: dict[str, list[float]] = {name: [] for name in commands}
    try:
        for _ in range(runs):
            for name, cmd in commands.items():
                t, cpu = time.perf_counter(), _children_cpu()
                subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                times[name].append(time.perf_counter() - t)
                cpu_times[name].append(_children_cpu() - cpu)
    finally:
        os.unlink(path)
    return ({name: statistics.median(t) for name, t in times.items()},
            {name: statistics.median(t) for name, t in cpu_times.items()})


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n_articles", nargs="?", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cold-runs", type=int, default=3, help="0 skips the cold-start figure")
    parser.add_argument("--no-ner", action="store_true")
    args = parser.parse_args()
    if args.no_ner:
        os.environ["KHABAR_NER"] = "0"  # before the pipeline loads: streams.extract's default pipeline
    articles = fars_articles(args.n_articles)
    chars = sum(len(a[f]) for a in articles for f in TEXT_FIELDS)

    from hazm import Normalizer, word_tokenize

    import streams
    from streams.core.pipeline import default_pipeline

    hazm_normalizer = Normalizer()

    def hazm(article):
        for f in TEXT_FIELDS:
            word_tokenize(hazm_normalizer.normalize(article[f]))

    contenders = {"hazm normalize + word_tokenize (baseline)": hazm, "streams.extract": streams.extract}
    for fn in contenders.values():
        fn(articles[0])  # load models, lexicon and gazetteer outside the timing
    rounds: dict[str, list[tuple[float, float]]] = {name: [] for name in contenders}
    for r in range(args.rounds):
        for name in (list(contenders) if r % 2 == 0 else list(contenders)[::-1]):
            rounds[name].append(timed(contenders[name], articles))
    medians = {name: statistics.median(cpu for cpu, _ in times) for name, times in rounds.items()}
    wall = {name: statistics.median(w for _, w in times) for name, times in rounds.items()}
    base = medians["hazm normalize + word_tokenize (baseline)"]
    wall_base = wall["hazm normalize + word_tokenize (baseline)"]

    pipeline = default_pipeline(not args.no_ner)
    print(f"{len(articles)} Fars News articles, {chars:,} characters; {args.rounds} alternating rounds, medians;"
          f" stages: {', '.join(pipeline.names)}" + (" (NER off)" if args.no_ner else ""))
    for name, seconds in medians.items():
        print(f"{name:44s} {1000 * seconds / len(articles):7.2f} ms/article {len(articles) / seconds:8.1f} articles/s"
              f" {chars / seconds / 1000:8.1f} kchar/s   x{seconds / base:5.2f} baseline"
              f" (wall x{wall[name] / wall_base:5.2f})")

    stages = stage_breakdown(pipeline, articles)
    total = sum(stages.values())
    print(f"stage breakdown of streams.extract ({1000 * total / len(articles):.2f} ms/article summed over stages):")
    for name, seconds in stages.items():
        print(f"  {name:18s} {seconds / total:6.1%}  {1000 * seconds / len(articles):6.2f} ms/article")

    if args.cold_runs:
        for label, cold in zip(("wall", "CPU"), cold_start(articles[0], args.cold_runs)):
            print(f"cold start ({label}), one article, whole process (median of {args.cold_runs}):"
                  f" khabar extract {cold['khabar']:.2f} s, hazm normalise + tokenise {cold['hazm']:.2f} s"
                  f" (x{cold['khabar'] / cold['hazm']:.2f}), bare python {cold['python']:.2f} s"
                  f" (x{cold['khabar'] / cold['python']:.1f})")


if __name__ == "__main__":
    main()
