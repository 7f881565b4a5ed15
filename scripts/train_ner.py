#!/usr/bin/env python
"""Train and evaluate the CRF named-entity recogniser (streams/core/actors/ner.py) on PEYMA.

    python scripts/train_ner.py                # train the shipped model into streams/data/ner/
    python scripts/train_ner.py --cv           # 5-fold document-level CV on PEYMA 300K
                                               #   -> benchmarks/results/ner-cv.md + .json
    python scripts/train_ner.py --clusters     # (re)build word clusters from fars-news first
    python scripts/train_ner.py --cv --folds 0,1 --no-lexicon --out /tmp/x.md   # partial run / ablation
    python scripts/train_ner.py --cv --folds 0,1 --cv-300k-only --drop-features=bg-,bg+ --out /tmp/y.md

Data: ``$KHABAR_SHARED/corpora/peyma/{300K,600K}`` (default: ``<repo>/../shared``).  One
document per file, ``token<TAB>BIO-tag`` per line, blank line between sentences.  Every
token is mapped through ``streams.core.text.normalize.normalize`` (as the pipeline does at
inference); malformed lines (no tab, unknown tag) are skipped and counted; a stray ``I-X``
after a different tag is repaired to ``B-X`` and counted.

Everything is deterministic: sorted file order, fold = index-in-sorted-order mod 5,
k-means with a fixed seed and deterministic initialisation, L-BFGS CRF training.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import time
from collections import Counter
from multiprocessing import get_context
from pathlib import Path
from typing import Iterable

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from streams.core.actors.ner import (  # noqa: E402
    CLUSTER_FILE, ENTITY_TYPES, LEXICON_SOURCES, MODEL_FILE, FeatureExtractor, NameLexicon, bio_to_spans,
    default_lexicon, load_clusters,
)
from streams.core.text.normalize import normalize  # noqa: E402

MODEL_DIR = REPO / "streams" / "data" / "ner"
RESULTS_DIR = REPO / "benchmarks" / "results"
VALID_TAGS = {"O"} | {f"{p}-{t}" for p in "BI" for t in ENTITY_TYPES}
MAIN_TYPES = ("PER", "ORG", "LOC")

# Chosen by cross-validation (see benchmarks/results/ner-cv.md).
DEFAULT_PARAMS = {
    "c1": 0.02,
    "c2": 0.1,
    "max_iterations": 150,
    "feature.minfreq": 1,
    "feature.possible_transitions": True,
}
N_FOLDS = 5


def shared_dir() -> Path:
    return Path(os.environ.get("KHABAR_SHARED") or REPO.parent / "shared")


# --------------------------------------------------------------------------- data

_NORM_CACHE: dict[str, str] = {}


def norm_token(tok: str) -> str:
    out = _NORM_CACHE.get(tok)
    if out is None:
        out = normalize(tok).text.strip()
        # a corpus token never contains a space after our tokenizer; keep it one token
        out = re.sub(r"\s+", ZWNJ, out) if " " in out or "\n" in out else out
        _NORM_CACHE[tok] = out
    return out


ZWNJ = "\u200c"


def read_doc(path: Path, stats: Counter) -> list[tuple[list[str], list[str]]]:
    """One PEYMA file -> list of (tokens, tags) sentences."""
    sents: list[tuple[list[str], list[str]]] = []
    toks: list[str] = []
    tags: list[str] = []

    def flush():
        if toks:
            # BIO repair: I-X must follow B-X or I-X
            prev = "O"
            for k, t in enumerate(tags):
                if t.startswith("I-") and prev[2:] != t[2:]:
                    tags[k] = "B-" + t[2:]
                    stats["bio_repaired"] += 1
                prev = tags[k]
            sents.append((list(toks), list(tags)))
            stats["sentences"] += 1
        toks.clear()
        tags.clear()

    text = path.read_bytes().decode("utf-8", errors="replace")
    for line in text.splitlines():
        line = line.strip("\r\ufeff")
        if not line.strip():
            flush()
            continue
        parts = line.split("\t")
        if len(parts) != 2 or parts[1].strip() not in VALID_TAGS or not parts[0].strip():
            stats["malformed_lines"] += 1
            if len(parts) != 2:
                bare = line.strip()
                kind = ("bare_tag" if bare in VALID_TAGS else
                        "token_glued_to_tag" if len(parts) == 1 and any(bare.endswith(t) for t in VALID_TAGS) else
                        "no_tab" if len(parts) == 1 else "extra_fields")
            else:
                kind = "unknown_tag" if parts[1].strip() not in VALID_TAGS else "empty_token"
            stats["malformed:" + kind] += 1
            continue
        tok = norm_token(parts[0].strip())
        if not tok:
            stats["empty_after_normalize"] += 1
            continue
        toks.append(tok)
        tags.append(parts[1].strip())
        stats["tokens"] += 1
    flush()
    return sents


def load_corpus(name: str) -> tuple[list[tuple[str, list]], Counter]:
    """[(file name, sentences)] in sorted file-name order, plus counts."""
    root = shared_dir() / "corpora" / "peyma" / name
    if not root.is_dir():
        sys.exit(f"PEYMA not found at {root} (set KHABAR_SHARED)")
    stats: Counter = Counter()
    docs = []
    for path in sorted(p for p in root.iterdir() if p.is_file()):
        docs.append((path.name, read_doc(path, stats)))
        stats["documents"] += 1
    return docs, stats


# --------------------------------------------------------------------------- word clusters

def build_clusters(out_path: Path, ks: tuple[int, ...] = (64, 256, 1024), vocab_size: int = 40000,
                   n_context: int = 1000, dim: int = 128, seed: int = 13, with_600k: bool = True) -> dict:
    """Distributional word clusters: context-count vectors -> PPMI -> randomized SVD -> k-means.

    Text: fars-news (normalised + tokenised as in the pipeline); with ``with_600k`` also the
    tokens (not the tags) of the NSURL 600K part, which is never a CV test fold.
    Several granularities ``ks``; written as word<TAB>id_k0<TAB>id_k1...
    """
    import numpy as np
    from streams.core.text.tokenize import tokenize

    t0 = time.time()
    root = shared_dir() / "corpora" / "fars-news"
    files = sorted(root.glob("fars-news-*.json"))
    if not files:
        sys.exit(f"fars-news not found under {root}")
    sents: list[list[str]] = []
    for f in files:
        for art in json.loads(f.read_text(encoding="utf-8")):
            for para in [art.get("title") or "", art.get("abstract") or ""] + list(art.get("paragraphs") or []):
                if not para:
                    continue
                text = normalize(para).text
                sents.append([t.text for t in tokenize(text)])
    if with_600k:
        docs600, _ = load_corpus("600K")
        sents.extend(toks for _, ss in docs600 for toks, _ in ss)
    counts = Counter(w for s in sents for w in s)
    vocab = [w for w, _ in sorted(counts.items(), key=lambda x: (-x[1], x[0]))[:vocab_size] if counts[w] >= 2]
    index = {w: i for i, w in enumerate(vocab)}
    ctx = {w: i for i, w in enumerate(vocab[:n_context])}
    V, C = len(vocab), len(ctx)
    # left and right context windows of 1 and 2 words, positions kept separate
    M = np.zeros((V, 4 * C), dtype=np.float32)
    for s in sents:
        ids = [index.get(w, -1) for w in s]
        cids = [ctx.get(w, -1) for w in s]
        n = len(s)
        for i, wi in enumerate(ids):
            if wi < 0:
                continue
            for slot, off in enumerate((-2, -1, 1, 2)):
                j = i + off
                if 0 <= j < n and cids[j] >= 0:
                    M[wi, slot * C + cids[j]] += 1
    # PPMI
    total = M.sum()
    row = M.sum(1, keepdims=True) + 1e-9
    col = M.sum(0, keepdims=True) + 1e-9
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log((M * total) / (row * col))
    pmi[~np.isfinite(pmi)] = 0
    pmi = np.maximum(pmi, 0).astype(np.float32)
    # randomized truncated SVD with a fixed seed (deterministic)
    rng = np.random.default_rng(seed)
    omega = rng.standard_normal((pmi.shape[1], dim + 32)).astype(np.float32)
    Y = pmi @ omega
    for _ in range(2):  # power iterations
        Y, _ = np.linalg.qr(Y)
        Y = pmi @ (pmi.T @ Y)
    Q, _ = np.linalg.qr(Y)
    B = Q.T @ pmi
    Ub, S, _ = np.linalg.svd(B, full_matrices=False)
    U = Q @ Ub
    X = U[:, :dim] * np.sqrt(S[:dim])
    X /= np.linalg.norm(X, axis=1, keepdims=True) + 1e-9

    def kmeans(X, k, iters=25):
        rng = np.random.default_rng(seed)
        # deterministic init: the k most frequent words spread by a fixed random permutation of the top 4k
        init = rng.permutation(min(len(X), 4 * k))[:k]
        cent = X[init].copy()
        for _ in range(iters):
            lab = (X @ cent.T).argmax(1)
            sums = np.zeros_like(cent)
            np.add.at(sums, lab, X)
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            keep = norms[:, 0] > 0
            cent[keep] = sums[keep] / norms[keep]
        return (X @ cent.T).argmax(1)

    labels = [kmeans(X, k) for k in ks]
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with open(out_path, "w", encoding="utf-8") as fh:
        for i, w in enumerate(vocab):
            fh.write(w + "".join(f"\t{lab[i]}" for lab in labels) + "\n")
    info = {"sentences": len(sents), "tokens": int(sum(counts.values())), "vocab": V, "contexts": C,
            "dim": dim, "k": list(ks), "with_600k": with_600k, "seed": seed, "n_context": n_context, "context": "positions -2,-1,+1,+2 kept apart; PPMI; randomized SVD"}
    out_path.with_suffix(".json").write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"clusters: {info} ({time.time() - t0:.0f}s)", file=sys.stderr)
    return info


# --------------------------------------------------------------------------- training / evaluation

_G: dict = {}  # data shared with forked workers


def describe_lexicon(lexicon: NameLexicon | None) -> dict | None:
    """What the name-lexicon features were built from (recorded with every model and CV report)."""
    if lexicon is None:
        return None
    gazetteer = REPO / "streams" / "data" / "gazetteer.jsonl"
    return {"source": "streams/data/gazetteer.jsonl", "entries": list(LEXICON_SOURCES),
            "gazetteer_sha256": hashlib.sha256(gazetteer.read_bytes()).hexdigest(),
            "names": len(lexicon.by_key), "first_names": len(lexicon.first_names)}


class AblatedFeatures(FeatureExtractor):
    """The default features without some attribute groups (``--drop-features``; a group is the attribute name
    before ``=``, e.g. ``p1``, ``-1sh``, ``bg+``): for ablation runs only, never a shipped model."""

    def __init__(self, clusters, lexicon, drop: Iterable[str]):
        super().__init__(clusters, lexicon)
        self.drop = frozenset(drop)

    def sentence_features(self, tokens):
        return [[a for a in f if a.split("=", 1)[0] not in self.drop] for f in super().sentence_features(tokens)]


def train_model(train_sents, model_path: Path, params: dict, fx: FeatureExtractor) -> float:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(algorithm="lbfgs", verbose=False)
    for toks, tags in train_sents:
        trainer.append(fx.sentence_features(toks), tags)
    trainer.set_params(params)
    t0 = time.time()
    trainer.train(str(model_path))
    return time.time() - t0


def tag_sents(model_path: Path, sents, fx: FeatureExtractor) -> list[list[str]]:
    import pycrfsuite

    tagger = pycrfsuite.Tagger()
    tagger.open(str(model_path))
    return [list(tagger.tag(fx.sentence_features(toks))) if toks else [] for toks, _ in sents]


def score(gold: list[list[str]], pred: list[list[str]]) -> dict:
    tp, fp, fn = Counter(), Counter(), Counter()
    for g, p in zip(gold, pred):
        gs, ps = set(bio_to_spans(g)), set(bio_to_spans(p))
        for s in gs & ps:
            tp[s[2]] += 1
        for s in ps - gs:
            fp[s[2]] += 1
        for s in gs - ps:
            fn[s[2]] += 1
    return {"tp": dict(tp), "fp": dict(fp), "fn": dict(fn)}


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def summarise(counts: dict) -> dict:
    tp, fp, fn = (Counter(counts[k]) for k in ("tp", "fp", "fn"))
    out = {}
    for t in ENTITY_TYPES:
        p, r, f = prf(tp[t], fp[t], fn[t])
        out[t] = {"precision": p, "recall": r, "f1": f, "support": tp[t] + fn[t]}
    for name, types in (("micro_PER_ORG_LOC", MAIN_TYPES), ("micro_all", ENTITY_TYPES)):
        p, r, f = prf(sum(tp[t] for t in types), sum(fp[t] for t in types), sum(fn[t] for t in types))
        out[name] = {"precision": p, "recall": r, "f1": f, "support": sum(tp[t] + fn[t] for t in types)}
    return out


def _run_fold(fold: int) -> dict:
    docs, params, fx, workdir = _G["docs"], _G["params"], _G["features"], _G["workdir"]
    train = [s for i, (_, sents) in enumerate(docs) if i % N_FOLDS != fold for s in sents]
    test = [s for i, (_, sents) in enumerate(docs) if i % N_FOLDS == fold for s in sents]
    extra = _G.get("extra") or []
    n_dup = 0
    if extra:
        # extra training text (the NSURL 600K part); drop any sentence identical to a test one
        test_keys = {tuple(t) for t, _ in test}
        kept = [s for s in extra if tuple(s[0]) not in test_keys]
        n_dup = len(extra) - len(kept)
        train = train + kept
    fraction = _G.get("fraction", 1.0)
    if fraction < 1.0:  # learning curve: an evenly spread, deterministic share of the training sentences
        train = [s for i, s in enumerate(train) if int((i + 1) * fraction) > int(i * fraction)]
    model = Path(workdir) / f"fold{fold}.crfsuite"
    secs = train_model(train, model, params, fx)
    t0 = time.time()
    pred = tag_sents(model, test, fx)
    tag_secs = time.time() - t0
    c = score([t for _, t in test], pred)
    n_tok = sum(len(t) for t, _ in test)
    # what tagging costs: the CRF's time per token grows with the attributes it is handed
    n_attrs = sum(len(f) for toks, _ in test for f in fx.sentence_features(toks))
    model.unlink(missing_ok=True)
    return {"fold": fold, "train_sentences": len(train), "extra_duplicates_dropped": n_dup,
            "test_sentences": len(test), "test_tokens": n_tok,
            "attributes_per_token": round(n_attrs / max(n_tok, 1), 2),
            "train_seconds": round(secs, 1), "tag_seconds": round(tag_secs, 2), "counts": c,
            "scores": summarise(c)}


def run_cv(docs, params, fx: FeatureExtractor, jobs: int, workdir: Path, extra=None, folds=None,
           fraction: float = 1.0) -> list[dict]:
    _G.update(docs=docs, params=params, features=fx, workdir=str(workdir), extra=extra, fraction=fraction)
    workdir.mkdir(parents=True, exist_ok=True)
    folds = list(range(N_FOLDS)) if folds is None else folds
    if jobs <= 1:
        return [_run_fold(k) for k in folds]
    with get_context("fork").Pool(jobs) as pool:
        return pool.map(_run_fold, folds, chunksize=1)


def write_cv_report(folds, params, stats, extra: dict, md_path: Path) -> dict:
    total = {"tp": Counter(), "fp": Counter(), "fn": Counter()}
    for f in folds:
        for k in total:
            total[k].update(f["counts"][k])
    overall = summarise({k: dict(v) for k, v in total.items()})
    report = {
        "corpus": "PEYMA 300K", "folds": N_FOLDS,
        "fold_assignment": "documents sorted by file name; fold = index % 5",
        "metric": "entity-level exact span and type; counts pooled over folds",
        "params": params, "data": dict(stats), **extra,
        "overall": overall,
        "per_fold_micro_PER_ORG_LOC_f1": [round(f["scores"]["micro_PER_ORG_LOC"]["f1"], 4) for f in folds],
        "folds_detail": [{k: v for k, v in f.items() if k != "counts"} for f in folds],
    }
    return render_cv_report(report, md_path)


def render_cv_report(report: dict, md_path: Path) -> dict:
    """Write report (.json) and its Markdown rendering (.md)."""
    params, stats, overall, folds = report["params"], report["data"], report["overall"], report["folds_detail"]
    extra = {k: report[k] for k in ("training_folds", "data_600K", "clusters", "lexicon", "cluster_build", "jobs",
                                    "cv_wall_seconds", "total_wall_seconds") if k in report}
    md_path.parent.mkdir(parents=True, exist_ok=True)
    md_path.with_suffix(".json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = [
        "# NER cross-validation (PEYMA 300K)",
        "",
        "Written by `python scripts/train_ner.py --cv`; do not edit by hand.",
        "",
        f"Document-level {N_FOLDS}-fold CV ({stats['documents']} documents, sorted by file name, "
        "fold = index mod 5). Entity-level exact span + type; TP/FP/FN pooled over folds.",
        "",
        "| type | precision | recall | F1 | support |",
        "|---|---:|---:|---:|---:|",
    ]
    for t in ENTITY_TYPES + ("micro_PER_ORG_LOC", "micro_all"):
        o = overall[t]
        name = f"**{t}**" if t == "micro_PER_ORG_LOC" else t
        lines.append(f"| {name} | {o['precision']:.4f} | {o['recall']:.4f} | {o['f1']:.4f} | {o['support']} |")
    lines += [
        "",
        "Per-fold micro F1 (PER/ORG/LOC): " + ", ".join(f"{x:.4f}" for x in report["per_fold_micro_PER_ORG_LOC_f1"]),
        "",
        "Published anchors on PEYMA: CRF baseline 84.0 F1, Beheshti-NER 90.6, ParsBERT 93.4 "
        "(different splits/protocols; indicative only).",
        "",
        "## Settings",
        "",
        f"- CRF (python-crfsuite, L-BFGS): `{json.dumps(params)}`",
    ]
    for k, v in extra.items():
        lines.append(f"- {k}: `{json.dumps(v, ensure_ascii=False)}`")
    lines += [
        f"- data: `{json.dumps(dict(stats))}`",
        "",
        "## Per fold",
        "",
        "| fold | train sents | test sents | test tokens | train s | tag s | micro F1 PER/ORG/LOC |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for f in folds:
        lines.append(f"| {f['fold']} | {f['train_sentences']} | {f['test_sentences']} | {f['test_tokens']} | "
                     f"{f['train_seconds']} | {f['tag_seconds']} | {f['scores']['micro_PER_ORG_LOC']['f1']:.4f} |")
    if report.get("comparisons"):
        lines += [
            "",
            "## Configurations compared (same CV protocol, earlier runs of this script)",
            "",
            "| configuration | P | R | F1 (micro PER/ORG/LOC) | CV wall s |",
            "|---|---:|---:|---:|---:|",
        ]
        for c in report["comparisons"]:
            lines.append(f"| {c['label']} | {c['precision']:.4f} | {c['recall']:.4f} | {c['f1']:.4f} | "
                         f"{c.get('cv_wall_seconds', '')} |")
    md_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return report


def _malformed(stats: dict) -> str:
    parts = [f"{k.split(':', 1)[1]}: {v}" for k, v in sorted(stats.items()) if k.startswith("malformed:")]
    return ", ".join(parts) or "no breakdown"


def write_model_md(path: Path, meta: dict) -> None:
    """A human-readable note of where the shipped model came from (deterministic content)."""
    d3, d6 = meta["data"]["300K"], meta["data"]["600K"]
    cv = RESULTS_DIR / "ner-cv.json"
    cv_line = "see `benchmarks/results/ner-cv.md`"
    if cv.exists():
        o = json.loads(cv.read_text(encoding="utf-8"))["overall"]["micro_PER_ORG_LOC"]
        cv_line = (f"micro P/R/F1 over PER/ORG/LOC = {o['precision']:.4f} / {o['recall']:.4f} / {o['f1']:.4f} "
                   "(see `benchmarks/results/ner-cv.md`)")
    text = f"""# NER model (`streams/data/ner/`)

