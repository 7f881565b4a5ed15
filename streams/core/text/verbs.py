"""Persian verb morphology: one token -> its lemma (past#present stem) and its tense, aspect and mood.

The stems come from hazm's verb list (`hazm/data/verbs.dat`), so every inflection of a verb in that
list is recognised by structure (prefix + stem + ending), not by a list of surface forms:
"می‌آید", "آمد", "آمده‌اند", "بیاید", "نمی‌آمدند" all analyse to آمد#آ.  Multi-token forms are read by
`verb_at`: the future "خواهد آمد" and the perfect "آمده است" / "آمده بود".  `LIGHT_VERBS` carry the tense of
a preverbal noun or adjective ("سفر کرد", "وارد شد").
"""
from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from functools import lru_cache

ZWNJ = "\u200c"
PERSON_ENDINGS = ("یم", "ید", "ند", "م", "ی", "د", "")
PAST_ENDINGS = ("یم", "ید", "ند", "م", "ی", "")
PERFECT_ENDINGS = ("ام", "ای", "ایم", "اید", "اند", "است", "")
# Verbs that carry tense for a preverbal noun or adjective ("سفر کرد", "وارد شد", "حضور یافت").
LIGHT_VERBS = frozenset({"کرد", "شد", "نمود", "داشت", "یافت", "گرفت", "داد", "آورد", "ساخت", "گشت", "گردید", "زد"})


@dataclass(frozen=True)
class VerbForm:
    past: str            # past stem: the lemma's first half ("آمد")
    present: str         # present stem ("آ")
    tense: str           # past | present | participle | infinitive
    progressive: bool = False   # "می-"
    negative: bool = False      # "ن-", "نمی-"
    subjunctive: bool = False   # "ب-" on a present stem
    person: str = ""            # the ending: "د", "ند", ...

    @property
    def lemma(self) -> str:
        return f"{self.past}#{self.present}"


def hazm_data(name: str) -> str:
    """A file of hazm's data folder, found without importing hazm (its import pulls in scikit-learn and gensim:
    seconds of start-up for two word lists)."""
    spec = importlib.util.find_spec("hazm")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("hazm is not installed")
    return os.path.join(list(spec.submodule_search_locations)[0], "data", name)


