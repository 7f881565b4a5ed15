"""The one document model every pipeline component reads and writes.

A `Document` holds the article's text fields (title, body).  Each `Field` keeps the original
string, its normalised form with an offset map, tokens and sentences.  Components add
`Mention`s, `Entity`s, `DateMention`s and `Event`s; all spans are [start, end) offsets into the
field's normalised text and are mapped back to the original text only when the record is built.
"""
from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Mapping

from streams.core.text.normalize import NormalizedText, key, normalize
from streams.core.text.tokenize import Sentence, Token, split_sentences, tokenize

TEXT_FIELDS = ("title", "body")


@dataclass
class Field:
    name: str
    norm: NormalizedText
    tokens: list[Token]
    sentences: list[Sentence]
    _token_starts: list[int] = field(default_factory=list, repr=False)
    _sentence_starts: list[int] = field(default_factory=list, repr=False)

    @classmethod
    def build(cls, name: str, original: str) -> "Field":
        norm = normalize(original)
        tokens = tokenize(norm.text)
        sentences = split_sentences(norm.text, tokens)
        return cls(name, norm, tokens, sentences, [t.start for t in tokens], [s.start for s in sentences])

    @property
    def text(self) -> str:
        return self.norm.text

    def sentence_index(self, offset: int) -> int:
        """Index of the sentence containing `offset`."""
        return max(0, bisect.bisect_right(self._sentence_starts, offset) - 1)

    def token_index_at(self, offset: int) -> int:
        """Index of the token starting at or containing `offset` (the next one if in a gap)."""
        i = bisect.bisect_right(self._token_starts, offset) - 1
        if i >= 0 and self.tokens[i].end > offset:
            return i
        return i + 1


@dataclass
class Span:
    field: str
    start: int
    end: int


@dataclass
class Mention(Span):
    """A name found in the text, linked to an entity key."""
    label: str                 # PERSON | ORG | GPE | LOC
    entity_key: str            # canonical id (gazetteer) or provisional id
    source: str                # gazetteer | ner | pattern | link
    text: str = ""             # normalised surface text


@dataclass
class Entity:
    id: str
    type: str
    name: str
    name_en: str | None = None
    country: str | None = None
    cameo: str | None = None
    subtype: str | None = None
    mentions: list[Mention] = field(default_factory=list)


@dataclass
class DateMention(Span):
    date: dt.date | None       # resolved calendar date (None when only a weekday is known)
    kind: str                  # absolute | relative | weekday
    weekday: int | None = None  # 0 = Monday, as datetime.date.weekday()


@dataclass
class Argument:
    role: str
    entity_id: str | None
    span: Span
    inferred: bool = False     # taken from elsewhere in the article, not from the evidence sentence


@dataclass
class Event:
    type: str                  # sanction | visit
    status: str
    trigger: Span
    evidence: Span
    arguments: list[Argument] = field(default_factory=list)
    date: dt.date | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    cameo: str | None = None


@dataclass
class Document:
    id: str
    article: Mapping[str, Any]
    fields: dict[str, Field]
    published: dt.date | None = None
    mentions: list[Mention] = field(default_factory=list)
    entities: dict[str, Entity] = field(default_factory=dict)
    dates: list[DateMention] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)  # key(title phrase) -> entity id, from apposition
    # mentions by field, sorted by start, for mentions_in; rebuilt when doc.mentions is replaced or grows
    _mention_index: tuple | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_article(cls, article: Mapping[str, Any]) -> "Document":
        fields = {name: Field.build(name, article.get(name) or "") for name in TEXT_FIELDS}
        return cls(id=str(article["id"]), article=article, fields=fields,
                   published=parse_published(article.get("published_at")))

    def text_of(self, span: Span) -> str:
        return self.fields[span.field].text[span.start:span.end]

    def original_span(self, span: Span) -> tuple[str, int, int]:
        f = self.fields[span.field]
        start, end = f.norm.to_original(span.start, span.end)
        return f.norm.original[start:end], start, end

    def warn(self, code: str, message: str, span: Span | None = None) -> None:
        warning: dict[str, Any] = {"code": code, "message": message}
        if span is not None:
            text, start, end = self.original_span(span)
            warning.update(field=span.field, start=start, end=end, text=text)
        if warning not in self.warnings:
            self.warnings.append(warning)

    def mentions_in(self, field_name: str, start: int, end: int) -> list[Mention]:
        """Mentions inside [start, end) of a field, in doc.mentions order (a bisect, not a scan per sentence)."""
        index = self._mention_index
        if index is None or index[0] is not self.mentions or index[1] != len(self.mentions):
            by_field: dict[str, list[tuple[int, int, Mention]]] = {}
            for pos, m in enumerate(self.mentions):
                by_field.setdefault(m.field, []).append((m.start, pos, m))
            for entries in by_field.values():
                entries.sort(key=lambda e: e[:2])
            index = self._mention_index = (self.mentions, len(self.mentions),
                                           {f: ([e[0] for e in entries], entries) for f, entries in by_field.items()})
        starts, entries = index[2].get(field_name, ((), ()))
        inside = [(pos, m) for _, pos, m in entries[bisect.bisect_left(starts, start):bisect.bisect_right(starts, end)]
                  if m.end <= end]
        return [m for _, m in sorted(inside, key=lambda e: e[0])]


def parse_published(value: Any) -> dt.date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


__all__ = ["Argument", "DateMention", "Document", "Entity", "Event", "Field", "Mention", "Sentence",
           "Span", "TEXT_FIELDS", "Token", "key"]
