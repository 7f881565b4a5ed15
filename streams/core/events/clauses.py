"""Sentence views shared by the event extractors: tokens, squashed words and actor mentions by token."""
from __future__ import annotations

import bisect
from dataclasses import dataclass

from streams.core.actors.gazetteer import default_gazetteer
from streams.core.actors.recognizer import OFFICIALS, actor_mentions
from streams.core.events.cues import cues
from streams.core.document import Argument, Document, Field, Mention, Sentence, Span

ZWNJ = "\u200c"
QUOTES = {'"', "«", "»", "'", "(", ")"}
# words and marks after which a new clause (with its own subject) begins
CLAUSE_OPENERS = cues("clause.opener")
REPORTER_OPENERS = cues("clause.reporter")   # "به گزارش X": the source of the report
MEDIA_HEADS = cues("media_head")
OUR_COUNTRY = cues("our_country")
HOME_COUNTRY = "country:IRN"   # the outlets Khabar reads are Iranian: their "کشورمان" is Iran


PLACE_ROLES = ("destination", "origin")


def place_span(m: Mention) -> Span:
    """Where a mention names a place: a country named by its officials ("مقامات آمریکایی", which stands for the
    United States as an actor) is, as a place, the nationality word ("با مقامات آمریکایی راهی این کشور شد")."""
    head, _, rest = m.text.partition(" ")
    if rest and m.label == "GPE" and head.replace(ZWNJ, "") in OFFICIALS:
        return Span(m.field, m.start + len(head) + 1, m.end)
    return Span(m.field, m.start, m.end)


@dataclass
class Placed:
    """An actor mention with the token range it covers in its sentence."""
    mention: Mention
    first: int   # token index in the field
    last: int    # exclusive
    inferred: bool = False   # what an anaphor in this sentence refers to, named in an earlier one

    def argument(self, role: str) -> Argument:
        m = self.mention
        span = place_span(m) if role in PLACE_ROLES else Span(m.field, m.start, m.end)
        return Argument(role, m.entity_key, span, self.inferred)

    @property
    def is_bloc(self) -> bool:
        """A group of states acting as one ("غرب"): an actor, never a place someone travels to."""
        actor = default_gazetteer().by_id.get(self.mention.entity_key)
        return actor is not None and actor.subtype == "bloc"

    @property
    def is_media(self) -> bool:
        """A news agency, paper or channel: the source of a report ("به خبرنگار خبرگزاری فرانسه گفت"), never a
        party to the events it reports."""
        actor = default_gazetteer().by_id.get(self.mention.entity_key)
        return (actor is not None and actor.subtype == "news_agency") or \
            self.mention.text.split()[0].replace(ZWNJ, "") in MEDIA_HEADS


