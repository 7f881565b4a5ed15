"""Actor recognition and within-article linking.

Sources, in order of trust: the gazetteer (canonical ids), the statistical NER (names the
gazetteer lacks, with a provisional id derived from the normalised name), then linking:
surname-only mentions to the full name, and titles in apposition ("سرگئی شویگو، وزیر دفاع
روسیه،") recorded so that a later bare title can stand for the person.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache

from streams.core.document import Document, Entity, Field, Mention
from streams.core.actors.gazetteer import Gazetteer, default_gazetteer
from streams.core.text import lexicon
from streams.core.text.normalize import key
from streams.core.text.numbers import parse_number
from streams.core.text.wordclasses import WordClasses

ACTOR_TYPES = ("PERSON", "ORG", "GPE")
NER_LABELS = {"PER": "PERSON", "ORG": "ORG", "LOC": "GPE"}

# word classes (streams/data/actors/words.tsv): squashed forms, one set look-up per token
WORDS = WordClasses("actors/words.tsv")
# words that open a title phrase ("وزیر دفاع روسیه"); a title is not an actor, but can stand for one
TITLE_WORDS = WORDS.words("actor.title")
ORG_HEADS = WORDS.words("actor.org_head")
ORG_PLURALS = WORDS.words("actor.org_plural")
PERSON_HEADS = WORDS.words("actor.person_head")
OFFICIALS = WORDS.words("actor.officials")
STATE_WORDS = WORDS.words("actor.state")
TITLE_CONTINUATIONS = WORDS.words("actor.title_continuation")
NEVER_LAST = WORDS.words("actor.never_last")
FACILITY_HEADS = WORDS.words("actor.facility")
QUOTES_OPEN = {'"', "«", "'", "“"}
# "غرب" is the West as a bloc ("تحریم‌های غرب", "با غرب") but a direction before a place ("غرب کشور", "غرب
# تهران") or after another direction or area word ("شمال غرب", "مناطق غرب")
COMPASS_WORDS = WORDS.words("actor.compass")
DIRECTION_BEFORE = WORDS.words("actor.direction_before")
PLACE_NOUNS = WORDS.words("actor.place_noun")
# adjectives of countries the country-name rule cannot derive ("فرانسوی", "سعودی")
IRREGULAR_DEMONYMS = {form: cls.partition(":")[2] for cls in WORDS.classes() if cls.startswith("demonym:")
                      for form in WORDS.words(cls)}


def is_org_head(word: str) -> bool:
    return word.replace("\u200c", "") in ORG_HEADS


def _latin_name_word(text: str) -> bool:
    return text[:1].isascii() and text[:1].isupper() and text.isalpha()


@lru_cache(maxsize=4)
def _demonyms(gazetteer_id: int, gazetteer: Gazetteer) -> dict[str, str]:
    out: dict[str, str] = {}
    for actor in gazetteer.by_id.values():
        if actor.subtype != "country" or not actor.country:
            continue
        name = actor.name.replace("\u200c", "").replace(" ", "")
        forms = {name + "یی" if name.endswith(("ا", "و")) else name + "ی"}
        if name.endswith("یه"):
            forms.add(name[:-2] + "ی")
        for form in forms:
            out.setdefault(form, actor.id)
    out.update(IRREGULAR_DEMONYMS)
    return out


def demonyms(gazetteer: Gazetteer) -> dict[str, str]:
    """"آمریکایی" -> country:USA, "روسی" -> country:RUS, from the gazetteer's country names."""
    return _demonyms(id(gazetteer), gazetteer)


ZWNJ = "\u200c"
MAX_NER_TOKENS = 6
COMMON_WORD_FREQUENCY = 2_500_000   # hazm corpus count: "جهان", "شرق" are words, not names


