"""Persian number words and digits to integers ("هفت" 7, "بیست و سه" 23, "۱۲" 12, "سه هزار" 3000)."""
from __future__ import annotations

from streams.core.text.tokenize import Token

UNITS = {
    "صفر": 0, "یک": 1, "یه": 1, "دو": 2, "سه": 3, "چهار": 4, "پنج": 5, "شش": 6, "شیش": 6, "هفت": 7,
    "هشت": 8, "نه": 9, "ده": 10, "یازده": 11, "دوازده": 12, "سیزده": 13, "چهارده": 14,
    "پانزده": 15, "پونزده": 15, "شانزده": 16, "هفده": 17, "هجده": 18, "هیجده": 18, "نوزده": 19,
    "بیست": 20, "سی": 30, "چهل": 40, "پنجاه": 50, "شصت": 60, "هفتاد": 70, "هشتاد": 80, "نود": 90,
    "صد": 100, "یکصد": 100, "دویست": 200, "سیصد": 300, "چهارصد": 400, "پانصد": 500,
    "ششصد": 600, "هفتصد": 700, "هشتصد": 800, "نهصد": 900,
}
SCALES = {"هزار": 1_000, "میلیون": 1_000_000, "میلیارد": 1_000_000_000}
# "نه" and "سی" are also ordinary words ("no", part of names): only accepted inside a compound.
_AMBIGUOUS = {"نه", "سی", "یه", "ده"}


def parse_number(tokens: list[Token], i: int) -> tuple[int, int] | None:
    """Parse a number starting at tokens[i]; return (value, index after it) or None."""
    if i >= len(tokens):
        return None
    first = tokens[i].squashed
    if first.isdigit():
        value, j = int(first), i + 1
        if j < len(tokens) and tokens[j].text in SCALES:
            value, j = value * SCALES[tokens[j].text], j + 1
        return value, j
    if first not in UNITS and first not in SCALES:
        return None
    total, current, j, words = 0, 0, i, 0
    while j < len(tokens):
        word = tokens[j].squashed
        if word in UNITS:
            current += UNITS[word]
        elif word in SCALES:
            total += max(current, 1) * SCALES[word]
            current = 0
        else:
            break
        words += 1
        j += 1
        if j + 1 < len(tokens) and tokens[j].text == "و" and (tokens[j + 1].text in UNITS or tokens[j + 1].text in SCALES):
            j += 1
    if words == 1 and first in _AMBIGUOUS and not (j < len(tokens) and tokens[j].is_word):
        return None
    return total + current, j


def words_to_int(text: str) -> int | None:
    from streams.core.text.tokenize import tokenize
    from streams.core.text.normalize import normalize
    toks = tokenize(normalize(text).text)
    parsed = parse_number(toks, 0)
    return parsed[0] if parsed and parsed[1] == len(toks) else None