Built by `python scripts/train_ner.py` (deterministic: two runs give byte-identical files, given the same
`streams/core/text/normalize.py`, `tokenize.py`, `streams/data/lexicon.tsv` and `gazetteer.jsonl`; the features see normalised
forms, so when the normaliser changes, rebuild with `--clusters`).
Used by `streams.core.actors.ner.get_tagger()`.

| file | what |
|---|---|
| `{MODEL_FILE}` | CRFsuite linear-chain CRF, {meta['bytes']:,} bytes, sha256 `{meta['sha256'][:16]}...` |
| `{CLUSTER_FILE}` | {meta['clusters']['words']:,} word -> k-means cluster ids (features; built by `--clusters`) |
| `model.json` | the same facts, machine-readable |

## Training data

PEYMA, from `$KHABAR_SHARED/corpora/peyma` (default `<repo>/../shared`, never copied here):

- **300K** (PEYMA proper): {d3['documents']} documents, {d3['sentences']:,} sentences, {d3['tokens']:,} tokens;
  malformed lines skipped: {d3.get('malformed_lines', 0)}; tokens empty after normalisation: {d3.get('empty_after_normalize', 0)};
  stray `I-` tags repaired to `B-`: {d3.get('bio_repaired', 0)}.
- **600K** (NSURL-2019 part, Arabic yeh/kaf): {d6['documents']} documents, {d6['sentences']:,} sentences, {d6['tokens']:,} tokens;
  malformed lines skipped: {d6.get('malformed_lines', 0)} ({_malformed(d6)}); tokens empty after
  normalisation: {d6.get('empty_after_normalize', 0)}; stray `I-` tags repaired to `B-`: {d6.get('bio_repaired', 0)}.
