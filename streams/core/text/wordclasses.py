"""Word classes by lemma: hand-written files of rows `class<TAB>pos<TAB>entry<TAB>note` (streams/data/...), read
by class and expanded once to the squashed surface forms they match.

A rule names a class and tests squashed tokens against its frozen set of forms: a `noun` with the plural, ezafe
and pronoun suffixes, an `adj` with ی and تر/ترین, a `verb` (past#present) with every affirmative single-token
inflection built from its stems, a `phrase` with its verb words inflected; `preverb` and `word` rows match as
written (and with the hamza seats written plainly), `form` rows exactly as written.  Entries are spelled as the
normaliser spells article text.  One file per pipeline stage (`streams/data/events/cues.tsv` for the event
rules, `streams/data/actors/words.tsv` for the recogniser); the lists of inflected forms live nowhere but in
this expansion.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from streams.core.text.normalize import normalize
from streams.core.text.verbs import PAST_ENDINGS, PERFECT_ENDINGS, PERSON_ENDINGS

# noun suffixes a lemma takes in text: plural, ezafe/indefinite, pronouns (the trigger lexicon's too)
NOUN_SUFFIXES = ("هایشان", "هایش", "هایی", "های", "ها", "شان", "یش", "ات", "ش", "ی")
ZWNJ = "\u200c"
POS = ("noun", "adj", "verb", "verb:past", "verb:present", "preverb", "word", "form", "phrase", "phrase:past")
# after a final ه the ezafe/indefinite ی and the pronoun ش are written with an alef ("جلسه‌ای", "خانه‌اش"); after
# ا or و the indefinite is یی ("کالایی")
H_SUFFIXES = ("ای", "اش", "ایشان", "هایی", "های", "ها")
VOWEL_SUFFIXES = ("یی", "یشان")
ADJ_SUFFIXES = ("ترین", "تری", "تر")
# hamza seats written plainly: "هیئت" / "هیات", "مؤسسه" / "موسسه"
SEAT_VARIANTS = (("ئ", "ی"), ("ئ", "ا"), ("ؤ", "و"))


@dataclass(frozen=True)
class Cue:
    cls: str
    pos: str
    entry: str      # as written in the file
    note: str
    line: int


def spelled(text: str) -> str:
    """A word as the rules see it in article text: normalised, ZWNJs squashed."""
    return normalize(text).text.replace(ZWNJ, "")


def read(text: str) -> list[Cue]:
    """The rows of a word-class file; ValueError on a malformed one."""
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 4 or not all(parts[:3]) or parts[1] not in POS:
            raise ValueError(f"line {n}: want class<TAB>pos<TAB>entry<TAB>note with pos in {POS}: {line!r}")
        if parts[1].startswith("verb") and parts[2].count("#") != 1:
            raise ValueError(f"line {n}: a verb entry is past#present: {line!r}")
        rows.append(Cue(parts[0], parts[1], parts[2], parts[3], n))
    return rows


def _with_variants(forms: set[str]) -> set[str]:
    out = set(forms)
    for form in forms:
        for seat, plain in SEAT_VARIANTS:
            if seat in form:
                out.add(form.replace(seat, plain))
    return out


def verb_forms(lemma: str, tense: str | None = None) -> set[str]:
    """The affirmative single-token forms of a verb lemma (past#present), squashed, built from its stems with the
    verb module's endings; `tense` "past" keeps the past and perfect forms, "present" the present ones.  Built, not
    filtered by `verbs.analyse`: a cue matches the surface form, and the analyser reads some common forms as
    another verb ("نوشت" as the negation of "وشت")."""
    past, present = lemma.split("#", 1)
    readings: dict[str, str] = {}
    for prefix in ("", "می"):
        readings.update((prefix + past + e, "past") for e in PAST_ENDINGS)
        readings.update((prefix + past + "ه" + e, "past") for e in PERFECT_ENDINGS)
    # a vowel-final present stem takes a glide before the endings: "افزا" -> "افزاید", "گو" -> "گوید"
    stems = (present, present + "ی") if present[-1:] in ("ا", "و") else (present,)
    for prefix in ("", "می", "ب"):
        readings.update((prefix + stem + e, "present") for stem in stems for e in PERSON_ENDINGS if e)
    if tense is None:
        readings[past + "ن"] = "infinitive"
    return {f for f, t in readings.items() if tense is None or t == tense}


def expand(cue: Cue) -> set[str]:
    """The squashed surface forms of one single-token row."""
    pos = cue.pos
    if pos.startswith("verb"):
        past, present = (spelled(p) for p in cue.entry.split("#"))
        return verb_forms(f"{past}#{present}", pos.partition(":")[2] or None)
    if pos == "form":   # exactly as written: no spelling variants ("رایس" is a name, not "رئیس")
        return {cue.entry.replace(ZWNJ, "")}
    base = spelled(cue.entry)
    if pos == "noun":
        suffixes = NOUN_SUFFIXES + (H_SUFFIXES if base.endswith("ه") else VOWEL_SUFFIXES if base[-1] in "او" else ())
        return _with_variants({base} | {base + s for s in suffixes})
    if pos == "adj":
        indefinite = "ای" if base[-1] in "هی" else "ی"
        return _with_variants({base, base + indefinite} | {base + s for s in ADJ_SUFFIXES})
    return _with_variants({base})


def expand_phrase(cue: Cue) -> list[tuple[str, ...]]:
    """The word sequences of one phrase row: every affirmative form of a verb word (past forms for phrase:past)."""
    choices: list[list[str]] = []
    for word in cue.entry.split():
        if "#" in word:
            past, present = (spelled(p) for p in word.split("#"))
            choices.append(sorted(verb_forms(f"{past}#{present}", "past" if cue.pos == "phrase:past" else None)))
        else:
            choices.append([spelled(word)])
    out: list[tuple[str, ...]] = [()]
    for options in choices:
        out = [seq + (w,) for seq in out for w in options]
    return out


class WordClasses:
    """The classes of one word-class file (a path under streams/data), read once."""

    def __init__(self, resource: str):
        self.resource = resource

    @lru_cache(maxsize=None)   # one entry per file: the cache is shared by every instance
    def rows(self) -> tuple[Cue, ...]:
        return tuple(read(resources.files("streams.data").joinpath(self.resource).read_text(encoding="utf-8")))

    def _members(self, cls: str) -> list[Cue]:
        members = [c for c in self.rows() if c.cls == cls]
        if not members:
            raise KeyError(f"no class {cls!r} in streams/data/{self.resource}")
        return members

    @lru_cache(maxsize=None)
    def words(self, cls: str) -> frozenset[str]:
        """Every surface form (squashed) of the single-token rows of a class; KeyError for a class the file lacks."""
        members = self._members(cls)
        if any(c.pos.startswith("phrase") for c in members):
            raise KeyError(f"class {cls!r} holds phrases: read it with phrases()")
        return frozenset(f for c in members for f in expand(c))

    @lru_cache(maxsize=None)
    def phrases(self, cls: str) -> tuple[tuple[str, ...], ...]:
        """The word sequences of a phrase class, in file order (rules that take the first match depend on it)."""
        members = self._members(cls)
        if not all(c.pos.startswith("phrase") for c in members):
            raise KeyError(f"no phrase class {cls!r} in streams/data/{self.resource}")
        out: list[tuple[str, ...]] = []
        for c in members:
            out += [p for p in expand_phrase(c) if p not in out]
        return tuple(out)

    @lru_cache(maxsize=None)
    def lemmas(self, cls: str) -> frozenset[str]:
        """The entries of a class as lemmas ("افزود#افزا", "قرار"): for rules that compare a verb group's lemma."""
        return frozenset("#".join(spelled(p) for p in c.entry.split("#")) for c in self._members(cls))

    def classes(self) -> set[str]:
        return {c.cls for c in self.rows()}


def used_classes(sources: list[str], readers: tuple[str, ...] = ("cues", "phrases", "lemmas")) -> dict[str, set[str]]:
    """class -> how the code reads it (one of `readers`, the names it calls: `cues("x")`), from source texts."""
    use = re.compile(r"\b(" + "|".join(readers) + r""")\("([^"]+)"\)""")
    out: dict[str, set[str]] = {}
    for text in sources:
        for how, cls in use.findall(text):
            out.setdefault(cls, set()).add(how)
    return out


def problems(cue_rows: list[Cue], used: dict[str, set[str]]) -> list[str]:
    """What is wrong with a cue file against the code that reads it: a class the code asks for and the file lacks,
    a class nobody reads, a class read both as phrases and as words, a duplicate entry (after normalisation), an
    entry that expands to nothing."""
    out = []
    have: dict[str, list[Cue]] = {}
    for c in cue_rows:
        have.setdefault(c.cls, []).append(c)
    out += [f"class {cls!r} is used by the code but missing from the file" for cls in sorted(set(used) - set(have))]
    out += [f"class {cls!r} (line {have[cls][0].line}) is not used by the code" for cls in sorted(set(have) - set(used))]
    seen: dict[tuple[str, str], int] = {}
    for cls, members in have.items():
        is_phrase = {c.pos.startswith("phrase") for c in members}
        if len(is_phrase) > 1:
            out.append(f"class {cls!r} mixes phrases and single words")
        wants = "phrases" if True in is_phrase else None
        if cls in used and (wants == "phrases") != ("phrases" in used[cls]):
            out.append(f"class {cls!r} is read as {sorted(used[cls])} but holds {'phrases' if wants else 'words'}")
        for c in members:
            k = (cls, " ".join(spelled(w) for w in c.entry.split()))
            if k in seen:
                out.append(f"line {c.line}: {c.entry!r} repeats line {seen[k]} in class {cls!r}")
            seen.setdefault(k, c.line)
            if not (expand_phrase(c) if c.pos.startswith("phrase") else expand(c)):
                out.append(f"line {c.line}: {c.entry!r} matches nothing")
    return out
