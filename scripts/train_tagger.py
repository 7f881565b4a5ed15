#!/usr/bin/env python
"""Train and evaluate the CRF part-of-speech tagger (streams/core/text/tagger.py) on UD Persian.

    python scripts/train_tagger.py            # train on everything -> streams/data/tagger/
    python scripts/train_tagger.py --cv       # 5-fold sentence-block CV -> benchmarks/results/tagger-cv.md
    python scripts/train_tagger.py --cv --no-augment --out /tmp/x.md   # ablation, report elsewhere

Data: ``$KHABAR_SHARED/corpora/ud-persian/`` (default ``<repo>/../shared``): PerDT and Seraji, dev and
test parts (CoNLL-U), read in a fixed file order.  Also written: ``pos-lexicon.tsv`` (hazm word-list POS
tags, a feature) and, with ``--cv``, ``streams/data/tagger/cv.json`` (the report, machine-readable; the
shipped ``model.json``/``MODEL.md`` quote it; ``--label`` adds a run to its comparison table).

Tokens as the pipeline sees them.  UD splits clitics off as multiword tokens ("ماتمش" = ماتم + ش,
"مرا" = من + را) while our tokenizer keeps each space-free letter run with its inner ZWNJs as one
token.  So a UD sentence is not taken token by token: its ``# text`` line (the original sentence) is
run through ``normalize()`` + ``tokenize()`` exactly as at run time, and every surface unit of UD
(a multiword-token line, or a word outside any multiword token) is located in that text by its
FORM, in order.  **Alignment rule**: each of our tokens gets the UPOS of the UD unit covering the
original character its first normalised character maps back to (``NormalizedText.starts``); for a
multiword token, the UPOS of its first word (the host: "ماتمش" -> NOUN, "بدان" -> ADP).  Tokens
of ours inside one UD unit all take its tag ("ضد-آمریکایی" -> ADJ ADJ ADJ).  A UD unit whose first
character is inside a token of ours that started earlier loses its own tag (counted as
``ud_units_merged``).  When the FORMs cannot be found in ``# text`` in order, the sentence text is
rebuilt from the FORMs and ``SpaceAfter=No`` (counted); a token whose first character falls
outside every unit drops the sentence (counted).

One tagging convention (``--no-harmonise`` to switch off): the two treebanks disagree by convention
(Seraji has no PROPN, tags "را" PART where PerDT says ADP ...); Seraji's training labels are rewritten
into PerDT's where they conflict (``harmonise()``), so the model follows PerDT.

Augmentation (``--no-augment`` to switch off): every training sentence is also written the way
untidy news text writes it, with every ZWNJ removed ("میکند", "تحریمها": the normaliser repairs
some) and, as a third copy, with every ZWNJ turned into a space ("می کند" -> two tokens, both
taking the tag of the UD unit they came from).  The CV scores each variant separately.

Deterministic: sorted files, sentence order kept, fold = (sentence index // 20) % 5 within each file
(20-sentence blocks keep neighbouring sentences of one text together), L-BFGS with fixed params.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import sys
import time
from collections import Counter
from multiprocessing import get_context
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from build_lexicon import hazm_data, verb_forms  # noqa: E402
from streams.core.text.normalize import key, normalize  # noqa: E402
from streams.core.text.tagger import (  # noqa: E402
    MODEL_FILE, POS_LEXICON_FILE, PosFeatures, default_cluster_path, default_features,
)
from streams.core.text.tokenize import tokenize  # noqa: E402

MODEL_DIR = REPO / "streams" / "data" / "tagger"
RESULTS_DIR = REPO / "benchmarks" / "results"
ZWNJ = "\u200c"
FILES = ("fa_perdt-ud-dev.conllu", "fa_perdt-ud-test.conllu", "fa_seraji-ud-dev.conllu", "fa_seraji-ud-test.conllu")
CV_FILE = "cv.json"  # the CV report, machine-readable (ships with the model it describes)
N_FOLDS = 5
BLOCK = 20
REPORT_TAGS = ("VERB", "AUX", "NOUN", "PROPN", "ADP", "ADJ")
VARIANTS = ("clean", "no_zwnj", "zwnj_as_space")
CORPORA = ("perdt", "seraji")

# Chosen by cross-validation (see benchmarks/results/tagger-cv.md).
DEFAULT_PARAMS = {
    "c1": 0.1,
    "c2": 0.05,
    "max_iterations": 150,
    "feature.minfreq": 1,
    "feature.possible_transitions": True,
}


def shared_dir() -> Path:
    return Path(os.environ.get("KHABAR_SHARED") or REPO.parent / "shared")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- UD reading and alignment

def read_conllu(path: Path) -> list[dict]:
    """Sentences: {"id", "text", "units": [(form, upos, space_after)]} with one unit per surface token."""
    sents, cur, text, sid, mwt_end = [], [], None, None, 0
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if cur:
                sents.append({"id": sid, "text": text, "units": cur})
            cur, text, sid, mwt_end = [], None, None, 0
            continue
        if line.startswith("#"):
            k, _, v = line[1:].partition("=")
            if k.strip() == "text":
                text = v.strip()
            elif k.strip() == "sent_id":
                sid = v.strip()
            continue
        p = line.split("\t")
        if len(p) != 10 or "." in p[0]:
            continue  # empty nodes carry no surface text
        space_after = "SpaceAfter=No" not in p[9]
        if "-" in p[0]:
            a, b = (int(x) for x in p[0].split("-"))
            mwt_end = b
            cur.append([p[1], None, space_after])  # UPOS of the first word, filled below
            continue
        n = int(p[0])
        if n <= mwt_end:
            if cur[-1][1] is None:
                cur[-1][1] = p[3]
            continue
        cur.append([p[1], p[3], space_after])
    return sents


def locate(text: str, units) -> list[tuple[int, int]] | None:
    """[start, end) of each unit's FORM in text, in order, with only spaces between; None if not found."""
    spans, pos = [], 0
    for form, _, _ in units:
        i = text.find(form, pos)
        if i < 0 or text[pos:i].strip():
            return None
        spans.append((i, i + len(form)))
        pos = i + len(form)
    return spans if not text[pos:].strip() else None


