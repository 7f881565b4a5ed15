"""Universal part-of-speech tagger: a linear-chain CRF (python-crfsuite) trained on UD Persian.

The model is built by ``scripts/train_tagger.py`` from UD Persian PerDT + Seraji (dev + test parts)
and ships in ``streams/data/tagger/`` (``tagger.crfsuite`` + ``pos-lexicon.tsv`` + ``MODEL.md``).
Input is ONE sentence as the token strings our own pipeline produces
(``normalize()`` then ``tokenize()``: words keep inner ZWNJs, so "می‌کند" and "تحریم‌ها" are
one token each); output is one UPOS tag per token (NOUN, VERB, AUX, ADP, PROPN ...).  The
training script aligns the treebank to exactly these tokens (see its docstring), so the tags
mean "the UPOS of the UD word that covers the token's first character".

``PosFeatures.sentence_features`` is the one feature function of training and inference.
Per-form parts are cached, as in ``streams.core.actors.ner.FeatureExtractor``, whose shape
classes and word clusters (``streams/data/ner/clusters.tsv``, built from Fars News) it reuses.

    from streams.core.text.tagger import get_tagger
    get_tagger().tag(["وزیر", "خارجه", "به", "تهران", "سفر", "می‌کند", "."])
    get_tagger().tag_sentence(field, field.sentences[0])
"""
from __future__ import annotations

import math
import os
import threading
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from streams.core.actors.ner import (CLUSTER_FILE, CrfSequenceTagger, FormCache, NameLexicon, _shape, decoded,
                                     default_lexicon, load_clusters, sentence_items)
from streams.core.text import lexicon
from streams.core.text.normalize import key

if TYPE_CHECKING:
    from streams.core.document import Field
    from streams.core.text.tokenize import Sentence

ZWNJ = "\u200c"
MODEL_FILE = "tagger.crfsuite"
POS_LEXICON_FILE = "pos-lexicon.tsv"
UPOS = ("ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN",
        "PUNCT", "SCONJ", "SYM", "VERB", "X")
# Verb prefixes: continuous/negative (written before a ZWNJ, a space or joined) and subjunctive/negative.
VERB_PREFIXES = ("نمی", "می", "ب", "ن")


def load_pos_lexicon(path: Path | str | None) -> dict[str, tuple[str, ...]]:
    """key<TAB>tag[,tag...] lines -> {normalize.key(form): (hazm tags..., "V" for a verb form)}."""
    table: dict[str, tuple[str, ...]] = {}
    if path is None or not Path(path).exists():
        return table
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            form, _, tags = line.rstrip("\n").partition("\t")
            if form and tags:
                table[form] = tuple(tags.split(","))
    return table


