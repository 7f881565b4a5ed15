"""Persian text normalisation that remembers where every character came from.

`normalize(original)` returns a `NormalizedText`: the cleaned string plus, for every
character of it, the [start, end) range of the original string it stands for.  Deleted
characters (diacritics, tatweel, bidi marks) vanish from the map; inserted zero-width
non-joiners get an empty range at the following original character.  Every span found in
the normalised text can therefore be mapped back to the exact original characters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from streams.core.text import lexicon

ZWNJ = "\u200c"

# One-to-one letter and digit unification (Arabic forms -> Persian, all digits -> ASCII).
_CHAR_MAP = {
    "ي": "ی", "ى": "ی", "ئ": "ئ", "ك": "ک", "ة": "ه", "ۀ": "ه", "ە": "ه", "ہ": "ه",
    "أ": "ا", "إ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    "\u00a0": " ", "\t": " ", "\u2000": " ", "\u2001": " ", "\u2002": " ", "\u2003": " ",
    "\u2004": " ", "\u2005": " ", "\u2006": " ", "\u2007": " ", "\u2008": " ", "\u2009": " ",
    "\u200a": " ", "\u202f": " ", "\u3000": " ", "\r": "\n", "\u2028": "\n", "\u2029": "\n",
    "٬": ",", "٫": ".", "٪": "%", "“": '"', "”": '"', "‘": "'", "’": "'",
}
for _i, _d in enumerate("۰۱۲۳۴۵۶۷۸۹"):
    _CHAR_MAP[_d] = str(_i)
for _i, _d in enumerate("٠١٢٣٤٥٦٧٨٩"):
    _CHAR_MAP[_d] = str(_i)

# Characters that carry no letter: harakat, superscript alef, tatweel, bidi and zero-width marks.
_DROP = set(chr(c) for c in range(0x064B, 0x0660)) | {
    "\u0670", "\u0640", "\u200b", "\u200d", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c",
    "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\ufeff", "\u00ad", "\u061c",
}

# Persian letters that do not join to the following letter: no ZWNJ is needed after them.
NON_JOINING = set("اآأإدذرزژوؤ")
_WORD = re.compile(r"[\u0621-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc\u0629\u06c0]{3,}")


@dataclass(frozen=True)
class NormalizedText:
    original: str
    text: str
    starts: tuple[int, ...]   # starts[i]: original offset where text[i] begins
    ends: tuple[int, ...]     # ends[i]: original offset where text[i] ends

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the normalised text to the original text."""
        if start >= end:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], max(self.ends[end - 1], self.starts[start])

    def original_text(self, start: int, end: int) -> str:
        s, e = self.to_original(start, end)
        return self.original[s:e]


# Characters the clean-up below must see one by one (deleted, or a space, newline or ZWNJ once mapped).
# Runs of other characters, single spaces between them included, are only unified, in bulk.
_SPECIAL = "".join(sorted(_DROP | {" ", "\n", ZWNJ} | {c for c, m in _CHAR_MAP.items() if m in " \n"}))
_PLAIN_RUN = re.compile("[^{0}]+(?: [^{0}]+)*".format(re.escape(_SPECIAL)))
_PLAIN_TABLE = str.maketrans({c: m for c, m in _CHAR_MAP.items() if c not in _SPECIAL})
_ZWNJ_RE = re.compile(ZWNJ)


def _unify(original: str) -> tuple[str, list[int]]:
    """Letter/digit unification, deletions, and space/ZWNJ clean-up: the text and, per character, its
    original offset (each character stands for exactly one original character)."""
    out: list[str] = []
    pos: list[int] = []
    i = 0
    for run in _PLAIN_RUN.finditer(original):
        a, b = run.span()
        for k in range(i, a):
            _unify_special(out, pos, original[k], k)
        out.extend(original[a:b].translate(_PLAIN_TABLE))
        pos.extend(range(a, b))
        i = b
    for k in range(i, len(original)):
        _unify_special(out, pos, original[k], k)
    while out and out[-1] in " " + ZWNJ:
        out.pop(); pos.pop()
    text = "".join(out)
    # a ZWNJ before a space/newline/punctuation or at the end is noise
    noise = [k for k in (m.start() for m in _ZWNJ_RE.finditer(text)) if not text[k + 1:k + 2].isalpha()]
    if noise:
        drop = set(noise)
        pos = [p for k, p in enumerate(pos) if k not in drop]
        text = "".join(text[a + 1:b] for a, b in zip([-1] + noise, noise + [len(text)]))
    return text, pos


