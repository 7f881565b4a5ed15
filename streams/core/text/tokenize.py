"""Tokens and sentences with offsets into the normalised text."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

ZWNJ = "\u200c"
# numbers (with decimal/date separators), words (letters, digits and inner ZWNJs), or one symbol
_TOKEN = re.compile(r"\d+(?:[.,/:]\d+)*|[^\W\d_](?:[^\W_]|\u200c)*|\d+[^\W\d_](?:[^\W_]|\u200c)*|\S")
_SENTENCE_END = set(".!?؟")
# A "sentence" longer than this (a list, a table, text without punctuation) is cut, so that the
# per-sentence rules downstream stay linear in the article's length.
MAX_SENTENCE_TOKENS = 150
_CLOSERS = set("»\"')]")


class Token(NamedTuple):  # one per word of every article: a tuple builds in half the time of a frozen dataclass
    i: int
    start: int
    end: int
    text: str

    @property
    def squashed(self) -> str:
        return self.text.replace(ZWNJ, "")

    @property
    def is_word(self) -> bool:
        return self.text[0].isalpha()


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    first_token: int
    last_token: int  # exclusive


def tokenize(text: str) -> list[Token]:
    make = Token._make
    return [make((i, m.start(), m.end(), m.group())) for i, m in enumerate(_TOKEN.finditer(text))]


def split_sentences(text: str, tokens: list[Token]) -> list[Sentence]:
    """Sentences end at . ! ? ؟ (plus closing quotes), at a line break, or after MAX_SENTENCE_TOKENS."""
    sentences: list[Sentence] = []
    first = 0
    for i, tok in enumerate(tokens):
        ends = tok.text in _SENTENCE_END and not (i + 1 < len(tokens) and tokens[i + 1].text in _CLOSERS)
        ends = ends or (tok.text in _CLOSERS and i > 0 and tokens[i - 1].text in _SENTENCE_END)
        line_break = i + 1 < len(tokens) and text.find("\n", tok.end, tokens[i + 1].start) >= 0
        too_long = i + 1 - first >= MAX_SENTENCE_TOKENS
        if ends or line_break or too_long or i == len(tokens) - 1:
            sentences.append(Sentence(tokens[first].start, tok.end, first, i + 1))
            first = i + 1
    if not sentences:
        sentences.append(Sentence(0, len(text), 0, 0))
    return sentences
