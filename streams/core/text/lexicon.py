"""The word lexicon (streams/data/lexicon.tsv, built by scripts/build_lexicon.py from hazm)."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

ZWNJ = "\u200c"
# Inflectional suffixes written after a ZWNJ when the stem ends in a joining letter, longest first.
SUFFIXES = ("هایی", "های", "ترین", "ها", "اند", "ایم", "اید", "ای", "ام", "تر")
# Prefixes written before a ZWNJ.
PREFIXES = ("نمی", "می", "به")
PREFIX_MIN_FREQUENCY = 1
COMPOUND_MIN_FREQUENCY = 100_000  # both halves must be common words, so names are left alone  # "به" + rare word is usually a name (بهزاد), not a lost ZWNJ


@lru_cache(maxsize=1)
def _table() -> dict[str, tuple[str, int]]:
    """squashed form (no ZWNJ) -> (best spelled form, frequency)."""
    table: dict[str, tuple[str, int]] = {}
    path = resources.files("streams.data").joinpath("lexicon.tsv")
    for line in path.read_text(encoding="utf-8").splitlines():
        form, _, freq_s = line.partition("\t")
        freq = int(freq_s or 0)
        squashed = form.replace(ZWNJ, "")
        old = table.get(squashed)
        if old is None or freq > old[1]:
            table[squashed] = (form, freq)
    return table


@lru_cache(maxsize=1)
def compound_first_halves() -> frozenset[str]:
    """First parts of the lexicon's ZWNJ compounds ("نخست" of "نخست‌وزیر"): the words worth checking for a lost
    join when a space follows them."""
    return frozenset(form.split(ZWNJ, 1)[0] for form, _ in _table().values() if ZWNJ in form)


@lru_cache(maxsize=1)
def max_repairable_length() -> int:
    """Longest word normalisation could repair: two lexicon words run together, plus a prefix and suffixes."""
    longest = max(map(len, _table()), default=0)
    return 2 * longest + max(map(len, PREFIXES)) + 2 * max(map(len, SUFFIXES))


def available() -> bool:
    return bool(_table())


def known_form(word: str) -> str | None:
    """The lexicon spelling (with its ZWNJs) of a word written without them, or None."""
    hit = _table().get(word)
    return hit[0] if hit else None


def frequency(word: str) -> int:
    hit = _table().get(word.replace(ZWNJ, ""))
    return hit[1] if hit else 0


def is_word(word: str) -> bool:
    return word.replace(ZWNJ, "") in _table()