def _unify_special(out: list[str], pos: list[int], ch: str, i: int) -> None:
    if ch in _DROP:
        return
    ch = _CHAR_MAP.get(ch, ch)
    if ch == " ":
        # collapse space runs; a space swallows a ZWNJ next to it
        if out and out[-1] == ZWNJ:
            out.pop(); pos.pop()
        if not out or out[-1] in " \n":
            return
    elif ch == "\n":
        while out and out[-1] in " " + ZWNJ:
            out.pop(); pos.pop()
    elif ch == ZWNJ:
        if not out or out[-1] in " \n" + ZWNJ:
            return
    out.append(ch); pos.append(i)


def repair_word(word: str) -> str:
    """Reinsert lost zero-width non-joiners in one word, using the lexicon; else return it unchanged."""
    if len(word) > lexicon.max_repairable_length():
        return word  # no lexicon word, affixed or compounded, is this long: keeps huge tokens linear, uncached
    return _repair_word(word)


@lru_cache(maxsize=65536)
def _repair_word(word: str) -> str:
    known = lexicon.known_form(word)
    if known is not None:
        return known
    if word.endswith("ی") and len(word) > 4 and lexicon.known_form(word[:-1]) is not None \
            and not word.endswith(("هی", "ای")):
        return word  # "رویکردی": a known word plus ezafe/indefinite ی, written joined
    for suffix in lexicon.SUFFIXES:
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            base = word[: -len(suffix)]
            if suffix[0] == "ا" and base[-1] != "ه":
                continue     # "-اند", "-ای" take a ZWNJ only after silent he: "کرده‌اند", "تازه‌ای"
            base_form = lexicon.known_form(base)
            if base_form is None and len(base) > 4:
                repaired = repair_word(base)
                base_form = repaired if repaired != base else None
            if base_form is None:
                continue
            if base[-1] in NON_JOINING:
                return word  # "روزهای": after a non-joining letter no ZWNJ is written
            return base_form + ZWNJ + suffix
    for prefix in lexicon.PREFIXES:
        if len(word) > len(prefix) + 1 and word.startswith(prefix):
            rest = word[len(prefix):]
            rest_form = lexicon.known_form(rest)
            if rest_form is None and len(rest) > 4:
                repaired = repair_word(rest)
                rest_form = repaired if repaired != rest else None
            if rest_form is not None and lexicon.frequency(rest) >= lexicon.PREFIX_MIN_FREQUENCY:
                return prefix + ZWNJ + rest_form
    return _split_compound(word) or word


def _split_compound(word: str) -> str | None:
    """Two frequent words run together ("تحریمشده" -> "تحریم‌شده"); the most frequent split wins."""
    best, best_score = None, lexicon.COMPOUND_MIN_FREQUENCY
    for cut in range(3, len(word) - 2):
        left, right = word[:cut], word[cut:]
        if left[-1] in NON_JOINING:
            continue
        left_form, right_form = lexicon.known_form(left), lexicon.known_form(right)
        if left_form is None or right_form is None:
            continue
        score = min(lexicon.frequency(left), lexicon.frequency(right))
        if score >= best_score:
            best, best_score = left_form + ZWNJ + right_form, score
    return best


# A verb prefix or an inflectional suffix written as a separate word ("می کند", "تحریم ها", "کرده اند"):
# the space between is one orthographic variant of the same word, so it becomes a ZWNJ (or nothing after a
# non-joining letter), and the rules see one spelling whatever the writer typed.
_SPACED_PREFIX = re.compile(r"(?<![^\s«\"'(])(?:ن?می) (?=[^\W\d_])")
_SPACED_SUFFIX = re.compile(r"(?<=[^\W\d_]) (?:ها|های|هایی|هایش|هایشان|هایمان|اند|ایم|اید|ترین)(?![^\W_]|\u200c)")
_SPACED_SUFFIX_AFTER_HE = re.compile(r"(?<=[^\W\d_]ه) (?:ای|ام|ات|اش)(?![^\W_]|\u200c)")