@lru_cache(maxsize=1)
def _stems() -> tuple[dict[str, str], dict[str, list[str]]]:
    """past stem -> present stem, present stem -> past stems, from hazm's verb list."""
    past: dict[str, str] = {}
    present: dict[str, list[str]] = {}
    with open(hazm_data("verbs.dat"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if "#" not in line or " " in line:
                continue
            p, r = line.split("#", 1)
            if len(p) < 2 or not r:
                continue
            past.setdefault(p, r)
            present.setdefault(r, []).append(p)
    return past, present


def _strip_prefix(word: str) -> list[tuple[str, bool, bool, bool]]:
    """(rest, progressive, negative, subjunctive) for each prefix reading, the plain one last."""
    out = []
    for prefix, prog, neg, subj in (("نمی", True, True, False), ("می", True, False, False),
                                    ("ن", False, True, False), ("ب", False, False, True)):
        if word.startswith(prefix) and len(word) > len(prefix) + 1:
            rest = word[len(prefix):]
            if subj or neg and not prog:
                # "بیاید", "نیامد": a stem that starts with آ takes a glide ی after ب/ن
                if rest.startswith("یا"):
                    out.append(("آ" + rest[2:], prog, neg, subj))
            out.append((rest, prog, neg, subj))
    out.append((word, False, False, False))
    return out


@lru_cache(maxsize=65536)
def analyse(token: str) -> VerbForm | None:
    """The verb reading of one token (ZWNJs ignored), or None when it is not a verb form."""
    word = token.replace(ZWNJ, "")
    if len(word) < 2:
        return None
    past, present = _stems()
    # a word starting with ن or ب that is itself a past form reads as written, not as another verb negated or in
    # the subjunctive: "نوشت" (wrote), not "وشت" negated; "نشست" (sat, met), not "شست" (washed)
    if word[0] in "نب":
        plain = _nonfinite_reading(word, past, False, False, False) or _simple_past(word, past, False, False)
        if plain is not None:
            return plain
    for rest, prog, neg, subj in _strip_prefix(word):
        nonfinite = _nonfinite_reading(rest, past, prog, neg, subj)
        if nonfinite is not None:
            return nonfinite
        past_form = None if subj else _simple_past(rest, past, prog, neg)
        present_form = _present_reading(rest, prog, neg, subj)
        # "می‌کند", "کند" (does) over the past of کندن (dug); "برد" (carried) over "بر+د" unless "می‌برد"
        if present_form and past_form and present_form.person in ("د", "ند") and \
                (prog or subj or _free_present(present_form.present)):
            return present_form
        if past_form or present_form:
            return past_form or present_form
    return None


def _nonfinite_reading(rest: str, past: dict, prog: bool, neg: bool, subj: bool) -> VerbForm | None:
    """The participle ("آمده", + perfect endings "آمده‌اند") or infinitive ("آمدن") reading of `rest`."""
    for ending in PERFECT_ENDINGS:
        if ending and not rest.endswith(ending):
            continue
        base = rest[: len(rest) - len(ending)] if ending else rest
        if base.endswith("ه") and base[:-1] in past and not subj:
            return VerbForm(base[:-1], past[base[:-1]], "participle", prog, neg, False, ending)
    if rest.endswith("ن") and rest[:-1] in past and not (prog or subj):
        return VerbForm(rest[:-1], past[rest[:-1]], "infinitive", False, neg)
    return None


def _simple_past(rest: str, past: dict, prog: bool, neg: bool) -> VerbForm | None:
    return next((VerbForm(rest[: len(rest) - len(e)], past[rest[: len(rest) - len(e)]], "past", prog, neg, False, e)
                 for e in PAST_ENDINGS if rest.endswith(e) and rest[: len(rest) - len(e)] in past), None)


def _present_reading(rest: str, prog: bool, neg: bool, subj: bool) -> VerbForm | None:
    past, present = _stems()
    for ending in PERSON_ENDINGS:
        if not ending or not rest.endswith(ending):
            continue
        stem = rest[: len(rest) - len(ending)]
        # "آید" after a vowel-final stem: the glide ی belongs to the ending
        for s in [stem] + ([stem[:-1]] if stem.endswith("ی") and len(stem) > 1 else []):
            if s in present and (prog or subj or neg or _free_present(s)):
                return VerbForm(present[s][0], s, "present", prog, neg, subj, ending)
    return None


def inflections(lemma: str) -> set[str]:
    """Every single-token form of a verb lemma ("آمد#آ") that `analyse` reads as that lemma, squashed: the
    lemma lexicon expanded once, so a sentence is scanned with set look-ups."""
    past, present = lemma.split("#", 1)
    forms: set[str] = set()
    for prefix in ("", "می", "نمی", "ن", "ب"):
        for stem, endings in ((past, PAST_ENDINGS), (past + "ه", PERFECT_ENDINGS), (past + "ن", ("",)),
                              (present, PERSON_ENDINGS), (present + "ی", PERSON_ENDINGS)):
            if not stem:
                continue
            for ending in endings:
                for word in {prefix + stem + ending} | ({prefix + "یا" + stem[1:] + ending} if prefix in ("ن", "ب")
                                                        and stem.startswith("آ") else set()):
                    form = analyse(word)
                    if form is not None and form.lemma == lemma:
                        forms.add(word)
    return forms


def _free_present(stem: str) -> bool:
    """A bare present form without می/ب ("کند", "شود", "دارد", "است") is read as a verb only for the common
    auxiliaries and light verbs, where it is a verb in news text; elsewhere ("رود" = river) it is too ambiguous."""
    return stem in {"کن", "شو", "دار", "خواه", "باش", "توان", "گرد", "نما", "یاب", "ده", "گیر"}


@dataclass(frozen=True)
class VerbPhrase:
    """The verb group around one token: its lemma (with the preverbal word for a compound) and tense."""
    head: int            # token index of the lexical verb, or of the preverbal word of a compound
    end: int             # exclusive token index after the last token of the group
    lemma: str           # "آمد#آ", or "سفر+کرد" for a compound
    form: VerbForm
    future: bool = False        # "خواهد آمد"
    perfect: bool = False       # "آمده است", "آمده بود"


def verb_at(words: list[str], i: int) -> VerbPhrase | None:
    """Read the verb group whose lexical verb (or future/perfect auxiliary) is words[i]."""
    form = analyse(words[i])
    if form is None:
        return None
    nxt = analyse(words[i + 1]) if i + 1 < len(words) else None
    # future: "خواهد" + past stem ("خواهد آمد", "سفر خواهد کرد")
    if form.present == "خواه" and form.tense == "present" and not form.progressive and i + 1 < len(words) \
            and words[i + 1].replace(ZWNJ, "") in _stems()[0]:
        main = _stems()[0][words[i + 1].replace(ZWNJ, "")]
        lexical = VerbForm(words[i + 1].replace(ZWNJ, ""), main, "future", negative=form.negative, person=form.person)
        return VerbPhrase(i + 1, i + 2, lexical.lemma, lexical, future=True)
    after = words[i + 1].replace(ZWNJ, "") if i + 1 < len(words) else ""
    perfect = form.tense == "participle" and (after in ("است", "هست") or nxt is not None and nxt.past in ("بود", "باش"))
    end = i + (2 if perfect else 1)
    return VerbPhrase(i, end, form.lemma, form, perfect=perfect or bool(form.person) and form.tense == "participle")
