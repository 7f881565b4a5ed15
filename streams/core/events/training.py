"""Training the learned event decisions from annotated documents (used by scripts/train_events.py and
benchmarks/events_cv.py, never at run time).

Labels come from the gold annotations (GUIDELINES.md: arguments are surface texts, no offsets): a candidate
pair is positive when its visitor and destination texts match one gold visit of the same document under the
shared scorer's own text similarity, so the models learn exactly what the scorer counts.
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streams.core.document import Document
from streams.core.events import visit_decision
from streams.core.events.linear import LinearModel
from streams.core.pipeline import default_pipeline
from streams.core.record import check_article, enriched_record

ANNOTATED_SETS = (("train-articles.jsonl", "train-gold.jsonl"), ("dev-articles.jsonl", "dev-gold.jsonl"),
                  ("dev-nsurl-articles.jsonl", "dev-nsurl-gold.jsonl"))
PAIR_C, STATUS_C = 0.3, 0.5
PAIR_THRESHOLD = 0.4   # used only when the inner cross-validation cannot choose


def load_scorer(eval_dir: Path):
    spec = importlib.util.spec_from_file_location("khabar_shared_score", eval_dir / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_annotated(eval_dir: Path) -> list[tuple[dict, dict]]:
    """(article, gold) for every annotated document except the seed, in file order."""
    out = []
    for articles, gold in ANNOTATED_SETS:
        golds = {}
        for line in (eval_dir / gold).read_text(encoding="utf-8").splitlines():
            if line.strip():
                g = json.loads(line)
                golds[str(g["id"])] = g
        for line in (eval_dir / articles).read_text(encoding="utf-8").splitlines():
            if line.strip():
                a = json.loads(line)
                out.append((a, golds[str(a["id"])]))
    return out


@dataclass
class Prepared:
    """One document run through every component before the visit decision, with its candidates."""
    doc: Document
    before_visits: list           # events found before the visit decision (sanctions)
    candidates: list[visit_decision.Candidate]


def prepare(article: dict[str, Any]) -> Prepared:
    pipeline = default_pipeline()
    doc = Document.from_article(check_article(article))
    for name, component in pipeline.components:
        if name == "visits":
            break
        doc = component(doc)
    return Prepared(doc, list(doc.events), visit_decision.candidates(doc))


def predict(prep: Prepared, pair_model: LinearModel | None, status_model: LinearModel | None) -> dict:
    """The enriched record the pipeline would publish with these models."""
    doc = prep.doc
    doc.events = list(prep.before_visits) + visit_decision.decide(doc, prep.candidates, pair_model, status_model)
    for name, component in default_pipeline().components:
        if name == "codes":
            component(doc)
    return enriched_record(doc, processed_at="1970-01-01T00:00:00.000Z")


def _text(doc: Document, arg) -> str:
    return doc.original_span(arg.span)[0]


def _same_sentence(scorer, sentence: str, evidence: str) -> bool:
    """The candidate's sentence is the gold evidence (the annotators copy a sentence, sometimes cut)."""
    a, b = scorer.norm(sentence), scorer.norm(evidence)
    return bool(a and b) and (a in b or b in a or a[:40] == b[:40])


def labels(prep: Prepared, gold: dict, scorer) -> list[tuple[int | None, str | None]]:
    """(pair label, gold status) for each candidate: 1 when its arguments match a gold visit in that visit's
    evidence sentence, 0 when they match no gold visit, None (not a training row) when they match one
    elsewhere in the article (another mention of the same trip)."""
    out: list[tuple[int | None, str | None]] = []
    for c in prep.candidates:
        v, d = _text(prep.doc, c.visitor), _text(prep.doc, c.destination)
        matches = [g for g in gold.get("visits") or []
                   if scorer.any_match(g["visitor"], [v]) and scorer.any_match(g["destination"], [d])]
        if not matches:
            out.append((0, None))
            continue
        sentence = prep.doc.original_span(c.view.whole)[0]
        here = next((g for g in matches if _same_sentence(scorer, sentence, g.get("evidence") or "")), None)
        out.append((1, here.get("status")) if here else (None, matches[0].get("status")))
    return out


def _rows(prepared: list[Prepared], golds: list[dict], scorer):
    rows, ys, srows, sys_ = [], [], [], []
    for prep, gold in zip(prepared, golds):
        for c, (y, status) in zip(prep.candidates, labels(prep, gold, scorer)):
            if y is not None:
                rows.append(c.features)
                ys.append(y)
            if status in ("planned", "occurred"):
                srows.append(c.status_features)
                sys_.append(1 if status == "planned" else 0)
    return rows, ys, srows, sys_