class PosFeatures:
    """A sentence (list of token forms) -> CRF feature lists; per-form parts computed once and cached."""

    CACHE_SIZE = 50_000

    def __init__(self, pos_lexicon: dict[str, tuple[str, ...]] | None = None,
                 clusters: dict[str, tuple[str, ...]] | None = None, lexicon: NameLexicon | None = None):
        self.pos_lexicon = pos_lexicon or {}
        self.clusters = clusters or {}
        self.lexicon = lexicon
        self._cache = FormCache(self.CACHE_SIZE)

    def _lex(self, k: str) -> tuple[str, ...]:
        return self.pos_lexicon.get(k, ())

    def _token(self, w: str):
        hit = self._cache.get(w)
        if hit is None:
            *parts, k = self.form_parts(w)
            hit = self._cache.put(*parts, w, k)
        return hit

    def form_parts(self, w: str) -> tuple[list[str], list[str], list[str], list[str], list[str], str]:
        """A form's own features, its features as the -1, +1, -2 and +2 neighbour, and its lexicon key."""
        k = key(w)  # lower case, no ZWNJ, unified letters: the form the lexicons are keyed by
        shape = _shape(w)
        tags = self._lex(k)
        own = [
            "w=" + w, "k=" + k, "p1=" + k[:1], "p2=" + k[:2], "p3=" + k[:3], "p4=" + k[:4],
            "s1=" + k[-1:], "s2=" + k[-2:], "s3=" + k[-3:], "s4=" + k[-4:], "sh=" + shape,
            "ln=" + (str(len(k)) if len(k) < 4 else "4-6" if len(k) < 7 else "7+"),
        ]
        if ZWNJ in w:
            head, tail = w.split(ZWNJ, 1)[0], w.rsplit(ZWNJ, 1)[1]
            own += ["zw", "hd=" + head, "tl=" + tail]
        own += ["lx=" + t for t in tags] or ["lx=none"]
        if shape == "F":
            # a verb prefix followed by a known verb form ("می" + "کند", "ن" + "رفت")
            for p in VERB_PREFIXES:
                if len(k) > len(p) + 1 and k.startswith(p) and "V" in self._lex(k[len(p):]):
                    own.append("vp=" + p)
                    break
            freq = lexicon.frequency(w)
            own.append("fq=" + (str(min(9, int(math.log10(freq)))) if freq > 0 else "0"))
        cl = self.clusters.get(w) or self.clusters.get(w.replace(ZWNJ, "")) or ()
        own += [f"c{n}=" + c for n, c in enumerate(cl)]
        c_first = cl[0] if cl else "none"
        lx = "|".join(tags) or "none"
        m1 = ["-1w=" + w, "-1s2=" + k[-2:], "-1sh=" + shape, "-1lx=" + lx, "-1c=" + c_first]
        p1 = ["+1w=" + w, "+1s2=" + k[-2:], "+1sh=" + shape, "+1lx=" + lx, "+1c=" + c_first]
        m2 = ["-2w=" + w, "-2lx=" + lx]
        p2 = ["+2w=" + w, "+2lx=" + lx]
        return own, m1, p1, m2, p2, k

    def sentence_items(self, tokens: Sequence[str]) -> list[list[bytes]]:
        """What the tagger reads: ``sentence_features`` as bytes."""
        return sentence_items([self._token(t) for t in tokens], self.lexicon)

    def sentence_features(self, tokens: Sequence[str]) -> list[list[str]]:
        """Feature names per token (training and inspection)."""
        return decoded(self.sentence_items(tokens))


def default_model_dir() -> Path:
    override = os.environ.get("KHABAR_TAGGER_MODEL_DIR")
    if override:
        return Path(override)
    return Path(str(resources.files("streams.data").joinpath("tagger")))


def default_cluster_path() -> Path:
    """The NER's word clusters (Fars News), shared as tagger features; model.json records their sha256."""
    return Path(str(resources.files("streams.data").joinpath("ner"))) / CLUSTER_FILE


def default_features(model_dir: Path | None = None) -> PosFeatures:
    model_dir = model_dir or default_model_dir()
    return PosFeatures(load_pos_lexicon(model_dir / POS_LEXICON_FILE), load_clusters(default_cluster_path()),
                       default_lexicon())


class Tagger(CrfSequenceTagger):
    """The part-of-speech CRF with its feature function: ``tag`` gives the UPOS per token of one sentence
    (tokens as produced by normalize() + tokenize())."""

    def __init__(self, model_dir: Path | str | None = None):
        self.model_dir = Path(model_dir) if model_dir is not None else default_model_dir()
        super().__init__(self.model_dir / MODEL_FILE, default_features(self.model_dir), "POS tagger",
                         "scripts/train_tagger.py")

    def tag_sentence(self, field: "Field", sentence: "Sentence") -> list[str]:
        """UPOS per token of one sentence of a document field (aligned with field.tokens[first:last])."""
        return self.tag([t.text for t in field.tokens[sentence.first_token:sentence.last_token]])


_TAGGER: Tagger | None = None
_TAGGER_LOCK = threading.Lock()


def get_tagger() -> Tagger:
    """The process-wide tagger, loaded on first use."""
    global _TAGGER
    if _TAGGER is None:
        with _TAGGER_LOCK:
            if _TAGGER is None:
                _TAGGER = Tagger()
    return _TAGGER