def _compass_direction(tokens: list, i: int, gazetteer: Gazetteer) -> bool:
    """Whether the one-token name at i is a compass direction here, not a bloc."""
    word = tokens[i].text.replace(ZWNJ, "")
    if word not in COMPASS_WORDS:
        return False
    before = tokens[i - 1].text.replace(ZWNJ, "") if i > 0 else ""
    after = tokens[i + 1].text.replace(ZWNJ, "") if i + 1 < len(tokens) else ""
    return before in DIRECTION_BEFORE or after in PLACE_NOUNS or after in _place_first_words(id(gazetteer), gazetteer)


@lru_cache(maxsize=4)
def _place_first_words(_gazetteer_id: int, gazetteer: Gazetteer) -> frozenset[str]:
    """First words of the gazetteer's place names ("تهران", "کرمانشاه"): "غرب تهران" is a direction."""
    return frozenset(a.split()[0].replace(ZWNJ, "") for actor in gazetteer.by_id.values()
                     if actor.type == "GPE" for a in actor.aliases if a.split())


def provisional_id(label: str, name: str) -> str:
    """Same unknown name -> same id in every article: derived from the spelling-insensitive key."""
    digest = hashlib.blake2s(key(name).encode(), digest_size=6).hexdigest()
    return f"fa:{label.lower()}:{digest}"


def is_title_word(word: str) -> bool:
    return word.replace("\u200c", "") in TITLE_WORDS