def rebuild(units) -> tuple[str, list[tuple[int, int]]]:
    text, spans = "", []
    for form, _, space_after in units:
        spans.append((len(text), len(text) + len(form)))
        text += form + (" " if space_after else "")
    return text.rstrip(), spans


def variant(text: str, kind: str) -> tuple[str, list[int]]:
    """The sentence written another way, plus the text offset each of its characters comes from."""
    out, origin = [], []
    for i, ch in enumerate(text):
        if ch == ZWNJ and kind != "clean":
            if kind == "no_zwnj":
                continue
            ch = " "
        out.append(ch)
        origin.append(i)
    return "".join(out), origin


def align(sent: dict, kind: str, stats: Counter) -> tuple[list[str], list[int]] | None:
    """Our tokens of the sentence (as the pipeline makes them) and the UD unit giving each its UPOS."""
    units = sent["units"]
    spans = locate(sent["text"], units) if sent["text"] else None
    text = sent["text"]
    if spans is None:
        text, spans = rebuild(units)
        stats["rebuilt_from_forms"] += kind == "clean"
    owner = [-1] * len(text)
    for u, (s, e) in enumerate(spans):
        for c in range(s, e):
            owner[c] = u
    written, origin = variant(text, kind)
    norm = normalize(written)
    toks, ids, covered = [], [], set()
    for t in tokenize(norm.text):
        u = owner[origin[norm.starts[t.start]]]
        if u < 0:
            stats["dropped_sentences:" + kind] += 1
            stats["dropped_tokens:" + kind] += len(units)
            return None
        toks.append(t.text)
        ids.append(u)
        covered.add(u)
    if kind == "clean":
        stats["ud_units"] += len(units)
        stats["ud_units_merged"] += len(units) - len(covered)
        stats["tokens"] += len(toks)
        stats["tokens_inside_a_unit"] += len(toks) - len(covered)  # 2nd+ token of ours within one UD unit
        stats["sentences"] += 1
    return toks, ids


