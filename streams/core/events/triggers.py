"""Event triggers by lemma (streams/data/events/triggers.tsv): which tokens of a sentence can state an event.

A verb row matches every inflection through `streams.core.text.verbs`; a noun row matches the noun with its
plural, ezafe and pronoun suffixes; a preverb row ("وارد", "عازم", "ممنوع") matches the word itself, and the
light verb after it carries the tense.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from streams.core.text.verbs import VerbPhrase, analyse, inflections, verb_at
from streams.core.text.wordclasses import NOUN_SUFFIXES  # noun endings, longest first

ZWNJ = "\u200c"


@dataclass(frozen=True)
class Trigger:
    index: int          # token index in the field
    event: str          # visit | sanction
    cls: str            # travel, arrival, meeting, ... (the lexicon's class)
    lemma: str
    kind: str           # verb | noun | preverb


@lru_cache(maxsize=1)
def lexicon() -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(kind, lemma) -> [(event, class)]."""
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    text = resources.files("streams.data").joinpath("events/triggers.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        event, cls, kind, lemma = line.split("\t")[:4]
        out.setdefault((kind, lemma.replace(ZWNJ, "")), []).append((event, cls))
    return out


@lru_cache(maxsize=1)
def verb_forms() -> dict[str, list[tuple[str, str, str]]]:
    """squashed inflected form -> [(event, class, lemma)] for every verb row of the lexicon."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for (kind, lemma), rows in lexicon().items():
        if kind == "verb":
            for form in inflections(lemma):
                out.setdefault(form, []).extend((e, c, lemma) for e, c in rows)
    return out


@lru_cache(maxsize=65536)
def noun_lemma(word: str) -> str:
    """The noun a squashed word is built on, by the lexicon: "سفرهای" -> "سفر"; unknown words stay as they are.
    A preverb takes no suffix: "واردات" (imports) is not "وارد"."""
    lex = lexicon()
    if ("noun", word) in lex or ("preverb", word) in lex:
        return word
    for suffix in NOUN_SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            base = word[: -len(suffix)]
            if ("noun", base) in lex:
                return base
    return word


def triggers_in(words: list[str], offset: int = 0, event: str | None = None) -> list[Trigger]:
    """Every trigger among squashed `words` (token index = offset + position)."""
    return list(_triggers(tuple(words), offset, event))


@lru_cache(maxsize=4096)   # the rules and the learned decision read the same sentences
def _triggers(words: tuple[str, ...], offset: int, event: str | None) -> tuple[Trigger, ...]:
    out = []
    for k, w in enumerate(words):
        for e, c, lemma, kind in _word_hits(w):
            if event is None or e == event:
                out.append(Trigger(offset + k, e, c, lemma, kind))
    return tuple(out)


@lru_cache(maxsize=65536)  # words repeat across sentences: look each up once
def _word_hits(w: str) -> tuple[tuple[str, str, str, str], ...]:
    """(event, class, lemma, kind) of every trigger row a squashed word matches: as a noun or preverb, else as a
    verb form."""
    lex = lexicon()
    base = noun_lemma(w)
    hits = [(e, c, base, kind) for kind in ("noun", "preverb") for e, c in lex.get((kind, base), [])]
    if not hits:
        hits = [(e, c, lemma, "verb") for e, c, lemma in verb_forms().get(w, ())]
    return tuple(hits)


def clause_verb(words: list[str], start: int, limit: int = 8) -> VerbPhrase | None:
    """The first finite verb group at or after words[start] (within `limit` words): the clause's tense."""
    for k in range(start, min(len(words), start + limit)):
        if analyse(words[k]) is not None:
            phrase = verb_at(words, k)
            if phrase is not None and phrase.form.tense != "infinitive":
                return phrase
    return None