class ActorRecognizer:
    """Pipeline component: fills doc.mentions, doc.entities and doc.titles."""

    def __init__(self, gazetteer: Gazetteer | None = None, ner=None):
        self.gazetteer = gazetteer if gazetteer is not None else default_gazetteer()
        self.ner = ner

    def __call__(self, doc: Document) -> Document:
        for f in doc.fields.values():
            taken = self._gazetteer_mentions(doc, f)  # token indexes already inside a mention
            self._pattern_mentions(doc, f, taken)
            if self.ner is not None:
                self._ner_mentions(doc, f, taken)
        self._split_run_on_names(doc)
        doc.mentions.sort(key=lambda m: (m.field != "title", m.start, -m.end))
        self._link_surnames(doc)
        self._build_entities(doc)
        self._record_titles(doc)
        return doc

    @staticmethod
    def _split_run_on_names(doc: Document) -> None:
        """"از بانه تاکشی ناکامورا، سفیر ژاپن": the tagger ran a place and the name after it into one mention; when a
        place or organisation mention ends with the words of a person named by a mention of its own elsewhere in
        the article (two words at least), those words are that person and the rest keeps its label."""
        people = {key(m.text): m for m in doc.mentions if m.label == "PERSON" and len(m.text.split()) >= 2}
        if not people:
            return
        out = []
        for m in doc.mentions:
            words = m.text.split()
            if m.source != "ner" or m.label == "PERSON" or len(words) < 3:   # "ابراهیم [واشقانی فراهانی]": one name
                out.append(m)
                continue
            f = doc.fields[m.field]
            a, b = f.token_index_at(m.start), f.token_index_at(m.end - 1) + 1
            cut = next((k for k in range(a + 1, b - 1) if key(f.text[f.tokens[k].start:m.end]) in people), None)
            if cut is None:
                out.append(m)
                continue
            person = people[key(f.text[f.tokens[cut].start:m.end])]
            head_end = f.tokens[cut - 1].end
            head = f.text[m.start:head_end]
            out.append(Mention(m.field, m.start, head_end, m.label, provisional_id(m.label, head), "ner", head))
            out.append(Mention(m.field, f.tokens[cut].start, m.end, "PERSON", person.entity_key, "ner",
                               f.text[f.tokens[cut].start:m.end]))
        doc.mentions[:] = out

    def _gazetteer_mentions(self, doc: Document, f: Field) -> list[tuple[int, int]]:
        taken: set[int] = set()
        for a, b, actor in self.gazetteer.match(f.tokens):
            if b == a + 1 and _compass_direction(f.tokens, a, self.gazetteer):
                continue
            start, end = f.tokens[a].start, f.tokens[b - 1].end
            state = self.gazetteer.state_of(actor)
            if state is not None:
                actor = state  # "دولت آمریکا": the government stands for the state
            doc.mentions.append(Mention(f.name, start, end, actor.type, actor.id, "gazetteer", f.text[start:end]))
            taken.update(range(a, b))
        return taken

    def _pattern_mentions(self, doc: Document, f: Field, taken: set[int]) -> None:
        """Names written in Latin script after an organisation word or in quotes ("بانک «First East Export»"),
        and officials named by nationality ("مقامات آمریکایی" stands for the United States)."""
        toks = f.tokens
        i = 0
        while i < len(toks):
            if i in taken:
                i += 1
                continue
            tok = toks[i]
            quoted = self._quoted_name(f, i) if tok.text == "«" else None
            if quoted is not None:
                a, b, label = quoted
                start, end = toks[a].start, toks[b - 1].end
                text = f.text[start:end]
                actor = self.gazetteer.lookup(text)
                eid, label = (actor.id, actor.type) if actor else (provisional_id(label, text), label)
                doc.mentions.append(Mention(f.name, start, end, label, eid, "pattern", text))
                taken.update(range(a, b))
                i = b + 1
                continue
            if tok.text in QUOTES_OPEN or is_org_head(tok.text):
                j = i + 1
                while j < len(toks) and toks[j].text in QUOTES_OPEN:
                    j += 1
                k = j
                while k < len(toks) and _latin_name_word(toks[k].text):
                    k += 1
                if k - j >= 2 or (k - j == 1 and len(toks[j].text) >= 4 and tok.text in QUOTES_OPEN):
                    start, end = toks[j].start, toks[k - 1].end
                    text = f.text[start:end]
                    doc.mentions.append(Mention(f.name, start, end, "ORG", provisional_id("ORG", text), "pattern", text))
                    taken.update(range(j, k))
                    i = k
                    continue
            if tok.text.replace("\u200c", "") in OFFICIALS and i + 1 < len(toks):
                country = demonyms(self.gazetteer).get(toks[i + 1].text.replace("\u200c", ""))
                if country is not None and i + 1 not in taken:
                    start, end = tok.start, toks[i + 1].end
                    doc.mentions.append(Mention(f.name, start, end, "GPE", country, "pattern", f.text[start:end]))
                    taken.update((i, i + 1))
                    i += 2
                    continue
            i += 1

    @staticmethod
    def _quoted_name(f: Field, i: int) -> tuple[int, int, str] | None:
        """«...» right after an organisation or person noun: "شرکت «سپیدموج مارین»", "فرد از جمله «X»"; or a name
        in quotes right before the title it holds, as news agencies write a foreign name: "«برگمان» نایب رئیس
        کمیسیون ...", "«سمیر الخطیب» وزیر کشور اردن"."""
        toks = f.tokens
        if toks[i].text != "«":
            return None
        j = i + 1
        while j < len(toks) and toks[j].text != "»" and toks[j].is_word and j - i <= 6:
            j += 1
        if j >= len(toks) or toks[j].text != "»" or j == i + 1:
            return None
        head = toks[i - 1].text.replace("\u200c", "") if i > 0 else ""
        label = "ORG" if head in ORG_HEADS or head.rstrip("های").rstrip("ها") in ORG_HEADS or head in ORG_PLURALS \
            else "PERSON" if head in PERSON_HEADS else None
        if label is None and j + 1 < len(toks) and is_title_word(toks[j + 1].text) and j - i <= 4 \
                and not any(is_title_word(t.text) or is_org_head(t.text) for t in toks[i + 1:j]):
            label = "PERSON"
        return None if label is None else (i + 1, j, label)

    def _ner_mentions(self, doc: Document, f: Field, taken: set[int]) -> None:
        sentences = [s for s in f.sentences if s.last_token > s.first_token]
        tagged = self.ner.entities_many([t.text for t in f.tokens[s.first_token:s.last_token]] for s in sentences)
        for sent, spans in zip(sentences, tagged):
            for a, b, label in spans:
                if label not in NER_LABELS:
                    continue
                a, b = a + sent.first_token, b + sent.first_token
                # drop a leading title word the tagger sometimes includes ("آقای", "وزیر")
                while a < b and is_title_word(f.tokens[a].text):
                    a += 1
                # a name never runs across quotes, punctuation or a number ("خزانه‌داری آمریکا [پنج فرد]")
                cut = next((k for k in range(a, b) if (not f.tokens[k].is_word and f.tokens[k].text != "-")
                            or parse_number(f.tokens, k) is not None), b)
                b = cut if cut > a else b
                while b > a and f.tokens[b - 1].text.replace(ZWNJ, "") in NEVER_LAST:
                    b -= 1
                if a >= b or not f.tokens[b - 1].is_word or not self._plausible_ner_span(f, a, b, label):
                    continue
                if all(k in taken for k in range(a, b)):
                    continue  # inside a gazetteer match: the gazetteer knows better
                start, end = f.tokens[a].start, f.tokens[b - 1].end
                text = f.text[start:end]
                actor = self.gazetteer.lookup(text) or self._known_org_of_country(f, a, b)
                if actor is not None:
                    mention = Mention(f.name, start, end, actor.type, actor.id, "gazetteer", text)
                else:
                    label_t = NER_LABELS[label]
                    mention = Mention(f.name, start, end, label_t, provisional_id(label_t, text), "ner", text)
                doc.mentions.append(mention)
                taken.update(range(a, b))

    def _plausible_ner_span(self, f: Field, a: int, b: int, label: str) -> bool:
        """Reject what the tagger gets wrong most often in news text: pieces of titles ("وزیر [خارجه روسیه]"),
        quoted verses, coordinations of two known actors, common words, and facilities tagged as places."""
        toks = f.tokens
        first = toks[a].text.replace(ZWNJ, "")
        if b - a > MAX_NER_TOKENS:
            return False
        if a > 0 and (is_title_word(toks[a - 1].text) or toks[a - 1].text.replace(ZWNJ, "") in ("وزارت", "وزارتخانه")) \
                and label == "ORG":
            return False
        if first in TITLE_CONTINUATIONS:
            return False
        if b - a == 1 and lexicon.frequency(first) >= COMMON_WORD_FREQUENCY:
            return False
        if label == "LOC" and first in FACILITY_HEADS:
            return False
        inner = self.gazetteer.match(toks[a:b])
        if len(inner) >= 2 and any(t.text == "و" for t in toks[a:b]):
            return False
        if inner and sum(y - x for x, y, _ in inner) == b - a and not self._known_org_of_country(f, a, b):
            return False  # nothing but names the gazetteer already knows
        if first in STATE_WORDS:
            return False  # "حکومت ایران", "دولت یازدهم", "کابینه ترامپ": a state or an administration
        return True

    def _known_org_of_country(self, f: Field, a: int, b: int):
        """"ستاد کل نیروهای مسلح" + "جمهوری اسلامی": a known organisation named with its own country."""
        inner = self.gazetteer.match(f.tokens[a:b])
        if len(inner) == 2 and inner[0][0] == 0 and inner[1][1] == b - a and inner[0][1] == inner[1][0]:
            org, place = inner[0][2], inner[1][2]
            if org.type == "ORG" and place.type == "GPE" and org.country and org.country == place.country:
                return org
        return None

    def _link_surnames(self, doc: Document) -> None:
        """"شویگو" alone after "سرگئی شویگو": the surname links to the full name in this article."""
        surnames: dict[str, str] = {}
        for m in doc.mentions:
            parts = m.text.split()
            if m.label == "PERSON" and len(parts) >= 2 and not is_title_word(parts[0]) \
                    and lexicon.frequency(parts[-1]) < COMMON_WORD_FREQUENCY:
                surnames.setdefault(key(parts[-1]), m.entity_key)
        if not surnames:
            return
        occupied = {(m.field, i) for m in doc.mentions for i in range(m.start, m.end)}
        for f in doc.fields.values():
            for tok in f.tokens:
                eid = surnames.get(key(tok.text)) if tok.is_word else None
                if eid and (f.name, tok.start) not in occupied:
                    doc.mentions.append(Mention(f.name, tok.start, tok.end, "PERSON", eid, "link", tok.text))
        # single-token NER persons that are a known surname join the full name's entity
        for m in doc.mentions:
            if m.label == "PERSON" and len(m.text.split()) == 1 and key(m.text) in surnames:
                m.entity_key = surnames[key(m.text)]
        doc.mentions.sort(key=lambda m: (m.field != "title", m.start, -m.end))

    def _build_entities(self, doc: Document) -> None:
        # a bare title ("رهبر معظم انقلاب") is not an actor unless the person is also named; organisations
        # whose names open with such a word ("هیئت دولت", "هیئت تحریر الشام") are named
        named = {m.entity_key for m in doc.mentions
                 if m.source == "pattern" or m.label != "PERSON" or not is_title_word(m.text.split()[0])}
        doc.mentions = [m for m in doc.mentions if m.entity_key in named]
        for m in doc.mentions:
            ent = doc.entities.get(m.entity_key)
            if ent is None:
                actor = self.gazetteer.by_id.get(m.entity_key)
                if actor is not None:
                    ent = Entity(actor.id, actor.type, actor.name, actor.name_en, actor.country, actor.cameo,
                                 actor.subtype)
                else:
                    ent = Entity(m.entity_key, m.label, m.text)
                doc.entities[m.entity_key] = ent
            ent.mentions.append(m)
            if m.entity_key not in self.gazetteer.by_id and len(m.text) > len(ent.name):
                ent.name = m.text  # fullest name in the article

    def _record_titles(self, doc: Document) -> None:
        """"NAME، TITLE ...،" or "TITLE NAME": the title phrase stands for the person in this article."""
        for m in doc.mentions:
            if m.label != "PERSON":
                continue
            f = doc.fields[m.field]
            i = f.token_index_at(m.end)
            while i < len(f.tokens) and f.tokens[i].text in ("»", '"', "'", ")"):
                i += 1
            if i < len(f.tokens) and f.tokens[i].text in ("،", ","):
                i += 1
            if i < len(f.tokens) and is_title_word(f.tokens[i].text):
                # "X، معاون رئیس‌جمهور و رئیس سازمان انرژی اتمی، ...": each conjoined title stands for X too
                starts = [i]
                while True:
                    a = starts[-1]
                    j = a
                    while j < len(f.tokens) and f.tokens[j].is_word and j - a < 8:
                        j += 1
                    for end in range(j, a, -1):
                        doc.titles.setdefault(key(f.text[f.tokens[a].start:f.tokens[end - 1].end]), m.entity_key)
                    nxt = next((k + 1 for k in range(a + 1, j) if f.tokens[k].text == "و" and k + 1 < len(f.tokens)
                                and is_title_word(f.tokens[k + 1].text)), None)
                    if nxt is None or len(starts) == 3:
                        break
                    starts.append(nxt)
            first = f.token_index_at(m.start)
            for start in range(max(0, first - 6), first):
                if is_title_word(f.tokens[start].text) and all(t.is_word for t in f.tokens[start:first]):
                    doc.titles.setdefault(key(f.text[f.tokens[start].start:f.tokens[first - 1].end]), m.entity_key)
                    break


def actor_mentions(doc: Document, field: str, start: int, end: int, types=ACTOR_TYPES) -> list[Mention]:
    """Outermost actor mentions inside [start, end)."""
    inside = [m for m in doc.mentions_in(field, start, end) if m.label in types]
    # one sweep by (start, longest first): a mention is dropped when a strictly longer one contains it
    inner: set[int] = set()
    reach, span, reach_before_span = -1, None, -1
    for k in sorted(range(len(inside)), key=lambda k: (inside[k].start, -inside[k].end)):
        m = inside[k]
        if (m.start, m.end) != span:
            span, reach_before_span = (m.start, m.end), reach  # furthest end among strictly longer-or-earlier spans
        if reach_before_span >= m.end:
            inner.add(k)
        reach = max(reach, m.end)
    return [m for k, m in enumerate(inside) if k not in inner]