def load_data() -> tuple[list[dict], Counter]:
    """Per sentence: {"file", "corpus", "fold", "upos": [UPOS per UD unit], "variants": {kind: (tokens, unit
    index per token)}}; files in FILES order, sentences in file order."""
    root = shared_dir() / "corpora" / "ud-persian"
    stats: Counter = Counter()
    data = []
    for name in FILES:
        path = root / name
        if not path.exists():
            sys.exit(f"UD Persian not found at {path} (set KHABAR_SHARED)")
        for i, sent in enumerate(read_conllu(path)):
            stats["ud_sentences"] += 1
            corpus = name.split("_")[1].split("-")[0]  # perdt | seraji
            stats["ud_sentences:" + corpus] += 1
            vs = {k: a for k in VARIANTS if (a := align(sent, k, stats)) is not None and a[0]}
            if "clean" not in vs:
                continue
            data.append({"file": name, "corpus": corpus, "fold": (i // BLOCK) % N_FOLDS,
                         "upos": [u[1] for u in sent["units"]], "variants": vs})
    return data, stats


# --------------------------------------------------------------------------- POS lexicon (features)

def build_pos_lexicon(out: Path) -> dict:
    """hazm's word list POS tags (N, AJ, ADV, PRO, P, CONJ ...) + "V" for verb forms generated from its stems.

    Keyed by ``normalize.key`` as the feature function looks words up.  hazm's rows tagged "0" are
    unrepaired junk ("کردهاند") and are skipped, as in scripts/build_lexicon.py.
    """
    data = hazm_data()
    tags: dict[str, set[str]] = {}
    for line in (data / "words.dat").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 3 or parts[2] == "0" or not parts[0].strip():
            continue
        tags.setdefault(key(parts[0].strip()), set()).update(t for t in parts[2].split(",") if t)
    for line in (data / "verbs.dat").read_text(encoding="utf-8").splitlines():
        past, _, present = (part.strip() for part in line.partition("#"))
        for form in verb_forms(past, present):
            tags.setdefault(key(form), set()).add("V")
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for k in sorted(tags):
            if k:
                fh.write(k + "\t" + ",".join(sorted(tags[k])) + "\n")
    return {"file": POS_LEXICON_FILE, "entries": len(tags), "source": "hazm words.dat + verbs.dat",
            "words_dat_sha256": sha256(data / "words.dat"), "verbs_dat_sha256": sha256(data / "verbs.dat")}


# --------------------------------------------------------------------------- training / evaluation

def train_model(sents, model_path: Path, params: dict, fx: PosFeatures) -> float:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(algorithm="lbfgs", verbose=False)
    for toks, tags in sents:
        trainer.append(fx.sentence_features(toks), tags)
    trainer.set_params(params)
    t0 = time.time()
    trainer.train(str(model_path))
    return time.time() - t0


def labelled(d: dict, kind: str, upos: list[str] | None = None) -> tuple[list[str], list[str]]:
    toks, ids = d["variants"][kind]
    upos = upos or d["upos"]
    return toks, [upos[u] for u in ids]


def training_sents(data, kinds, relabel: dict | None = None) -> list:
    relabel = relabel or {}
    return [labelled(d, k, relabel.get(id(d))) for d in data for k in kinds if k in d["variants"]]


MIN_CONFLICT_COUNT = 3
CONFIDENT = 0.9  # marginal probability at which the PerDT-only model's tag replaces a Seraji label


def majority_tags(docs) -> dict[str, tuple[str, int]]:
    """form -> (its most frequent tag, ties by tag name; its count) over the clean sentences of docs."""
    counts: dict[str, Counter] = {}
    for d in docs:
        for w, t in zip(*labelled(d, "clean")):
            counts.setdefault(w, Counter())[t] += 1
    return {w: (min(c.items(), key=lambda x: (-x[1], x[0]))[0], sum(c.values())) for w, c in counts.items()}


def harmonise(train_docs, params: dict, fx: PosFeatures, model_path: Path) -> tuple[dict, dict]:
    """Seraji's UPOS rewritten into PerDT's conventions where the two treebanks disagree.

    The treebanks were annotated under different conventions: Seraji has no PROPN (names are NOUN),
    tags "را" PART where PerDT says ADP, "نیز" SCONJ where PerDT says ADV, and so on.  Mixed as they
    are, they teach the tagger a coin toss.  A CRF trained on the PerDT training sentences alone tags
    the Seraji training sentences; a Seraji unit takes that prediction when it is PROPN for a gold
    NOUN, when its form is a convention conflict (at least MIN_CONFLICT_COUNT times in each
    treebank's training part, with different majority tags), or when the model is confident
    (marginal >= CONFIDENT).  Every other Seraji label stays.  Chosen by CV on the PerDT test tokens
    (benchmarks/results/tagger-cv.md, "Configurations compared").
    Returns ({id(doc): new unit UPOS list}, counts of "gold->new" changes).
    """
    import pycrfsuite

    perdt = [d for d in train_docs if d["corpus"] == "perdt"]
    seraji = [d for d in train_docs if d["corpus"] == "seraji"]
    if not perdt or not seraji:
        return {}, {}
    train_model(training_sents(perdt, ("clean",)), model_path, params, fx)
    mp, ms = majority_tags(perdt), majority_tags(seraji)
    conflict = {w for w, (t, n) in mp.items() if w in ms and ms[w][0] != t
                and n >= MIN_CONFLICT_COUNT and ms[w][1] >= MIN_CONFLICT_COUNT}
    tagger = pycrfsuite.Tagger()
    tagger.open(str(model_path))
    relabel, changes = {}, Counter()
    for d in seraji:
        toks, ids = d["variants"]["clean"]
        tagger.set(fx.sentence_features(toks))
        pred = tagger.tag()
        upos = list(d["upos"])
        for j, (w, u) in enumerate(zip(toks, ids)):
            if j and ids[j - 1] == u:
                continue  # a unit is judged by its first token of ours
            g, p = upos[u], pred[j]
            if p != g and ((g == "NOUN" and p == "PROPN") or w in conflict
                           or tagger.marginal(p, j) >= CONFIDENT):
                upos[u] = p
                changes[f"{g}->{p}"] += 1
        relabel[id(d)] = upos
    tagger.close()
    model_path.unlink(missing_ok=True)
    return relabel, {"conflict_forms": len(conflict), "units_relabelled": sum(changes.values()),
                     "top_changes": dict(sorted(changes.items(), key=lambda x: (-x[1], x[0]))[:12])}


_G: dict = {}  # shared with forked workers


def _run_fold(fold: int) -> dict:
    import pycrfsuite

    data, params, fx, kinds = _G["data"], _G["params"], _G["features"], _G["kinds"]
    train_docs = [d for d in data if d["fold"] != fold and d["corpus"] in _G["train_corpora"]]
    test = [d for d in data if d["fold"] == fold]
    model = Path(_G["workdir"]) / f"fold{fold}.crfsuite"
    relabel, harmonised = harmonise(train_docs, params, fx, model) if _G["harmonise"] else ({}, {})
    train = training_sents(train_docs, kinds, relabel)
    secs = train_model(train, model, params, fx)
    tagger = pycrfsuite.Tagger()
    tagger.open(str(model))
    # counts[variant][corpus][gold tag] = [correct, total]
    counts: dict = {}
    t0 = time.time()
    for d in test:
        for kind in d["variants"]:
            toks, gold = labelled(d, kind)
            pred = tagger.tag(fx.sentence_features(toks))
            per = counts.setdefault(kind, {}).setdefault(d["corpus"], {})
            for g, p in zip(gold, pred):
                c = per.setdefault(g, [0, 0])
                c[0] += g == p
                c[1] += 1
    tag_secs = time.time() - t0
    tagger.close()
    model.unlink(missing_ok=True)
    return {"fold": fold, "train_sentences": len(train), "test_sentences": len(test), "harmonised": harmonised,
            "train_seconds": round(secs, 1), "tag_seconds": round(tag_secs, 1), "counts": counts}


def acc(counts: dict, corpora=None, tags=None) -> tuple[float, int]:
    ok = tot = 0
    for corpus, per in counts.items():
        if corpora and corpus not in corpora:
            continue
        for tag, (c, n) in per.items():
            if tags and tag not in tags:
                continue
            ok, tot = ok + c, tot + n
    return (ok / tot if tot else 0.0), tot


def merge(folds, kind) -> dict:
    total: dict = {}
    for f in folds:
        for corpus, per in f["counts"].get(kind, {}).items():
            for tag, (c, n) in per.items():
                t = total.setdefault(corpus, {}).setdefault(tag, [0, 0])
                t[0] += c
                t[1] += n
    return total


def summarise(folds) -> dict:
    out = {}
    for kind in VARIANTS:
        if not any(kind in f["counts"] for f in folds):
            continue
        total = merge(folds, kind)
        per_fold = [round(acc(f["counts"][kind])[0], 4) for f in folds]
        out[kind] = {
            "upos_accuracy_pooled": round(acc(total)[0], 4),
            "upos_accuracy_mean_of_folds": round(sum(per_fold) / len(per_fold), 4),
            "per_fold": per_fold,
            "tokens": acc(total)[1],
            "by_corpus": {c: round(acc(total, corpora={c})[0], 4) for c in sorted(total)},
            "per_fold_by_corpus": {c: [round(acc(f["counts"][kind], corpora={c})[0], 4) for f in folds]
                                   for c in sorted(total)},
            # PROPN only exists in PerDT (Seraji tags proper nouns NOUN), so per-tag figures are given per corpus too
            "per_tag": {t: {"all": acc(total, tags={t})[0], "support": acc(total, tags={t})[1],
                            **{c: acc(total, corpora={c}, tags={t})[0] for c in sorted(total)}}
                        for t in REPORT_TAGS},
            "per_tag_all": {t: [round(acc(total, tags={t})[0], 4), acc(total, tags={t})[1]]
                            for t in sorted({t for per in total.values() for t in per})},
        }
    return out


def run_cv(data, params, fx, kinds, jobs: int, workdir: Path, train_corpora=CORPORA, harmonise=True) -> list[dict]:
    _G.update(data=data, params=params, features=fx, kinds=kinds, workdir=str(workdir), train_corpora=train_corpora,
              harmonise=harmonise)
    workdir.mkdir(parents=True, exist_ok=True)
    if jobs <= 1:
        return [_run_fold(k) for k in range(N_FOLDS)]
    with get_context("fork").Pool(jobs) as pool:
        return pool.map(_run_fold, range(N_FOLDS), chunksize=1)


def comparison_entry(label: str, command: str, scores: dict) -> dict:
    clean = scores["clean"]
    return {"label": label, "command": command, "perdt": clean["by_corpus"].get("perdt"),
            "seraji": clean["by_corpus"].get("seraji"), "all": clean["upos_accuracy_pooled"],
            **{k: scores[k]["upos_accuracy_pooled"] for k in VARIANTS[1:] if k in scores}}


def write_cv_report(report: dict, md: Path, json_path: Path) -> None:
    md.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    s, st = report["scores"], report["data"]
    clean = s["clean"]
    lines = [
        "# POS tagger cross-validation (UD Persian PerDT + Seraji, dev + test parts)",
        "",
        "Written by `python scripts/train_tagger.py --cv`; do not edit by hand.",
        "",
        f"{N_FOLDS}-fold sentence-block CV over {st['sentences']:,} sentences: in each file, sentence i is in fold "
        f"(i // {BLOCK}) % {N_FOLDS} (blocks of {BLOCK} neighbouring sentences). Tokens are OUR tokens "
        "(`normalize()` + `tokenize()` of the sentence text), each scored against the UPOS of the UD unit covering "
        "its first character (rule in `scripts/train_tagger.py`). Training sentences: "
        f"{', '.join(report['training_variants'])}.",
        "",
        "Training labels: " + ("Seraji's tags rewritten into PerDT's conventions where they conflict "
                               "(`harmonise()` in the script; inside each fold, from the training folds only), so the "
                               "model follows PerDT. Test labels are always each treebank's own. The two treebanks "
                               "disagree by convention (Seraji: no PROPN, \"را\" PART, \"نیز\" SCONJ ...), so the "
                               "**PerDT** row is the accuracy to read; the Seraji row counts convention differences as "
                               "errors." if report.get("harmonise") else "both treebanks with their own labels."),
        "",
        "## UPOS accuracy, clean text (as the treebank writes it)",
        "",
        "| test tokens | " + " | ".join(f"fold {f['fold']}" for f in report["folds"]) + " | mean of folds | pooled |",
        "|---|" + "---:|" * (len(report["folds"]) + 2),
        "| all | " + " | ".join(f"{x:.4f}" for x in clean["per_fold"]) +
        f" | **{clean['upos_accuracy_mean_of_folds']:.4f}** | {clean['upos_accuracy_pooled']:.4f} |",
    ] + [
        f"| {c} | " + " | ".join(f"{x:.4f}" for x in pf) + f" | **{sum(pf) / len(pf):.4f}** | {clean['by_corpus'][c]:.4f} |"
        for c, pf in clean["per_fold_by_corpus"].items()
    ] + [
        "",
        "## Per tag (accuracy on tokens whose gold tag is the tag = recall; pooled over folds)",
        "",
        "| variant | " + " | ".join(REPORT_TAGS) + " |",
        "|---|" + "---:|" * len(REPORT_TAGS),
    ]
    for kind, v in s.items():
        lines.append(f"| {kind} (all) | " + " | ".join(f"{v['per_tag'][t]['all']:.4f}" for t in REPORT_TAGS) + " |")
        for c in sorted(v["by_corpus"]):
            lines.append(f"| {kind} ({c}) | " + " | ".join(
                f"{v['per_tag'][t].get(c, 0):.4f}" if v["per_tag"][t].get(c) is not None else "-" for t in REPORT_TAGS) + " |")
    lines += [
        "",
        "Support (clean): " + ", ".join(f"{t} {clean['per_tag'][t]['support']:,}" for t in REPORT_TAGS) +
        ". Seraji has no PROPN (its proper nouns are NOUN), so its PROPN cell is 0 by construction "
        "and the PerDT row is the PROPN figure to read.",
        "",
        "## Untidy text (the same test sentences rewritten)",
        "",
        "| variant | mean of folds | pooled | per fold |",
        "|---|---:|---:|---|",
    ]
    for kind, v in s.items():
        lines.append(f"| {kind} | {v['upos_accuracy_mean_of_folds']:.4f} | {v['upos_accuracy_pooled']:.4f} | "
                     + ", ".join(f"{x:.4f}" for x in v["per_fold"]) + " |")
    lines += [
        "",
        "`no_zwnj`: every ZWNJ removed before normalisation (the normaliser puts some back); "
        "`zwnj_as_space`: every ZWNJ written as a space (\"می کند\" is two tokens, both scored against "
        "the UD unit they came from).",
        "",
        "## All tags (clean, pooled): accuracy, support",
        "",
        "| tag | accuracy | support |",
        "|---|---:|---:|",
    ]
    for t, (a, n) in clean["per_tag_all"].items():
        lines.append(f"| {t} | {a:.4f} | {n:,} |")
    lines += ["", "## Settings", "", f"- CRF (python-crfsuite, L-BFGS): `{json.dumps(report['params'])}`"]
    for k in ("pos_lexicon", "clusters", "data", "jobs", "cv_wall_seconds"):
        lines.append(f"- {k}: `{json.dumps(report[k], ensure_ascii=False)}`")
    lines += ["", "## Per fold", "", "| fold | train sents | test sents | train s | tag s |", "|---:|---:|---:|---:|---:|"]
    for f in report["folds"]:
        lines.append(f"| {f['fold']} | {f['train_sentences']} | {f['test_sentences']} | {f['train_seconds']} | "
                     f"{f['tag_seconds']} |")
    if report.get("comparisons"):
        cols = ("perdt", "seraji", "all", "no_zwnj", "zwnj_as_space")
        lines += ["", "## Configurations compared (same folds; UPOS accuracy pooled over folds)", "",
                  "Clean text by test treebank, then all test tokens clean / without ZWNJs / ZWNJs as spaces.", "",
                  "| configuration | PerDT | Seraji | all | all, no ZWNJ | all, ZWNJ as space | command |",
                  "|---|---:|---:|---:|---:|---:|---|"]
        for c in report["comparisons"]:
            lines.append(f"| {c['label']} | " + " | ".join(
                f"{c[k]:.4f}" if c.get(k) is not None else "-" for k in cols)
                + (f" | `{c['command']}` |" if c.get("command") else " | - |"))
    md.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_model_md(path: Path, meta: dict) -> None:
    cv = meta.get("cv")
    cv_text = "not run yet (`--cv`)"
    if cv:
        cv_text = (f"mean UPOS accuracy on PerDT test tokens {cv['perdt']:.4f} (folds: "
                   + ", ".join(f"{x:.4f}" for x in cv["per_fold_perdt"]) + f"); on all test tokens {cv['clean']:.4f} "
                   f"(Seraji {cv['seraji']:.4f}, scored against Seraji's own conventions); all tokens without ZWNJs "
                   f"{cv.get('no_zwnj', 0):.4f}, with ZWNJs as spaces {cv.get('zwnj_as_space', 0):.4f}; per-tag accuracy (clean): "
                   + ", ".join(f"{t} {v:.4f}" for t, v in cv["per_tag"].items())
                   + " (PerDT test tokens). Details: `benchmarks/results/tagger-cv.md`")
    d = meta["data"]
    variants_note = (" (the same sentence with its ZWNJs removed / written as spaces, as untidy news text does)"
                     if len(meta["training_variants"]) > 1 else "")
    text = f"""# POS tagger model (`streams/data/tagger/`)

Built by `python scripts/train_tagger.py` (deterministic: two runs give byte-identical files, given the same
`streams/core/text/normalize.py`, `tokenize.py`, `tagger.py`, `streams/data/lexicon.tsv`, hazm data and
`streams/data/ner/clusters.tsv`; rebuild when one of them changes). Used by `streams.core.text.tagger.get_tagger()`.

| file | what |
|---|---|
| `{MODEL_FILE}` | CRFsuite linear-chain CRF, {meta['bytes']:,} bytes, sha256 `{meta['sha256'][:16]}...` |
| `{POS_LEXICON_FILE}` | {meta['pos_lexicon']['entries']:,} word keys -> hazm POS tags + `V` (generated verb forms); features |
| `model.json` | the same facts, machine-readable |

Also read at load time: `streams/data/ner/clusters.tsv` (the NER's Fars News word clusters), sha256
`{meta['clusters']['sha256'][:16]}...` at training time.

## Training data

UD Persian from `$KHABAR_SHARED/corpora/ud-persian/` (never copied here; CC BY-SA 4.0): PerDT dev + test,
Seraji dev + test, {d['ud_sentences']:,} sentences ({d['sentences']:,} used, {d.get('rebuilt_from_forms', 0)} with
text rebuilt from FORMs because `# text` did not match them, {d.get('dropped_sentences:clean', 0)} dropped).

Tokens are ours, not UD's: each sentence text goes through `normalize()` + `tokenize()` as at run time
({d['tokens']:,} tokens for {d['ud_units']:,} UD surface units). Alignment rule: a token gets the UPOS of the UD
surface unit covering the original character of its first character (multiword token: its first word's
UPOS); {d['ud_units_merged']:,} UD units started inside an earlier token of ours and lost their own tag.
{d['tokens_inside_a_unit']} tokens of ours lie inside a UD unit after its first token (our tokenizer splits
"CoRoT-7b", "1+5", and a few multiword tokens whose FORM includes the final punctuation) and take that unit's tag.
Training sequences per sentence: {', '.join(meta['training_variants'])}{variants_note}.

The two treebanks tag by different conventions (Seraji has no PROPN, tags "را" PART where PerDT says ADP,
"نیز" SCONJ where PerDT says ADV ...). Seraji's labels are rewritten into PerDT's where they conflict
(`harmonise()` in the script: a CRF trained on PerDT alone tags Seraji; its prediction replaces the Seraji
label for NOUN -> PROPN, for forms whose majority tag differs between the treebanks, and wherever its
marginal probability is at least {CONFIDENT}); changes: `{json.dumps(meta.get('harmonised') or {}, ensure_ascii=False)}`.
So the tags follow PerDT: "را" ADP, "خواهد"/"است" AUX, "کرد"/"می‌کند"/"شد" VERB, names of people and places PROPN
(organisations are NOUN in PerDT).

## Settings

- CRFsuite L-BFGS: `{json.dumps(meta['params'])}`
- Features (`streams/core/text/tagger.py`, `PosFeatures.sentence_features`, shared by training and run time):
  word; lookup key (`normalize.key`: ZWNJ removed, unified letters); prefixes and suffixes 1-4 of the key;
  shape (Persian/digit/Latin/punct/mixed); length bucket; ZWNJ head and tail parts; hazm word-list POS tags
  and "generated verb form" (`{POS_LEXICON_FILE}`); verb prefix (می/نمی/ب/ن) + known verb form; lexicon
  frequency decade (`streams/data/lexicon.tsv`); word cluster ids; neighbours -2..+2 (word, lexicon tags;
  +-1 also suffix 2, shape, cluster); word bigrams with -1 and +1; BOS/EOS; the NER's name-lexicon features
  (`streams.core.actors.ner.NameLexicon` over the curated gazetteer: the token starts / continues / alone is a
  known PERSON / ORG / GPE name, also for +-1; known first name).
- {meta['sentences']:,} training sequences.

## Accuracy (5-fold CV, same data and features)

{cv_text}.
"""
    path.write_text(text, encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cv", action="store_true", help="5-fold CV -> benchmarks/results/tagger-cv.md")
    default_out = RESULTS_DIR / "tagger-cv.md"
    ap.add_argument("--out", type=Path, default=default_out)
    ap.add_argument("--model-dir", type=Path, default=MODEL_DIR)
    ap.add_argument("--no-augment", action="store_true", help="train on clean text only")
    ap.add_argument("--limit", type=int, default=0, help="first N aligned sentences only (tests)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--params", default="", help="JSON overriding CRF params")
    ap.add_argument("--train-corpora", default=",".join(CORPORA), help="with --cv: train on these only")
    ap.add_argument("--no-harmonise", action="store_true", help="keep Seraji's own tagging conventions")
    ap.add_argument("--label", default="", help="with --cv: add the result to the report's comparison table")
    args = ap.parse_args(argv)

    params = dict(DEFAULT_PARAMS, **(json.loads(args.params) if args.params else {}))
    t_start = time.time()
    data, stats = load_data()
    if args.limit:
        data = data[: args.limit]
    kinds = ("clean",) if args.no_augment else VARIANTS
    print(f"data: {dict(sorted(stats.items()))} ({time.time() - t_start:.0f}s)", file=sys.stderr)

    args.model_dir.mkdir(parents=True, exist_ok=True)
    lex_path = args.model_dir / POS_LEXICON_FILE
    lex_desc = build_pos_lexicon(lex_path)
    cl_path = default_cluster_path()
    cl_desc = {"file": "streams/data/ner/clusters.tsv", "sha256": sha256(cl_path)}
    fx = default_features(args.model_dir)
    data_desc = {k: v for k, v in sorted(stats.items())}

    if args.cv:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="tagger-cv-") as tmp:
            t0 = time.time()
            folds = run_cv(data, params, fx, kinds, args.jobs, Path(tmp), tuple(args.train_corpora.split(",")),
                           not args.no_harmonise)
            cv_secs = time.time() - t0
        scores = summarise(folds)
        # the comparison table lives with the shipped report; a labelled ablation run adds its row there
        shipped = args.model_dir / CV_FILE
        old = json.loads(shipped.read_text(encoding="utf-8")) if shipped.exists() else {}
        comparisons = old.get("comparisons", [])
        if args.label:
            given = list(sys.argv[1:] if argv is None else argv)
            i = given.index("--label") if "--label" in given else len(given)
            command = shlex.join(["python", "scripts/train_tagger.py"] + given[:i] + given[i + 2:])
            comparisons = [c for c in comparisons if c["label"] != args.label] + [
                comparison_entry(args.label, command, scores)]
        json_path = shipped if args.out == default_out else args.out.with_suffix(".json")
        if json_path != shipped and args.label:
            shipped.write_text(json.dumps({**old, "comparisons": comparisons}, indent=2, ensure_ascii=False) + "\n",
                               encoding="utf-8")
        report = {"params": params, "training_variants": list(kinds), "harmonise": not args.no_harmonise, "data": {**data_desc, "sentences": len(data)},
                  "pos_lexicon": lex_desc, "clusters": cl_desc, "jobs": args.jobs,
                  "cv_wall_seconds": round(cv_secs, 1), "scores": scores,
                  "folds": [{k: v for k, v in f.items() if k != "counts"} for f in folds],
                  "comparisons": comparisons}
        write_cv_report(report, args.out, json_path)
        c = scores["clean"]
        print(f"CV UPOS accuracy (clean) mean {c['upos_accuracy_mean_of_folds']:.4f} folds {c['per_fold']} "
              + " ".join(f"{k}={v['upos_accuracy_mean_of_folds']:.4f}" for k, v in scores.items())
              + f" ({cv_secs:.0f}s) -> {args.out}", file=sys.stderr)
        return 0

    model_path = args.model_dir / MODEL_FILE
    tmp = model_path.with_suffix(".tmp")
    relabel, harmonised = harmonise(data, params, fx, tmp) if not args.no_harmonise else ({}, {})
    train = training_sents(data, kinds, relabel)
    secs = train_model(train, tmp, params, fx)
    tmp.replace(model_path)
    meta = {"model": MODEL_FILE, "sha256": sha256(model_path), "bytes": model_path.stat().st_size,
            "params": params, "training_variants": list(kinds), "sentences": len(train), "harmonised": harmonised,
            "data": {**data_desc, "sentences": len(data)}, "pos_lexicon": lex_desc, "clusters": cl_desc,
            "upos": sorted({t for d in data for t in d["upos"]})}
    cv_json = args.model_dir / CV_FILE
    if cv_json.exists() and not args.limit and "scores" in json.loads(cv_json.read_text(encoding="utf-8")):
        s = json.loads(cv_json.read_text(encoding="utf-8"))
        if s["params"] == params and s["training_variants"] == list(kinds) and s.get("harmonise") == (not args.no_harmonise):
            sc = s["scores"]
            pfc = sc["clean"]["per_fold_by_corpus"]
            meta["cv"] = {"clean": sc["clean"]["upos_accuracy_mean_of_folds"], "per_fold": sc["clean"]["per_fold"],
                          "perdt": round(sum(pfc["perdt"]) / len(pfc["perdt"]), 4), "per_fold_perdt": pfc["perdt"],
                          "seraji": round(sum(pfc["seraji"]) / len(pfc["seraji"]), 4),
                          **{k: sc[k]["upos_accuracy_mean_of_folds"] for k in VARIANTS[1:] if k in sc},
                          "per_tag": {t: round(sc["clean"]["per_tag"][t]["perdt"], 4)
                                      for t in REPORT_TAGS}}
    (args.model_dir / "model.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_model_md(args.model_dir / "MODEL.md", meta)
    print(f"model: {meta['bytes']:,} bytes, {len(train)} sequences, trained in {secs:.0f}s -> {model_path}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