- Every token is mapped through `streams.core.text.normalize.normalize(token).text` (Persian yeh/kaf, ASCII
  digits, no diacritics, ZWNJ repair), exactly as the pipeline normalises text before tagging.
- Entity types: {", ".join(ENTITY_TYPES)} (BIO).

The final model is trained on **all** sentences of both parts ({meta['sentences']:,} sentences).

## Settings

- CRFsuite L-BFGS: `{json.dumps(meta['params'])}`
- Features (`streams/core/actors/ner.py`, `FeatureExtractor`; about 22 attributes per token of news text):
  word form; prefixes/suffixes 2-4 (ZWNJ removed);
  shape (Persian/digit/Latin/punct/mixed, 4-digit number); length bucket; ZWNJ head/tail parts;
  hand-written title / ORG-trigger / LOC-trigger / date / money word flags; word cluster ids;
  `oov` (Persian word without a cluster); neighbours -2..+2 (word, flags, one cluster id: the finest for
  -1/+1, the coarsest for -2/+2); word bigrams with -1 and +1; BOS/EOS; name-lexicon features (`NameLexicon`): the token starts /
  continues / alone is a known PERSON / ORG / GPE alias of the hand-curated gazetteer entries (never the
  PEYMA-mined ones), also for the -1/+1 neighbours, and "known first name". Lexicon at training time:
  `{json.dumps(meta.get('lexicon'), ensure_ascii=False)}`; later gazetteer additions reach the tagger
  without retraining.