class SentenceView:
    def __init__(self, doc: Document, f: Field, sentence: Sentence):
        self.doc, self.field, self.sentence = doc, f, sentence
        self.first, self.last = sentence.first_token, sentence.last_token
        self.tokens = f.tokens
        self.words = [t.text.replace(ZWNJ, "") for t in f.tokens[self.first:self.last]]
        self._clause_starts: list[int] | None = None
        self._reporters: list[tuple[int, int]] | None = None
        self._positions: dict[str, list[int]] | None = None
        self.actors: list[Placed] = []
        for m in actor_mentions(doc, f.name, sentence.start, sentence.end):
            a = f.token_index_at(m.start)
            b = f.token_index_at(m.end - 1) + 1
            self.actors.append(Placed(m, a, b))
        self._our_country()

    def _our_country(self) -> None:
        """"علیه کشورمان", "به کشورمان آمد": "our country" in the outlets' own voice is their country; it stands
        where it is written, for the nearest mention of that country in the article (an inferred argument),
        when the article names it (otherwise the evidence would have no span to point at)."""
        at = [i for i, w in enumerate(self.words, self.first) if w in OUR_COUNTRY]
        if not at:
            return
        named = [m for m in self.doc.mentions if m.entity_key == HOME_COUNTRY]
        for i in at:
            here = self.tokens[i].start
            nearest = min(named, key=lambda m: (m.field != self.field.name, abs(m.start - here)), default=None)
            if nearest is not None:
                self.actors.append(Placed(nearest, i, i + 1, inferred=True))
        self.actors.sort(key=lambda p: p.first)

    def word(self, i: int) -> str:
        """Squashed text of field token i ('' outside the sentence)."""
        return self.words[i - self.first] if self.first <= i < self.last else ""

    def span(self, a: int, b: int) -> Span:
        return Span(self.field.name, self.tokens[a].start, self.tokens[b - 1].end)

    @property
    def whole(self) -> Span:
        return Span(self.field.name, self.sentence.start, self.sentence.end)

    def find(self, words: set[str] | frozenset[str], start: int | None = None, end: int | None = None) -> list[int]:
        lo = self.first if start is None else max(start, self.first)
        hi = self.last if end is None else min(end, self.last)
        if lo >= hi:
            return []
        first = self.first
        return [i for i, w in enumerate(self.words[lo - first:hi - first], lo) if w in words]

    def has_phrase(self, phrase: tuple[str, ...], start: int | None = None, end: int | None = None) -> int | None:
        """First token index at which the words of `phrase` follow one another within [start, end)."""
        lo = self.first if start is None else max(start, self.first)
        hi = (self.last if end is None else min(end, self.last)) - len(phrase) + 1
        if lo >= hi or not phrase:
            return lo if lo < hi else None
        if self._positions is None:   # once per sentence: the rules ask for dozens of phrases in each
            positions: dict[str, list[int]] = {}
            for i, w in enumerate(self.words, self.first):
                positions.setdefault(w, []).append(i)
            self._positions = positions
        at = self._positions.get(phrase[0])
        if at is None:
            return None
        words, first, rest = self.words, self.first, phrase[1:]
        for i in at[bisect.bisect_left(at, lo):]:
            if i >= hi:
                return None
            if all(words[i + k - first] == w for k, w in enumerate(rest, 1)):
                return i
        return None

    def clause_start(self, i: int) -> int:
        """First token of the clause that contains token i."""
        if self._clause_starts is None:   # once per sentence: the rules ask for it token by token
            starts = [self.first]
            for j in range(self.first, self.last):
                opener = self.word(j) in CLAUSE_OPENERS or self.tokens[j].text in CLAUSE_OPENERS
                starts.append(j + 1 if opener else starts[-1])
            self._clause_starts = starts
        return self._clause_starts[min(max(i, self.first), self.last) - self.first]

    def reporter_ranges(self) -> list[tuple[int, int]]:
        """"به گزارش X به نقل از Y،" : the token ranges that name the sources of the report, not actors of
        the event (computed once per sentence)."""
        if self._reporters is None:
            out = []
            for i in range(self.first, self.last):
                if self.word(i) in REPORTER_OPENERS:
                    j = i + 1
                    while j < self.last and self.tokens[j].text not in ("،", ",", ":"):
                        j += 1
                    out.append((i, j))
            self._reporters = out
        return self._reporters

    def prev_word(self, i: int, skip=QUOTES) -> tuple[int, str]:
        j = i - 1
        while j >= self.first and self.tokens[j].text in skip:
            j -= 1
        return j, self.word(j)

    def next_word(self, i: int, skip=QUOTES) -> tuple[int, str]:
        j = i
        while j < self.last and self.tokens[j].text in skip:
            j += 1
        return j, self.word(j)


def sentence_gap(doc: Document, a: Span, b: Span) -> int:
    """How many sentences apart two spans are; a title counts as next to every body sentence."""
    if a.field != b.field:
        return 0
    f = doc.fields[a.field]
    return abs(f.sentence_index(a.start) - f.sentence_index(b.start))


def sentences(doc: Document):
    for f in doc.fields.values():
        for s in f.sentences:
            yield SentenceView(doc, f, s)


def preceding_places(view: "SentenceView", at: int, subtypes: tuple[str | None, ...], n: int = 1) -> list[Mention]:
    """The last `n` distinct places of these gazetteer subtypes named before token `at` in its field: what
    "این کشور" (n=1) or "این پنج کشور" (n=5) refers to."""
    doc, start = view.doc, view.tokens[at].start
    gazetteer = default_gazetteer()
    out: list[Mention] = []
    for m in sorted(doc.mentions, key=lambda m: -m.start):
        if m.field != view.field.name or m.start >= start or m.label != "GPE" or \
                any(o.entity_key == m.entity_key for o in out):
            continue
        actor = gazetteer.by_id.get(m.entity_key)
        if (actor.subtype if actor else None) in subtypes:
            out.append(m)
            if len(out) == n:
                break
    return out