# word starts only, possessive: linear even in one 200,000-letter token
_SPACED_PAIR = re.compile(r"(?<![^\W\d_])([^\W\d_]++) (?=([^\W\d_]+))")
# words that begin phrases of their own: never the first half of a compound ("به عنوان", "در حال")
_PARTICLES = {"به", "در", "از", "با", "بر", "که", "و", "را", "تا", "این", "آن", "هم", "نه", "یا", "برای", "می", "نمی"}


def _join_spaced_affixes(text: str, char_starts: list[int]) -> tuple[str, list[int]]:
    """`_unify`'s output with spaced affixes and compounds joined (each original position kept)."""
    joins: dict[int, str] = {}
    for m in _SPACED_PREFIX.finditer(text):
        joins[m.end() - 1] = ZWNJ
    for pattern in (_SPACED_SUFFIX, _SPACED_SUFFIX_AFTER_HE):
        for m in pattern.finditer(text):
            joins[m.start()] = "" if text[m.start() - 1] in NON_JOINING else ZWNJ
    # a compound the lexicon spells with a ZWNJ, written as two words: "نخست وزیر", "رئیس جمهور", "گفت وگو"
    halves = lexicon.compound_first_halves()
    for m in _SPACED_PAIR.finditer(text):
        a, b = m.group(1), m.group(2)
        if a in halves and a not in _PARTICLES and lexicon.known_form(a + b) == a + ZWNJ + b:
            joins[m.end(1)] = ZWNJ
    if not joins:
        return text, char_starts
    pieces: list[str] = []
    starts: list[int] = []
    prev = 0
    for k in sorted(joins):
        pieces.append(text[prev:k]); starts += char_starts[prev:k]
        if joins[k]:
            pieces.append(joins[k]); starts.append(char_starts[k])
        prev = k + 1
    pieces.append(text[prev:]); starts += char_starts[prev:]
    return "".join(pieces), starts


def normalize(original: str) -> NormalizedText:
    text, char_starts = _join_spaced_affixes(*_unify(original))
    char_ends = [s + 1 for s in char_starts]
    out_chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    repairs = lexicon.available()
    for m in _WORD.finditer(text) if repairs else ():
        word = m.group()
        fixed = repair_word(word)
        if fixed == word:
            continue  # copied in bulk with the text around it
        out_chars.append(text[pos:m.start()]); starts += char_starts[pos:m.start()]; ends += char_ends[pos:m.start()]
        k = m.start()
        for ch in fixed:
            if ch == ZWNJ and (k >= len(text) or text[k] != ZWNJ):
                anchor = char_starts[k] if k < len(text) else len(original)
                out_chars.append(ZWNJ); starts.append(anchor); ends.append(anchor)
                continue
            out_chars.append(ch); starts.append(char_starts[k]); ends.append(char_ends[k])
            k += 1
        pos = m.end()
    out_chars.append(text[pos:]); starts += char_starts[pos:]; ends += char_ends[pos:]
    return NormalizedText(original, "".join(out_chars), tuple(starts), tuple(ends))


_KEY_DROP = "\u200c-_.'\"«»()[]"  # and all whitespace (str.split)
# one str.translate pass: unify letters and digits, delete marks and light punctuation, آ -> ا
_KEY_TABLE = {ord(c): None for c in _DROP | set(_KEY_DROP)}
_KEY_TABLE.update({ord(c): (None if m.isspace() or m in _KEY_DROP else m) for c, m in _CHAR_MAP.items()})
_KEY_TABLE[ord("آ")] = "ا"
_KEY_CACHED_LENGTH = 64  # token- and name-sized texts repeat: cache them; a huge text is keyed once, uncached


def key(text: str) -> str:
    """Spelling-insensitive lookup key: unified letters, no spaces, ZWNJs or light punctuation.

    "خزانه‌داری", "خزانه داری" and "خزانهداری" (and Arabic-letter spellings) share one key.
    """
    return _cached_key(text) if len(text) <= _KEY_CACHED_LENGTH else _key(text)


def _key(text: str) -> str:
    return "".join(text.translate(_KEY_TABLE).split()).lower()


_cached_key = lru_cache(maxsize=1 << 17)(_key)