def choose_thresholds(prepared: list[Prepared], golds: list[dict], scorer, folds: int = 3) -> tuple[float, float]:
    """The acceptance thresholds (any pair, and a pair the hand rules also proposed) that maximise visit F1 in an
    inner cross-validation over these documents only (events approximated as distinct visitor/destination
    pairs per document)."""
    scored: list[tuple[int, str, float, bool, int]] = []   # (doc, pair identity, probability, by rule, label)
    gold_total = sum(len(g.get("visits") or []) for g in golds)
    for k in range(folds):
        train = [i for i in range(len(prepared)) if i % folds != k]
        rows, ys, _, _ = _rows([prepared[i] for i in train], [golds[i] for i in train], scorer)
        model = LinearModel.fit(rows, ys, c=PAIR_C)
        for i in range(k, len(prepared), folds):
            doc = prepared[i].doc
            for c, (y, _) in zip(prepared[i].candidates, labels(prepared[i], golds[i], scorer)):
                ident = visit_decision._identity(doc, c.visitor) + "|" + visit_decision._identity(doc, c.destination)
                scored.append((i, ident, model.probability(c.features), c.by_rule, int(bool(y))))
    best, best_f1 = (PAIR_THRESHOLD, PAIR_THRESHOLD), -1.0
    for step in range(4, 20):
        for rule_step in range(1, step + 1):
            th, rule_th = step / 20, rule_step / 20
            groups: dict[tuple[int, str], int] = {}
            for i, ident, p, by_rule, y in scored:
                if p >= (rule_th if by_rule else th):
                    groups[(i, ident)] = max(groups.get((i, ident), 0), y)
            tp, pred = sum(groups.values()), len(groups)
            f1 = 2 * tp / (pred + gold_total) if pred + gold_total else 0.0
            if f1 > best_f1:
                best, best_f1 = (th, rule_th), f1
    return best


def fit(prepared: list[Prepared], golds: list[dict], scorer, meta: dict | None = None
        ) -> tuple[LinearModel, LinearModel]:
    rows, ys, srows, sys_ = _rows(prepared, golds, scorer)
    threshold, rule_threshold = choose_thresholds(prepared, golds, scorer)
    meta = dict(meta or {})
    pair = LinearModel.fit(rows, ys, c=PAIR_C, threshold=threshold,
                           meta={**meta, "rows": len(rows), "positives": sum(ys), "rule_threshold": rule_threshold})
    status = LinearModel.fit(srows, sys_, c=STATUS_C, threshold=0.5,
                             meta={**meta, "rows": len(srows), "planned": sum(sys_)})
    return pair, status


def fold_of(ids: list[str], k: int, seed: int = 13) -> dict[str, int]:
    """Document-level folds: a seeded shuffle of the sorted ids, dealt round-robin."""
    order = sorted(ids)
    random.Random(seed).shuffle(order)
    return {doc_id: i % k for i, doc_id in enumerate(order)}


def score_records(scorer, records: list[dict], golds: list[dict], verbose: bool = False) -> tuple[dict, str]:
    """The shared scorer over in-memory records; returns its figures and its verbose listing."""
    with tempfile.TemporaryDirectory() as tmp:
        gp, pp = Path(tmp) / "gold.jsonl", Path(tmp) / "pred.jsonl"
        gp.write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in golds), encoding="utf-8")
        pp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            result = scorer.score(str(gp), str(pp), verbose=verbose)
        return result, out.getvalue()


@dataclass
class CrossValidation:
    folds: list[dict]        # scorer figures per fold
    micro: dict              # scorer figures over the pooled out-of-fold predictions
    rules_only: dict         # the hand rules alone (no learned model), same documents
    errors: str              # the scorer's MISS/FALSE listing of the pooled predictions
    prepared: list[Prepared]
    golds: list[dict]


def cross_validate(eval_dir: Path, k: int = 5, verbose: bool = False, seed: int = 13,
                   prepared: list[Prepared] | None = None) -> CrossValidation:
    """k-fold document-level cross-validation over every annotated document: the learned decisions of each
    fold are trained on the other folds only.  `seed` deals the folds; `prepared`: the documents already
    prepared by an earlier run (the same order), to repeat the CV over other splits cheaply."""
    scorer = load_scorer(eval_dir)
    docs = load_annotated(eval_dir)
    prepared = prepared or [prepare(a) for a, _ in docs]
    golds = [g for _, g in docs]
    ids = [str(a["id"]) for a, _ in docs]
    folds = fold_of(ids, k, seed)
    pooled: list[dict] = [{}] * len(docs)
    per_fold = []
    for fold in range(k):
        train = [i for i, d in enumerate(ids) if folds[d] != fold]
        test = [i for i, d in enumerate(ids) if folds[d] == fold]
        pair, status = fit([prepared[i] for i in train], [golds[i] for i in train], scorer)
        for i in test:
            pooled[i] = predict(prepared[i], pair, status)
        per_fold.append(score_records(scorer, [pooled[i] for i in test], [golds[i] for i in test])[0])
    micro, errors = score_records(scorer, pooled, golds, verbose=verbose)
    rules_only = score_records(scorer, [predict(p, None, None) for p in prepared], golds)[0]
    return CrossValidation(per_fold, micro, rules_only, errors, prepared, golds)