- Word clusters (`--clusters`): text of `$KHABAR_SHARED/corpora/fars-news/fars-news-*.json` (title, abstract,
  paragraphs; normalised and tokenised as in the pipeline) plus the tokens (not tags) of the 600K part;
  left/right context counts at positions -2,-1,+1,+2 over the 1000 most frequent words -> PPMI ->
  randomized SVD (128 dims, seed 13) -> spherical k-means at three granularities, deterministic init.
  Build facts: `{json.dumps(meta.get('cluster_build') or {}, ensure_ascii=False)}`.

## Rebuild

```
python scripts/train_ner.py --clusters   # rebuild clusters.tsv from fars-news, then the model
python scripts/train_ner.py              # rebuild the model only (uses the shipped clusters.tsv)
python scripts/train_ner.py --cv         # benchmarks/results/ner-cv.md + .json
```

## Evaluation

Document-level 5-fold CV on PEYMA 300K: {cv_line}.
"""
    path.write_text(text, encoding="utf-8")


def _write_partial_report(folds, params, options: dict, md: Path, cv_secs: float) -> int:
    """A run over some folds (``--folds``): JSON plus a one-line summary, never the default report."""
    total = {"tp": Counter(), "fp": Counter(), "fn": Counter()}
    for f in folds:
        for k in total:
            total[k].update(f["counts"][k])
    report = {"folds_run": [f["fold"] for f in folds], "params": params, "options": options,
              "overall": summarise({k: dict(v) for k, v in total.items()}), "cv_wall_seconds": round(cv_secs, 1),
              "folds_detail": [{k: v for k, v in f.items() if k != "counts"} for f in folds]}
    md.parent.mkdir(parents=True, exist_ok=True)
    md.with_suffix(".json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    o = report["overall"]["micro_PER_ORG_LOC"]
    print(f"{md.stem}: folds {report['folds_run']} P={o['precision']:.4f} R={o['recall']:.4f} "
          f"F1={o['f1']:.4f} attributes/token {folds[0]['attributes_per_token']} ({cv_secs:.0f}s)", file=sys.stderr)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cv", action="store_true", help="5-fold document-level CV on PEYMA 300K")
    ap.add_argument("--clusters", action="store_true", help="rebuild word clusters from fars-news")
    ap.add_argument("--no-clusters", action="store_true", help="train/evaluate without word clusters")
    ap.add_argument("--cv-300k-only", action="store_true",
                    help="CV training folds use PEYMA 300K only (default: + all of the 600K part, "
                         "as the shipped model; test folds are always held-out 300K documents)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel CV folds (default 2)")
    ap.add_argument("--c1", type=float, default=DEFAULT_PARAMS["c1"])
    ap.add_argument("--c2", type=float, default=DEFAULT_PARAMS["c2"])
    ap.add_argument("--max-iterations", type=int, default=DEFAULT_PARAMS["max_iterations"])
    ap.add_argument("--minfreq", type=float, default=DEFAULT_PARAMS["feature.minfreq"])
    ap.add_argument("--out", type=Path, default=None, help="CV report path (default benchmarks/results/ner-cv.md)")
    ap.add_argument("--model-dir", type=Path, default=MODEL_DIR)
    ap.add_argument("--render", type=Path, default=None,
                    help="only re-render a CV report from its .json (with --compare) into --out")
    ap.add_argument("--compare", action="append", default=[], metavar="LABEL=JSON",
                    help="with --render: add another CV run's micro PER/ORG/LOC scores to the report")
    ap.add_argument("--model-md", action="store_true",
                    help="only rewrite MODEL.md from model.json and the CV results")
    ap.add_argument("--no-lexicon", action="store_true",
                    help="train/evaluate without the name-lexicon features (ablation)")
    ap.add_argument("--drop-features", default="", metavar="GROUP,...",
                    help="with --folds: leave out these attribute groups (ablation), e.g. --drop-features=p1,s1")
    ap.add_argument("--folds", default=None,
                    help="with --cv and --out: comma list of folds to run (e.g. 0,1,2); scores pooled over those")
    ap.add_argument("--train-fraction", type=float, default=1.0,
                    help="with --folds: train each fold on this share of its training sentences (learning curve)")
    args = ap.parse_args(argv)
    if args.folds and not (args.cv and args.out):
        ap.error("--folds needs --cv and --out (a partial run never writes the default CV report)")
    if args.drop_features and not args.folds:
        ap.error("--drop-features needs --folds (an ablation run never writes the default report or a model)")
    if args.train_fraction != 1.0 and not (args.folds and 0 < args.train_fraction < 1):
        ap.error("--train-fraction needs --folds and a value between 0 and 1")

    if args.model_md:
        meta = json.loads((args.model_dir / "model.json").read_text(encoding="utf-8"))
        write_model_md(args.model_dir / "MODEL.md", meta)
        return 0
    if args.render:
        report = json.loads(args.render.read_text(encoding="utf-8"))
        comps = []
        for item in args.compare:
            label, _, path = item.rpartition("=")
            other = json.loads(Path(path).read_text(encoding="utf-8"))
            o = other["overall"]["micro_PER_ORG_LOC"]
            comps.append({"label": label, "precision": o["precision"], "recall": o["recall"], "f1": o["f1"],
                          "params": other["params"], "training_folds": other.get("training_folds", "4/5 of PEYMA 300K"),
                          "clusters": other.get("clusters"), "cv_wall_seconds": other.get("cv_wall_seconds")})
        report["comparisons"] = comps
        render_cv_report(report, args.out or RESULTS_DIR / "ner-cv.md")
        return 0

    params = dict(DEFAULT_PARAMS, c1=args.c1, c2=args.c2, max_iterations=args.max_iterations)
    params["feature.minfreq"] = args.minfreq
    cluster_path = args.model_dir / CLUSTER_FILE
    t_start = time.time()
    if args.clusters:
        build_clusters(cluster_path)
    clusters = {} if args.no_clusters else load_clusters(cluster_path)
    cl_desc = {"file": CLUSTER_FILE if clusters else None, "words": len(clusters)}
    lexicon = None if args.no_lexicon else default_lexicon()
    drop = [g for g in args.drop_features.split(",") if g]
    fx = AblatedFeatures(clusters, lexicon, drop) if drop else FeatureExtractor(clusters, lexicon)
    lex_desc = describe_lexicon(lexicon)

    t0 = time.time()
    docs300, st300 = load_corpus("300K")
    print(f"300K: {dict(st300)} ({time.time() - t0:.1f}s)", file=sys.stderr)

    if args.cv:
        md = args.out or RESULTS_DIR / "ner-cv.md"
        extra, st600 = None, None
        if not args.cv_300k_only:
            docs600, st600 = load_corpus("600K")
            extra = [s for _, sents in docs600 for s in sents]
        fold_ids = [int(x) for x in args.folds.split(",")] if args.folds else None
        t1 = time.time()
        folds = run_cv(docs300, params, fx, args.jobs, Path("/tmp") / f"khabar-ner-cv-{os.getpid()}", extra,
                       folds=fold_ids, fraction=args.train_fraction)
        cv_secs = time.time() - t1
        if fold_ids is not None:
            return _write_partial_report(folds, params, {
                "train": "300K folds only" if extra is None else "300K folds + all 600K",
                "clusters": len(clusters), "lexicon": lex_desc, "train_fraction": args.train_fraction,
                "drop_features": drop},
                md, cv_secs)
        report = write_cv_report(folds, params, st300, {
            "training_folds": "4/5 of PEYMA 300K" + ("" if extra is None else " + all of NSURL 600K"),
            "data_600K": dict(st600) if st600 else None,
            "clusters": cl_desc, "lexicon": lex_desc, "jobs": args.jobs,
            "cluster_build": (json.loads(cluster_path.with_suffix(".json").read_text(encoding="utf-8"))
                              if clusters and cluster_path.with_suffix(".json").exists() else None),
            "cv_wall_seconds": round(cv_secs, 1), "total_wall_seconds": round(time.time() - t_start, 1),
        }, md)
        o = report["overall"]["micro_PER_ORG_LOC"]
        print(f"CV micro PER/ORG/LOC: P={o['precision']:.4f} R={o['recall']:.4f} F1={o['f1']:.4f} "
              f"({cv_secs:.0f}s) -> {md}", file=sys.stderr)
        return 0

    t0 = time.time()
    docs600, st600 = load_corpus("600K")
    print(f"600K: {dict(st600)} ({time.time() - t0:.1f}s)", file=sys.stderr)
    train = [s for _, sents in docs300 for s in sents] + [s for _, sents in docs600 for s in sents]
    args.model_dir.mkdir(parents=True, exist_ok=True)
    model_path = args.model_dir / MODEL_FILE
    tmp = model_path.with_suffix(".tmp")
    train_model(train, tmp, params, fx)
    tmp.replace(model_path)
    digest = hashlib.sha256(model_path.read_bytes()).hexdigest()
    meta = {
        "model": MODEL_FILE, "sha256": digest, "bytes": model_path.stat().st_size,
        "params": params, "clusters": cl_desc, "lexicon": lex_desc,
        "data": {"300K": dict(st300), "600K": dict(st600)}, "sentences": len(train),
    }
    if cluster_path.with_suffix(".json").exists() and clusters:
        meta["cluster_build"] = json.loads(cluster_path.with_suffix(".json").read_text(encoding="utf-8"))
    (args.model_dir / "model.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_model_md(args.model_dir / "MODEL.md", meta)
    print(json.dumps(meta, ensure_ascii=False), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
