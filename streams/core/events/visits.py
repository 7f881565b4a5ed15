"""Visit events: who travels where, hosted by whom, when; occurred or planned.

A visit needs travel or presence somewhere: "سفر X به Y", "وارد Y شد", "راهی/عازم Y",
"در Y مهمان Z بود", "بازدید از Y", "حضور در Y", "در جمع مردم Y", attending a conference held
abroad, or a meeting held in a place that is home to only one side ("X با Y در Z دیدار کرد":
the side from elsewhere is the visitor).  A meeting with no travel and sports fixtures are not
visits.  One event per visitor and trip.  A visitor named only by a title that the article
gives a name elsewhere ("سرگئی شویگو، وزیر دفاع روسیه" ... "سفر وزیر دفاع روسیه به تهران")
is reported by name, marked `inferred`.
"""
from __future__ import annotations

from streams.core.actors.recognizer import FACILITY_HEADS, PERSON_HEADS, PLACE_NOUNS, is_title_word
from streams.core.events.clauses import (HOME_COUNTRY, OUR_COUNTRY, QUOTES, ZWNJ, Placed, SentenceView,
                                        place_span, preceding_places, sentences)
from streams.core.events.cues import cues, phrases
from streams.core.text.dates import date_near
from streams.core.document import Argument, Document, Event, Span
from streams.core.actors.gazetteer import default_gazetteer
from streams.core.text.normalize import key
from streams.core.text.numbers import parse_number
from streams.core.text.verbs import LIGHT_VERBS, analyse, verb_at
from streams.core.events.triggers import triggers_in

# Visit words come from the trigger lexicon by lemma (streams/data/events/triggers.tsv): "travel" nouns
# (سفر, مسافرت, عزیمت ...) and verbs (آمدن, رفتن, رسیدن ...), "arrival"/"departure" preverbs (وارد, عازم, راهی ...),
# "presence", "inspection", "venue".  The other word classes, by lemma, from streams/data/events/cues.tsv.
GUEST = cues("visit.guest")
MEETING = cues("visit.meeting")
TENURE_WORDS = cues("visit.tenure")
SPORTS = cues("visit.sports")
PAST_CONTEXT = phrases("visit.past_context")
FUTURE = cues("visit.future")
MEMBERSHIP = cues("visit.membership")
COPULA = cues("visit.copula")
BEEN = cues("visit.been")
STOP_WORDS = cues("visit.stop_word") | MEMBERSHIP
CONDITIONAL = cues("conditional")
BIOGRAPHY = cues("visit.biography")
RUMOUR = cues("visit.rumour")
TOPIC_MARKERS = cues("visit.topic_marker")
LOCAL_COUNCILS = phrases("visit.local_council")
SESSIONS = cues("visit.session")
CEREMONIES = cues("visit.ceremony")
CEREMONY_ACTS = cues("visit.ceremony_act")
LOCAL_TITLES = cues("visit.local_title")
POSTING = cues("visit.posting")
INVITATION = cues("visit.invitation")
TIME_UNITS = cues("visit.time_unit")
HOST_MARKERS = cues("visit.host_marker")
HOST_PLACE = cues("visit.host_place")
PLURAL_TITLES = cues("visit.plural_title")
MEMBER_TITLES = cues("visit.member_title")
SEVERAL_STATES = cues("visit.several_states")
NOT_SUBJECT_BEFORE = cues("visit.not_subject_before") | HOST_MARKERS
PARTITIVE = cues("visit.partitive")
FIRST_PERSON = cues("visit.first_person")
SPEECH_VERBS = cues("speech")
PLACE_TYPES = ("GPE", "ORG")
INSTITUTION_HEADS = cues("visit.institution")
SITE_HEADS = INSTITUTION_HEADS | FACILITY_HEADS
PLACE_HEADS = cues("visit.place_head")
RESIDENT_TITLES = cues("visit.resident_title")
ANAPHORS = {**{ph: "country" for ph in phrases("visit.anaphor.country")},
            **{ph: "city" for ph in phrases("visit.anaphor.city")}}
POSSESSED_COUNTRY = cues("visit.possessed_country")
DELEGATIONS = cues("visit.delegation")
COMPANY = phrases("visit.companion")
WHOLE_TITLES = cues("visit.whole_title")


class _Visit:
    def __init__(self, view: SentenceView, trigger: int):
        self.view, self.trigger = view, trigger
        self.visitors: list[Argument] = []
        self.destination: Argument | None = None
        self.hosts: list[Argument] | None = None   # None: the sentence's host phrase, if any ([]: nobody hosted)
        self.origin: Argument | None = None
        self.origin_start = 0
        self.attrs: dict = {}



def _place_after(view: SentenceView, i: int, limit: int = 2, types: tuple[str, ...] = PLACE_TYPES) -> Argument | None:
    """The place named right after token i, past a place noun or a quote at most ("به شهر «مشهد»"): an actor, or
    an anaphor ("این کشور") resolved backwards."""
    for p in view.actors:
        if i <= p.first <= i + limit and p.mention.label in types and not p.is_media and not p.is_bloc:
            if all(view.word(k) in PLACE_HEADS or view.word(k) in QUOTES for k in range(i, p.first)):
                return p.argument("destination")
            return None   # "به ریاست جمهوری آمریکا": the place belongs to another noun
    for (w1, w2), kind in ANAPHORS.items():
        at = view.has_phrase((w1, w2), i, i + limit + 2)
        if at is not None:
            return _resolve_anaphor(view, at, kind)
    # "به محل برگزاری اجلاس سران در لیما": the place of the meeting named there
    if view.word(i) == "محل" and view.word(i + 1) == "برگزاری" and _is(view, i + 2, "venue"):
        held = _venue_place(view, i + 2)
        return held.argument("destination") if held is not None and held.mention.label in types else None
    return None


def _resolve_anaphor(view: SentenceView, at: int, kind: str) -> Argument | None:
    found = preceding_places(view, at, ("country",) if kind == "country" else ("city", "capital"))
    return Argument("destination", found[0].entity_key, place_span(found[0]), inferred=True) if found else None


def _origin(view: SentenceView, a: int, b: int) -> Argument | None:
    """"سفر X از تهران به مسکو": where the trip starts, when stated."""
    for p in view.actors:
        if a <= p.first < b and p.mention.label == "GPE" and view.word(p.first - 1) == "از":
            return p.argument("origin")
    return None


def _origin_and_subjects(view: SentenceView, to: int) -> tuple[Argument | None, list[Argument]]:
    """"X از مسکو به پکن رفت/سفر کرد", "به" at token `to`: where the trip starts, and who travels (the
    subjects before the origin)."""
    origin = _origin(view, max(view.first, to - 6), to)
    return origin, _subjects(view, to if origin is None else view.field.token_index_at(origin.span.start) - 1)


def _duration(view: SentenceView, a: int, b: int) -> str | None:
    for i in range(a, b):
        w = view.word(i)
        if w.endswith("روزه") and len(w) > 4:
            return view.tokens[i].text
    return None


def delegation_continues(view: SentenceView, i: int) -> int:
    """Where the words naming the delegation at token i go on: past its "از" ("هیئتی از وزارت نفت عراق"), and
    past the membership words of a delegation named by nothing else ("هیئتی متشکل از کارشناسان وزارت نفت")."""
    if view.word(i + 1) == "از":
        return i + 2
    if view.word(i + 1) in MEMBERSHIP and view.word(i + 2) == "از":
        return i + 3
    return i + 1


def _title_span(view: SentenceView, i: int, plural: bool = False) -> tuple[int, int] | None:
    """A title phrase starting at token i ("وزیر خارجه چین", or a title complete in one word: "رئیس‌جمهور"); a
    delegation takes its "از X" ("هیئتی از وزارت نفت عراق"); `plural`: a plural title may start it too."""
    delegation = view.word(i) in DELEGATIONS
    if not (delegation or is_title_word(view.tokens[i].text) or plural and view.word(i) in PLURAL_TITLES):
        return None
    j = delegation_continues(view, i) if delegation else i + 1
    while j < view.last and view.tokens[j].is_word and view.word(j) not in STOP_WORDS and j - i < 7 \
            and not any(p.first == j and p.mention.label == "PERSON" for p in view.actors):
        j += 1
    # a title is complete with the country or body it names: "وزیر کشور اردن [اواخر ماه ...]", all of it: "رئیس
    # پلیس بین‌الملل نیروی انتظامی جمهوری اسلامی ایران"
    inner = [p.last for p in view.actors if i < p.first < j and p.mention.label in ("GPE", "ORG")]
    if inner:
        j = max(inner)
    if j == i + 1 and view.word(j) == "و" and not delegation:
        # "وزیر و برخی از معاونان وزارت جهاد کشاورزی": a title word joined to the title phrase that completes it
        k = j + 3 if view.word(j + 1) in PARTITIVE and view.word(j + 2) == "از" else j + 1
        joined = _title_span(view, k, plural=True) if k < view.last and view.word(k) not in DELEGATIONS else None
        return (i, joined[1]) if joined else None
    return (i, j) if j - i >= 2 or view.word(i) in WHOLE_TITLES else None


def _title_argument(view: SentenceView, role: str, a: int, b: int) -> Argument:
    """A title phrase as an argument; by name when the article names its holder elsewhere."""
    span = view.span(a, b)
    if view.word(a) in PLURAL_TITLES:
        return Argument(role, None, span)
    eid = _title_holder(view.doc, key(view.doc.text_of(span))) or _anaphoric_title_holder(view, a, b) or \
        _sole_compatriot(view, a, b)
    if eid and eid in view.doc.entities:
        named = max(view.doc.entities[eid].mentions, key=lambda m: m.end - m.start)
        return Argument(role, eid, Span(named.field, named.start, named.end), inferred=True)
    return Argument(role, eid, span)


def _title_holder(doc: Document, title: str) -> str | None:
    """Who the article gave this title (a key) in apposition; "رئیس سازمان انرژی اتمی ایران" is the one it called
    "رئیس سازمان انرژی اتمی کشورمان" (the outlets' "our country" is Iran)."""
    eid = doc.titles.get(title)
    if eid is not None:
        return eid
    home = default_gazetteer().by_id[HOME_COUNTRY]
    for name in {key(n) for n in (home.name, *home.aliases)}:
        if title.endswith(name) and len(title) > len(name):
            for ours in OUR_COUNTRY:
                eid = doc.titles.get(title[:-len(name)] + ours)
                if eid is not None:
                    return eid
    return None


def _sole_compatriot(view: SentenceView, a: int, b: int) -> str | None:
    """"وزیر خارجه ایران" when the article names exactly one person from Iran: that person."""
    doc = view.doc
    countries = {p.mention.entity_key for p in view.actors if a <= p.first < b and p.mention.label == "GPE"}
    homes = {doc.entities[c].country for c in countries if c in doc.entities and doc.entities[c].country}
    if len(homes) != 1:
        return None
    people = [e.id for e in doc.entities.values() if e.type == "PERSON" and e.country in homes]
    return people[0] if len(people) == 1 else None


def _anaphoric_title_holder(view: SentenceView, a: int, b: int) -> str | None:
    """"رئیس‌جمهور این کشور": the title with the country the anaphor refers to (the last one named before it),
    as the article gave it to someone in apposition ("X، رئیس‌جمهور اندونزی")."""
    for (w1, w2), kind in ANAPHORS.items():
        at = view.has_phrase((w1, w2), a + 1, b)
        if at is not None and kind == "country":
            country = preceding_places(view, at, ("country",))
            if country:
                named = view.doc.text_of(place_span(country[0]))   # "اندونزی" of "دولت اندونزی"
                return _title_holder(view.doc, key(view.doc.text_of(view.span(a, at))) + key(named))
    return None


def _person_or_title(view: SentenceView, role: str, a: int, b: int) -> Argument | None:
    """The first person, title phrase ("وزیر امور خارجه روسیه", not the ministry inside it) or organisation."""
    starts = {p.first: p for p in view.actors if a <= p.first and p.last <= b and p.mention.label in ("PERSON", "ORG")
              and not p.is_media}
    for i in range(a, b):
        if i in starts and starts[i].mention.label == "PERSON":
            return starts[i].argument(role)
        t = _title_span(view, i)
        if t:
            return _title_argument(view, role, *t)
        if i in starts:
            return starts[i].argument(role)
    return None


def _subjects_country(view: SentenceView, i: int) -> Argument | None:
    """"چاوز، رئیس‌جمهور ونزوئلا، که در پایان سفر احمدی‌نژاد به کشورش ...": the country of the clause's
    subject, where the sentence names it (the genitive travelled there; the subject's own trip there is a
    return home, which `merge` drops)."""
    for subject in _subjects(view, i):
        home = _home(view.doc, subject)
        named = [p for p in view.actors if p.first < i and p.mention.label == "GPE"
                 and _place_country(view.doc, p.argument("destination")) == home
                 and getattr(default_gazetteer().by_id.get(p.mention.entity_key), "subtype", None) == "country"]
        if home and named:
            return Argument("destination", named[-1].mention.entity_key, place_span(named[-1].mention), inferred=True)
    return None


def _is_organisation(doc: Document, arg: Argument) -> bool:
    return bool(arg.entity_id) and arg.entity_id in doc.entities and doc.entities[arg.entity_id].type == "ORG"


def _plural(text: str) -> bool:
    """A noun in the plural with "ها" ("هواپیماهای", "اسرائیلی‌ها"), ezafe or not; not "منطقه‌ای"."""
    return text.endswith(("ها", "های")) and not text.endswith(ZWNJ + "ای")


def _counted(view: SentenceView, i: int) -> bool:
    """A numeral at token i counting things ("سه فروند بالگرد"), not time ("دو روزه", "سه هفته")."""
    number = parse_number(view.tokens, i)
    return number is not None and view.word(number[1]) not in TIME_UNITS


def _excluded_before(view: SentenceView, i: int) -> bool:
    """Not a subject: after "با", "به", "از", or a host ("به دعوت رسمی X")."""
    j, prev = view.prev_word(i)
    if prev == "از":
        return view.word(j - 1) not in PARTITIVE  # "پنج تن از نمایندگان": partitive, still the subject
    if prev == "رسمی":
        prev = view.word(j - 1)
    return prev in NOT_SUBJECT_BEFORE


def members_listed(view: SentenceView) -> frozenset[int]:
    """Tokens of the member lists of delegations ("هیئت ترک متشکل از ۳۰۰ بازرگان، کارشناس بانکی و نمایندگان مجلس
    است که ..."): from the membership word to the next verb or "که" (not where they are all that names the
    delegation: "هیئتی متشکل از کارشناسان وزارت نفت"); once per sentence, the subject rules ask for it often."""
    cached = getattr(view, "_visit_members", None)
    if cached is not None:
        return cached
    out: set[int] = set()
    for at in view.find(MEMBERSHIP):
        if view.word(at - 1) in DELEGATIONS:
            continue
        k = at + 1
        while k < view.last and view.word(k) != "که" and not _finite_verb(view, k):
            out.add(k)
            k += 1
    view._visit_members = frozenset(out)
    return view._visit_members


def _antecedent(view: SentenceView, ke: int, width: int = 10) -> Argument | None:
    """What the relative clause opened by "که" at token `ke` describes: the person before it, also across the
    apposition that gives their title ("X، وزیر خارجه Y، که ..."), else a title phrase ending there; not across
    another verb.  Whatever governs the phrase ("با X که ..."), the clause describes X."""
    members = members_listed(view)
    if ke - 1 in members or ke - 2 in members and view.word(ke - 1) in COPULA:
        # "هیئت ترک متشکل از ۳۰۰ بازرگان ... و نمایندگان مجلس است که ...": the delegation, not its last member
        ke = min(k for k in members if k < ke and all(j in members for j in range(k, ke - 1))) - 1
        width = 8
    lo = max(view.clause_start(ke - 1), ke - width)
    verbs = [k for k in range(lo, ke) if view.tokens[k].is_word and analyse(view.word(k)) is not None]
    lo = max([lo] + [k + 1 for k in verbs])
    people = [p for p in view.actors if p.mention.label == "PERSON" and lo <= p.first and p.last <= ke]
    if people:
        return max(people, key=lambda p: p.last).argument("visitor")
    for i in range(lo, ke):
        t = _title_span(view, i)
        if t and t[1] >= ke - 1:
            return _title_argument(view, "visitor", *t)
    return None


def _subjects(view: SentenceView, before: int) -> list[Argument]:
    """Persons (or a title phrase) in subject position before the trigger, in the trigger's clause.
    A relative clause ("X که ... سفر کرده است") takes the person it describes."""
    opened = view.clause_start(before)
    clause = _after_finished_clause(view, opened, before)
    members = members_listed(view)
    out = [p.argument("visitor") for p in view.actors if clause <= p.first < before and p.mention.label == "PERSON"
           and not _excluded_before(view, p.first) and p.first not in members]
    # "X که ... در وین به سر می‌برد، امروز با Y دیدار کرد": past the relative clause, X is the subject again
    if not out and opened > view.first and view.word(opened - 1) == "که":
        antecedent = _antecedent(view, opened - 1)
        if antecedent is not None:
            return [antecedent]
    if not out and view.find(FIRST_PERSON, clause, before):
        speaker = _speaker(view, clause)
        if speaker is not None:
            return [speaker]
    if not out:
        excluded_ends = {p.last for p in view.actors if p.mention.label == "PERSON" and _excluded_before(view, p.first)}
        for i in range(clause, before):
            t = None if i in members else _title_span(view, i)
            if t and not _excluded_before(view, i) and i not in excluded_ends:
                out.append(_title_argument(view, "visitor", *t))
                break
    return out


def _after_finished_clause(view: SentenceView, lo: int, hi: int) -> int:
    """Where the last clause ended by a finite verb and a comma between tokens lo and hi leaves off: "در حالی
    که X در ابوظبی به سر می‌برد، Y به ریاض رفت" (X's clause is over before Y's trip; "و" after a verb-like word
    may join a compound: "گفت و گو")."""
    for k in range(hi - 2, lo - 1, -1):
        if view.tokens[k + 1].text in ("،", ",") and _finite_verb(view, k):
            return k + 2
    return lo


def _finite_verb(view: SentenceView, k: int) -> bool:
    """Token k is a verb form that can end a clause (not an infinitive: "نهایی شدن")."""
    form = analyse(view.word(k)) if view.tokens[k].is_word else None
    return form is not None and form.tense != "infinitive"


def _speaker(view: SentenceView, before: int) -> Argument | None:
    """"X افزود: «من ..." : the person right before the first speech verb ahead of token `before`."""
    speech = view.find(SPEECH_VERBS, view.first, before)
    if not speech:
        return None
    people = [p for p in view.actors if p.mention.label == "PERSON" and p.last <= speech[0] and speech[0] - p.last <= 3]
    return people[-1].argument("visitor") if people else None


def _hosts(view: SentenceView) -> list[Argument]:
    hosts = []
    for p in view.actors:
        _, prev = view.prev_word(p.first)
        if p.mention.label in ("PERSON", "ORG") and prev in HOST_MARKERS | {"رسمی"}:
            if prev == "رسمی" and view.word(p.first - 2) not in HOST_MARKERS:
                continue
            hosts.append(p.argument("host"))
    return hosts


def _classes(view: SentenceView) -> dict[int, tuple[str, str]]:
    """token index -> (class, kind) of the visit triggers in the sentence, computed once per view."""
    cached = getattr(view, "_visit_classes", None)
    if cached is None:
        cached = {t.index: (t.cls, t.kind) for t in triggers_in(view.words, view.first, event="visit")}
        view._visit_classes = cached
    return cached


def _is(view: SentenceView, i: int, cls: str | tuple[str, ...], kind: str | None = None) -> bool:
    got = _classes(view).get(i)
    return got is not None and got[0] in ((cls,) if isinstance(cls, str) else cls) and (kind is None or got[1] == kind)


def _light_verb(view: SentenceView, i: int) -> bool:
    """"کرد", "می‌کند", "خواهد کرد", "کرده بود": a light verb (or the future auxiliary) at token i."""
    form = analyse(view.word(i)) if view.word(i) else None
    return form is not None and (form.past in LIGHT_VERBS or form.present == "خواه")


def _verb_is_nonpast(view: SentenceView, i: int, width: int = 4) -> bool:
    """A present, subjunctive or future verb right after token i ("راهی ... می‌شود", "سفر کند", "خواهد رفت")."""
    words = view.words
    for k in range(i - view.first, min(len(words), i - view.first + width)):
        if analyse(words[k]) is None:
            continue
        phrase = verb_at(words, k)
        if phrase is not None and (phrase.future or phrase.form.tense == "present"):
            return True
    return False


def _told_in_past(view: SentenceView, trigger: int) -> bool:
    """The trigger is a past verb ("رفت", "آمده بود"), or the noun of one ("سفر کرد", "وارد شده است")."""
    words = view.words
    for k in (trigger, trigger + 1):
        if k >= view.last or (k > trigger and not _light_verb(view, k)):
            continue
        phrase = verb_at(words, k - view.first) if analyse(view.word(k)) else None
        if phrase is not None and not phrase.future and (phrase.form.tense == "past" or phrase.perfect):
            return True
    return False


def _planned(view: SentenceView, trigger: int, after: int = 6) -> bool:
    """Future or intention before the trigger ("قرار است ... سفر") beats past context ("در جریان سفر"),
    which beats future words just after it; a present "راهی ... می‌شود" or subjunctive "سفر کند" is planned."""
    clause, hi = view.clause_start(trigger), min(view.last, trigger + after + 1)
    if view.has_phrase(("قرار", "است"), clause, trigger) is not None or view.find(FUTURE, clause, trigger):
        return True
    # "در پی سفر ..."، "در جریان سفر ...": the trip is the background of something else, so it happened
    if any(view.has_phrase(ph, trigger - len(ph) - 1, trigger) is not None for ph in PAST_CONTEXT):
        return False
    # "به شیراز سفر کرد و فردا به یاسوج می‌رود": the trigger's own past verb tells this trip; later words another
    if _told_in_past(view, trigger):
        return False
    if view.has_phrase(("قرار", "است"), trigger, hi) is not None or view.find(FUTURE, trigger, hi):
        return True
    if view.has_phrase(("پیش", "از", "سفر"), clause, hi) is not None:
        return True
    if view.word(trigger - 1) == "با" and _is(view, trigger, "presence"):
        return _clause_verb_is_nonpast(view, trigger)
    return _verb_is_nonpast(view, trigger) and \
        (_is(view, trigger, ("departure", "arrival", "travel", "presence", "inspection")))


def _clause_verb_is_nonpast(view: SentenceView, i: int, reach: int = 16) -> bool:
    """"[مراسم] با حضور وزیر فرهنگ ... پنجم اسفند آغاز می‌شود": "با حضور X" is told by the verb that ends its
    clause, past the named person and the date: a present or future one plans the presence."""
    for k in range(i + 1, min(view.last, i + reach)):
        if view.tokens[k].text in ("،", ",", ":", "؛") or view.word(k) == "که":
            return False
        phrase = verb_at(view.words, k - view.first) if analyse(view.word(k)) else None
        if phrase is not None and phrase.form.tense != "infinitive":
            return phrase.future or phrase.form.tense == "present"
    return False


def _home(doc: Document, arg: Argument, titles: bool = True) -> str | None:
    """The country an actor belongs to: gazetteer country, or a country named in its title (the one it is given
    in the argument's text, and with `titles` those the article gives it in apposition, which may run on: the
    shortest naming a country names the first, "معاون رئیس‌جمهور وقت آمریکا [را به ایران ...]")."""
    if arg.entity_id and arg.entity_id in doc.entities and doc.entities[arg.entity_id].country:
        return doc.entities[arg.entity_id].country
    for text in _described_as(doc, arg, titles):
        home = _country_named_in(doc, text)
        if home is not None:
            return home
    return None


def _described_as(doc: Document, arg: Argument, titles: bool = True) -> list[str]:
    """The argument's text (a key), then (`titles`) the titles the article gives its actor, shortest first."""
    texts = [key(doc.text_of(arg.span))]
    if arg.entity_id and titles:
        texts += sorted((t for t, eid in doc.titles.items() if eid == arg.entity_id), key=len)
    return texts


def _posted_there(doc: Document, visitor: Argument, place: Argument) -> bool:
    """"سفیر آمریکا در سوریه ... در دمشق": an envoy is at home in the country and the capital of the posting
    (a tour of its provinces is a trip: "سفیر ژاپن در ایران از منطقه آزاد ماکو بازدید کرد")."""
    actor = default_gazetteer().by_id.get(place.entity_id) if place.entity_id else None
    if actor is None or actor.subtype not in ("country", "capital"):
        return False
    posted = _posted_in(doc, visitor)
    return posted is not None and posted == _place_country(doc, place)


def _posted_in(doc: Document, arg: Argument) -> str | None:
    """"سفیر آمریکا در سوریه": the country someone is posted in, by the argument's text or the shortest title the
    article gives them that says it."""
    for text in _described_as(doc, arg):
        if not any(text.startswith(t) for t in RESIDENT_TITLES):
            continue
        for ent, names in _mention_keys(doc):
            if ent.type == "GPE" and ent.country and any(text[:text.find(k)].endswith("در") for k in names
                                                         if k in text):
                return ent.country
    return None


def _country_named_in(doc: Document, text: str) -> str | None:
    gazetteer = default_gazetteer()
    bodies = regions = None
    for ent, names in _mention_keys(doc):
        if not any(k in text for k in names if k != text):
            continue
        actor = gazetteer.by_id.get(ent.id)
        if ent.type == "GPE" and actor and actor.subtype == "country":
            return ent.country          # "وزیر خارجه چین", "هیئتی از وزارت نفت عراق": the country named
        if ent.type == "ORG" and ent.country:
            bodies = bodies or ent.country   # "رئیس مجلس روسیه": the country of the body named
        elif ent.type == "GPE" and ent.country:
            regions = regions or ent.country   # "مقامات اقلیم کردستان عراق": the country of the region named
    return bodies or regions


def _mention_keys(doc: Document) -> list[tuple]:
    """(entity, keys of its mentions) for every entity of the document, computed once per document (the rules ask
    for an actor's home pair by pair)."""
    cached = getattr(doc, "_visit_mention_keys", None)
    if cached is None or cached[0] != len(doc.mentions):
        cached = (len(doc.mentions), [(ent, [key(m.text) for m in ent.mentions]) for ent in doc.entities.values()])
        doc._visit_mention_keys = cached
    return cached[1]


def _place_country(doc: Document, arg: Argument) -> str | None:
    """The country a place is in: its entity's, else that of the last country or city the gazetteer knows among
    its words ("بندر دوحه قطر", a place found whole with no country of its own)."""
    if arg.entity_id and arg.entity_id in doc.entities and doc.entities[arg.entity_id].country:
        return doc.entities[arg.entity_id].country
    field = doc.fields[arg.span.field]
    inside = field.tokens[field.token_index_at(arg.span.start): field.token_index_at(arg.span.end - 1) + 1]
    gazetteer = default_gazetteer()
    for k in range(len(inside) - 1, -1, -1):   # the last word first: "منامه بحرین" is in Bahrain
        actor = gazetteer.lookup(inside[k].text)
        if actor is not None and actor.type == "GPE" and actor.country:
            return actor.country
    # "X واقع در ایالت پنجاب هند": where the text locates it
    after = field.token_index_at(arg.span.end)
    if after + 2 < len(field.tokens) and key(field.tokens[after].text) == "واقع" \
            and key(field.tokens[after + 1].text) == "در":
        at = field.tokens[after + 2].start
        within = next((m for m in doc.mentions_in(arg.span.field, at, at + 200) if m.start == at and m.label == "GPE"),
                      None)
        if within is not None:
            return _place_country(doc, Argument("destination", within.entity_key, Span(within.field, within.start,
                                                                                      within.end)))
    return None


def _located_place(view: SentenceView, near: int, width: int = 8) -> Placed | None:
    """"در Y" closest to token `near` (within `width`), in the same clause."""
    clause = view.clause_start(near)
    return min((p for p in view.actors if _after_dar(view, p.first) and p.mention.label == "GPE"
                and clause <= p.first and abs(p.first - near) <= width and not _of_resident_title(view, p.first - 1)),
               key=lambda p: abs(p.first - near), default=None)


def _after_dar(view: SentenceView, i: int) -> bool:
    """"در" governs token i, maybe across an opening quote ("در «لیسبون»")."""
    return view.word(i - 1) == "در" or view.word(i - 1) in QUOTES and view.word(i - 2) == "در"


def _of_resident_title(view: SentenceView, at: int) -> bool:
    """"سفیر ژاپن در مکزیک": the "در" at token `at` ends the title of someone posted there, not a place the
    event happens in."""
    return any(view.word(k) in RESIDENT_TITLES for k in range(max(view.first, at - 4), at))


def _meeting_visit(view: SentenceView, i: int, width: int = 11) -> _Visit | None:
    """"X با Y در Z دیدار": a visit when Z is the home of exactly one side (Z within `width` tokens of i)."""
    doc = view.doc
    place = _located_place(view, i, width) or _place_of_meeting_around(view, i) or _where_staying(view, i)
    if place is None:
        return _met_at_organisation(view, i)
    partner = None
    # "دیدار «X» نخست‌وزیر هند با Y": past the genitive side and its title, not past a place after the noun
    until = min(view.last, i + 10, place.first if place.first > i else view.last)
    for j in view.find({"با"}, max(view.first, i - 12), until):
        partner = _person_or_title(view, "visitor", j + 1, min(view.last, j + 8))
        if partner:
            break
    if partner is None:
        return _joint_meeting_abroad(view, i, place)
    with_at = view.find({"با"}, view.first, view.last)[0]
    subjects = [a for a in _subjects(view, min(i, with_at)) if _identity(doc, a) != _identity(doc, partner)]
    if not subjects and i < with_at:   # "پس از دیدار X با Y در نیویورک": the genitive is the other side
        genitive = _person_or_title(view, "visitor", i + 1, with_at)
        subjects = [genitive] if genitive and _identity(doc, genitive) != _identity(doc, partner) else []
    if not subjects:
        return None
    subject = subjects[0]
    place_arg = place.argument("destination")
    place_country = _place_country(doc, place_arg)
    subject_home, partner_home = _home(doc, subject), _home(doc, partner)
    if not place_country:
        return None
    v = _Visit(view, i)
    v.destination = place_arg
    if partner_home and partner_home != place_country and subject_home == place_country:
        v.visitors, host = [partner], subject
    elif subject_home and subject_home != place_country and partner_home == place_country:
        v.visitors, host = [subject], partner
    elif subject_home == place_country and partner_home is None and partner.entity_id:
        # "لاوروف در دیدار با ایرو در مسکو": a named guest the article ties to no country, met at the host's home
        v.visitors, host = [partner], subject
    elif subject_home is None and subject.entity_id and partner_home and partner_home != place_country:
        # "باسیل در نشست با چاووش‌اوغلو، وزیر خارجه ترکیه، در بیروت": the side from elsewhere came, the other hosted
        v.visitors, host = [partner], subject
    elif subject_home and partner_home and place_country not in (subject_home, partner_home):
        v.visitors, host = [subject, partner], None     # both sides met abroad: both visited Z
    else:
        return None
    v.hosts = [Argument("host", host.entity_id, host.span, host.inferred)] if host else []
    return v


def _met_at_organisation(view: SentenceView, i: int, reach: int = 20) -> _Visit | None:
    """"X در دیدار Y که در حاشیه نشست مجمع عمومی سازمان ملل متحد برگزار شد": a meeting on the sidelines of an
    international organisation's session, at no place the sentence names: both sides came to the organisation
    (nobody is at home there)."""
    venue = next(iter(_sideline_venues(view, i, reach)), None)
    if venue is None or any(_finite_verb(view, k) for k in range(i + 1, venue)):
        return None
    gazetteer = default_gazetteer()
    org = next((p for p in view.actors if venue < p.first <= venue + 5 and p.mention.label == "ORG"
                and getattr(gazetteer.by_id.get(p.mention.entity_key), "subtype", None) == "intl_org"), None)
    if org is None:
        return None
    with_at = next(iter(view.find({"با"}, i + 1, min(view.last, i + 3))), None)
    partner = _person_or_title(view, "visitor", (with_at if with_at is not None else i) + 1, min(venue, i + 10))
    sides = _subjects(view, i) + ([partner] if partner else [])
    if len({_identity(view.doc, a) for a in sides}) < 2:
        return None
    v = _Visit(view, i)
    v.visitors, v.destination, v.hosts = sides, org.argument("destination"), []
    return v


def _visitors_from_abroad(view: SentenceView, i: int, before: int, place: Placed) -> _Visit | None:
    """The subjects before token `before` whose home differs from the country of `place`: visitors there."""
    place_arg = place.argument("destination")
    country = _place_country(view.doc, place_arg)
    subjects = _subjects(view, before) or (
        _subject_after(view, place.last) if place.mention.field == view.field.name and
        view.first <= place.first < view.last else [])
    visitors = [a for a in subjects if country and _home(view.doc, a) and _home(view.doc, a) != country]
    if not visitors:
        return None
    v = _Visit(view, i)
    v.visitors, v.destination = visitors, place_arg
    # "با Y" hosts only when Y may be at home there: a partner from a third country met them abroad
    v.hosts = [h for h in _hosts(view) if _home(view.doc, h) in (None, country)]
    return v


def _members_met(view: SentenceView, i: int, reach: int = 24) -> _Visit | None:
    """"وزرای دارایی گروه هفت روز شنبه در توکیو ...", "اعضای ناتو فردا در ورشو تشکیل جلسه می‌دهند": the
    office holders of several states (a body of states, or "کشورهای ...", in their title), the subject, in a
    place: each came there to meet."""
    if _excluded_before(view, i):
        return None
    j = i + 1
    while j < view.last and (view.tokens[j].is_word or view.tokens[j].text.isdigit()) \
            and view.word(j) not in STOP_WORDS and j - i < 8:   # "سران 27 کشور عضو ناتو"
        j += 1
    doc = view.doc
    bodies = [p for p in view.actors if i < p.first < j and p.mention.label == "ORG" and not p.is_media
              and not (p.mention.entity_key in doc.entities and doc.entities[p.mention.entity_key].country)]
    if not bodies and not view.find(SEVERAL_STATES, i + 1, j):
        return None
    group = Argument("visitor", None, view.span(i, max([j] + [p.last for p in bodies if p.last <= j + 2])))
    if _home(doc, group) is not None:
        return None
    group_end = view.field.token_index_at(group.span.end - 1) + 1
    place = _located_place(view, group_end, reach)
    if place is None or place.first < group_end or view.find({"که"}, group_end, place.first):
        return None
    v = _Visit(view, i)
    v.visitors, v.destination = [group], place.argument("destination")
    return v


def _subject_after(view: SentenceView, start: int, width: int = 8) -> list[Argument]:
    """The subjects after a fronted place ("در حاشیه نشست باکو، وزیر نفت الجزایر ... گفت"): the first person or
    title from token `start` on, before the clause's next verb, and so on in each clause joined to it by "و"."""
    out: list[Argument] = []
    while start < view.last:
        verb = next((k for k in range(start, min(view.last, start + 2 * width)) if _finite_verb(view, k)), None)
        found = _person_or_title(view, "visitor", start, min(view.last, start + width, verb or view.last))
        if found is None or _excluded_before(view, view.field.token_index_at(found.span.start)):
            break
        out.append(found)
        # "... اطمینان داد و وزیر نفت روسیه نیز ... تأیید کرد": the next clause joined by "و" shares the place
        start = verb + 2 if verb is not None and view.word(verb + 1) == "و" else view.last
    return out


def _joint_meeting_abroad(view: SentenceView, i: int, place: Placed) -> _Visit | None:
    """"X و همتای نروژی او در اسلو دیدار کردند": the subjects met in Z; whoever is from elsewhere visited Z."""
    if view.find({"با"}, view.clause_start(i), i):
        return None
    return _visitors_from_abroad(view, i, min(i, place.first), place)


def _venue_place(view: SentenceView, i: int) -> Placed | None:
    """The place a meeting named at token i is held: "کنفرانس امنیتی مونیخ", "نشست وزیران ... در رم"."""
    after = next((p for p in view.actors if i < p.first <= i + 5 and p.mention.label == "GPE"), None)
    if after is not None:
        return after
    located = _located_place(view, i, 10)
    return located if located is not None and located.first > i else None


def _where_staying(view: SentenceView, i: int) -> Placed | None:
    """"X که برای کنفرانسی در وین به سر می‌برد، امروز با Y دیدار کرد": the place where the sentence has someone
    staying before a meeting at token i (the meeting is there)."""
    stays = [k for k, (cls, _) in _classes(view).items() if cls == "stay" and k < i]
    return _located_place(view, max(stays), 5) if stays else None


def _place_of_meeting_around(view: SentenceView, i: int, reach: int = 20) -> Placed | None:
    """"دیدار X با Y در حاشیه اجلاس سران گروه بیست در بالی": a meeting at token i is where the
    meeting named after it in "در حاشیه/جریان ..." is held."""
    return next((_venue_place(view, k) for k in _sideline_venues(view, i, reach)
                 if view.clause_start(k) == view.clause_start(i)), None)


def _sideline_venues(view: SentenceView, i: int, reach: int) -> list[int]:
    """The venue words within `reach` after token i that "در حاشیه/جریان" introduces, in order."""
    return [k for k, (cls, _) in sorted(_classes(view).items()) if i < k <= i + reach and cls == "venue"
            and view.word(k - 1) in ("حاشیه", "جریان") and view.word(k - 2) == "در"]


def _council_at(view: SentenceView, i: int) -> int | None:
    """Where the name of a local council starting at token i ends, if one does."""
    for phrase in LOCAL_COUNCILS:
        if view.has_phrase(phrase, i, i + len(phrase)) == i:
            return i + len(phrase)
    return None


def _council_session(view: SentenceView, i: int) -> _Visit | None:
    """"X صبح امروز در جلسه شورای اداری شهرستان Y گفت": an official at the session of a county's (city's,
    province's) council who is not its own (not titled with Y) came there on a tour."""
    end = _council_at(view, i + 1)
    place = next((p.argument("destination") for p in view.actors if end <= p.first <= end + 1
                  and p.mention.label == "GPE"), None)
    unit = view.word(end) if view.word(end) in ("شهرستان", "استان", "شهر") else None
    if place is None and unit:
        # the recogniser often runs the council and a town it lacks into one organisation: the place noun and
        # the name after it are the place
        j = end + 1
        while j < view.last and j - end <= 3 and view.tokens[j].is_word and view.word(j) not in STOP_WORDS \
                and analyse(view.word(j)) is None:
            j += 1
        place = Argument("destination", None, view.span(end, j)) if j > end + 1 else None
    if place is None:
        return None
    visitors = _not_its_own(view, _subjects(view, i - 1), place, unit)
    if not visitors:
        return None
    v = _Visit(view, i)
    v.visitors, v.destination = visitors, place
    return v


def _not_its_own(view: SentenceView, people: list[Argument], place: Argument, unit: str | None = None
                 ) -> list[Argument]:
    """Those of `people` not titled with the place (its own officials: "فرماندار Y", "X، استاندار Y"); `unit`: the
    place noun its name starts with ("شهرستان")."""
    name = key(view.doc.text_of(place.span))
    named = [name] + ([name[len(key(unit)):]] if unit else [])
    return [a for a in people if not any(n and n in key(view.doc.text_of(a.span)) for n in named)
            and not any(n and n in t for t, eid in view.doc.titles.items() if eid == a.entity_id for n in named)]


def _opening_ceremony(view: SentenceView, i: int, reach: int = 12) -> _Visit | None:
    """"X [امروز] در مراسم بهره‌برداری از طرح‌های ... غرب کارون": a national figure at a ceremony opening something
    in a province came there (GUIDELINES: travelling to another city or province for an inauguration is a
    visit).  Not the place's own officials (titled with it, or by a local title), nobody of unknown standing
    (a name outside the curated gazetteer, "fa:" ids, may be the town's), and not in the capital, where national
    figures live."""
    if view.word(i - 1) != "در" or view.word(i + 1) not in CEREMONY_ACTS:
        return None
    end = next((k for k in range(i + 2, min(view.last, i + reach))
                if view.tokens[k].text in ("،", ",", ":", "؛") or view.word(k) == "که" or _finite_verb(view, k)),
               min(view.last, i + reach))
    # the town, or the facility named with it ("نیروگاه اتمی بوشهر")
    place = next((p for p in view.actors if i + 1 < p.first < end and not p.is_bloc and not p.is_media and (
        p.mention.label == "GPE" or p.mention.label == "ORG" and _place_country(view.doc, p.argument("destination")))),
        None)
    actor = default_gazetteer().by_id.get(place.mention.entity_key) if place is not None else None
    if place is None or (actor is not None and actor.subtype in ("capital", "country")):
        return None
    dest = place.argument("destination")
    country = _place_country(view.doc, dest)
    people = [a for a in _subjects(view, i - 1)
              if (a.entity_id and not a.entity_id.startswith("fa:") or a.entity_id is None
                  and view.doc.text_of(a.span).split()[0].replace(ZWNJ, "") not in LOCAL_TITLES)
              and (country is None or _home(view.doc, a) in (None, country))]
    visitors = _not_its_own(view, people, dest)
    if not visitors:
        return None
    v = _Visit(view, i)
    v.visitors, v.destination = visitors, dest
    return v


def _meeting_sides(view: SentenceView, reach: int = 8, back: int = 12) -> list[Argument]:
    """The people a meeting noun of this sentence names as meeting ("دیدار X و Y", "نشست X با Y", "X، title، و
    Y، title، گفت‌وگو کردند"): at least two persons within `reach` after it or `back` before it, in its clause."""
    nouns = sorted(set(view.find(MEETING)) | {k for k, (cls, _) in _classes(view).items() if cls == "venue"})
    for i in nouns:
        if view.word(i - 1) == "این":
            continue
        clause = view.clause_start(i)
        people = [p.argument("visitor") for p in view.actors if p.mention.label == "PERSON"
                  and max(clause, i - back) <= p.first <= i + reach and view.clause_start(p.first) == clause]
        if len(people) >= 2:
            return people
    return []


def _that_meeting(view: SentenceView, i: int, sides: list[Argument]) -> _Visit | None:
    """"این دیدار در حاشیه اجلاس ... در لیما صورت گرفت": the sides of the meeting named before met where this
    sentence places it; those from elsewhere visited."""
    place = _located_place(view, i, 12) or _place_of_meeting_around(view, i)
    if place is None:
        return None
    country = _place_country(view.doc, place.argument("destination"))
    here = view.whole
    sides = [a for a in sides if a.span.field != here.field or not here.start <= a.span.start < here.end
             or a.span.start < view.tokens[i].start]    # named before "این", not after it
    visitors = [a for a in sides if country and _home(view.doc, a) and _home(view.doc, a) != country]
    if not visitors:
        return None
    v = _Visit(view, i)
    v.visitors, v.destination, v.hosts = visitors, place.argument("destination"), []
    return v


def _venue_visits(view: SentenceView, i: int, held_at: Placed | None) -> _Visit | None:
    """"X در کنفرانس ... مونیخ": attending a meeting abroad (X's home differs from the venue's country);
    "X در این نشست شرکت کرد": the meeting the article placed before (`held_at`); "X نشستی را در Z برگزار
    کرد": a meeting X held in Z."""
    if view.word(i) in CEREMONIES and (v := _opening_ceremony(view, i)) is not None:
        return v
    if view.word(i - 1) == "در" and view.find({"با"}, i + 1, min(view.last, i + 4)):
        # "X در کنفرانس خبری با Y، وزیر خارجه ترکیه، در بغداد": who met whom where, past Y's title
        return _meeting_visit(view, i, 13)
    if view.word(i - 1) == "در":
        place, before = _venue_place(view, i), i - 1
    elif view.word(i - 1) in ("حاشیه", "جریان") and view.word(i - 2) == "در":   # "در حاشیه اجلاس نفتی الجزیره"
        place, before = _venue_place(view, i), i - 2
    elif view.word(i - 1) == "این" and view.word(i - 2) == "در":
        place, before = held_at, i - 2
    elif view.word(i + 1) == "را":   # "X و Y نشستی را در استانبول برگزار کردند": the subjects held it there
        place, before = _located_place(view, i + 2, 3), i
        place = place if place is not None and place.first > i else None
    else:
        return None
    return None if place is None else _visitors_from_abroad(view, i, before, place)


def _candidates(view: SentenceView, held_at: Placed | None = None, sides: list[Argument] | None = None
                ) -> list[_Visit]:
    """The visits the rules read in one sentence; `held_at`: where the article placed its meeting, `sides`: who
    met in the last meeting it named."""
    out: list[_Visit] = []
    if set(view.words) & SPORTS:
        return out
    classes = _classes(view)
    for i in range(view.first, view.last):
        w = view.word(i)
        cls, kind = classes.get(i, ("", ""))   # the token's trigger class, read once
        v = None
        if cls == "travel" and kind == "noun":
            v = _Visit(view, i)
            # "به Y سفر کرد": the noun is the predicate, its "به" is before it (one after it starts another trip);
            # "به جاکارتا سفر و با مقام‌های آن دیدار کرد": one light verb for two predicates
            predicate = _light_verb(view, i + 1) or view.word(i + 1) == "و" and \
                bool(view.find({"به"}, max(view.first, i - 6), i))
            to = [] if predicate else view.find({"به"}, i + 1, i + 13)
            v.destination = _place_after(view, to[0] + 1) if to else None
            if to and v.destination is None and view.word(to[0] + 1) in POSSESSED_COUNTRY:
                v.destination = _subjects_country(view, i)
            if v.destination is not None:
                v.origin = _origin(view, i + 1, to[0])
                if v.origin is not None:
                    v.origin_start = view.field.token_index_at(v.origin.span.start) - 1
                visitor = _person_or_title(view, "visitor", i + 1, v.origin_start if v.origin else to[0])
                # "عزیمت ناوهای جنگی کانادا به خلیج فارس", "اعزام سه فروند بالگرد امدادی به مرز": a
                # plural or counted genitive travels, neither the clause's subject nor the body it belongs to
                owned = (_plural(view.tokens[i + 1].text) or _counted(view, i + 1)) and \
                    (visitor is None or visitor.span.start > view.tokens[i + 1].start)
                v.visitors = [] if owned else [visitor] if visitor else _subjects(view, i)
                v.attrs["duration"] = _duration(view, i + 1, to[0])
            elif predicate:
                back = view.find({"به"}, max(view.first, i - 6), i)   # "به Y سفر کرد"
                v.destination = _place_after(view, back[-1] + 1) if back else None
                if back:
                    v.origin, v.visitors = _origin_and_subjects(view, back[-1])
        elif cls == "travel" and kind == "verb":
            back = view.find({"به"}, max(view.first, i - 6), i)       # "به Y آمد", "به Y می‌رود"
            if back and not view.find({"که"}, back[-1], i):
                v = _Visit(view, i)
                # reaching a body is no trip: "طرح به شورای نگهبان رسید"
                form = analyse(w)
                v.destination = _place_after(view, back[-1] + 1,
                                             types=("GPE",) if form and form.present == "رس" else PLACE_TYPES)
                v.origin, v.visitors = _origin_and_subjects(view, back[-1])
        elif cls in ("arrival", "departure") and kind == "preverb":
            v = _Visit(view, i)
            # entering a body is joining it: "وارد کاخ سفید شد", "وارد مجلس دهم شد"
            v.destination = _place_after(view, i + 1, types=("GPE",) if cls == "arrival" else PLACE_TYPES)
            v.visitors = _subjects(view, i)
        elif w in HOST_PLACE:
            v = _hosted_by_place(view, i)                         # "تهران میزبان وزیران دفاع روسیه بود"
        elif w in GUEST and i > view.first:
            place = _located_place(view, i, 4)                    # "X در Y مهمان Z بود"
            if place is not None:
                v = _Visit(view, i)
                v.destination, v.visitors = place.argument("destination"), _subjects(view, place.first)
        elif cls == "inspection" and kind == "noun" and not _light_verb(view, i + 1):
            v = _inspection(view, i)                              # "در بازدید [X] از Y"
        elif cls == "inspection" and _light_verb(view, i + 1):
            v = _inspected(view, i)                               # "از کتاب‌فروشی‌های قم بازدید کرد"
        elif cls == "presence" and kind == "noun" and view.word(i - 1) == "با" and view.word(i + 1) != "در":
            v = _in_presence_of(view, i)                          # "با حضور X، رئیس ...، در کرمانشاه"
        elif cls == "presence" and view.word(i - 1) not in TENURE_WORDS:   # "روزهای حضور در کاخ سفید": a tenure
            place = _located_place(view, i, 5)
            if place is not None:
                v = _Visit(view, i)
                # "حضور اسرائیلی‌ها در شمال عراق": a genitive (plural, or an actor) between the noun and its place is
                # who is there, not the clause's subject ("حضور کوتاهی در تهران داشت": an adjective)
                genitive = i + 1 < place.first and (_plural(view.tokens[i + 1].text) or
                                                    any(p.first == i + 1 for p in view.actors))
                # (a body's presence somewhere is its operations, "حضور داعش در عراق": no visit)
                present = [a for a in [_person_or_title(view, "visitor", i + 1, place.first - 1)]
                           if a and not _is_organisation(view.doc, a)] if genitive \
                    else _subjects(view, min(i, place.first))
                v.destination, v.visitors = place.argument("destination"), _not_at_home(view, present, place)
        elif w == "جمع" and view.word(i - 1) == "در" and view.word(i + 1) == "مردم":
            v = _Visit(view, i)                                   # "در جمع مردم ساری"
            v.destination, v.visitors = _place_after(view, i + 2, 0), _subjects(view, i)
        elif cls == "stay":
            v = _stayed(view, i)                                  # "X در مانیل به سر می‌برد"
        elif w in BEEN and i - 2 > view.first:
            v = _been_abroad(view, i)                             # "X که چندی پیش در تهران بودند"
        elif cls == "host" and kind == "noun" and _light_verb(view, i + 1):
            v = _welcomed(view, i)                                # "X در کاخ ... از Y استقبال کرد"
        elif w in SESSIONS and view.word(i - 1) == "در" and _council_at(view, i + 1) is not None:
            v = _council_session(view, i)                         # "در جلسه شورای اداری شهرستان Y"
        elif (cls == "venue" or w in MEETING) and view.word(i - 1) == "این" and view.word(i - 2) != "در" and sides:
            v = _that_meeting(view, i, sides)                     # "این دیدار در حاشیه اجلاس ... در لیما"
        elif cls == "venue":
            v = _venue_visits(view, i, held_at)
        elif w in MEMBER_TITLES:
            v = _members_met(view, i)                             # "وزرای دارایی گروه هفت در توکیو"
        elif w in MEETING and view.word(i + 1) == "از":
            v = _inspection(view, i)                              # "در جریان دیدار از ونزوئلا"
        elif w in MEETING:
            v = _meeting_visit(view, i)
        if v is not None and v.destination is not None and v.visitors and not untold(view, i):
            out.append(v)
    return out


def untold(view: SentenceView, trigger: int, reach: int = 12) -> bool:
    """A trip the clause does not tell as one: conditional ("اگر ترامپ به مسکو سفر کند"), a rumour ("شایعه
    سفر X به Y"), a life story ("در ۱۸ سالگی به لنین‌گراد رفت": moving, not visiting), a posting ("به‌عنوان
    سفیر چین به اتریش رفت") or an invitation ("از همتای خود برای سفر به لیما دعوت کرد": the guidelines count it
    only once accepted)."""
    clause = view.clause_start(trigger)
    if view.find(CONDITIONAL, clause, trigger) or view.find(BIOGRAPHY, clause, trigger) \
            or view.find(RUMOUR, max(clause, trigger - 3), trigger):
        return True
    if any(view.word(k) in RESIDENT_TITLES for k in view.find(POSTING, clause, trigger) for k in (k + 1, k + 2)):
        return True
    end = next((k for k in range(trigger + 1, min(view.last, trigger + reach)) if view.clause_start(k) != clause),
               min(view.last, trigger + reach))
    return view.word(trigger - 1) == "برای" and bool(view.find(INVITATION, trigger + 1, end))


def _hosted_by_place(view: SentenceView, i: int) -> _Visit | None:
    """"P [هفته گذشته] میزبان X بود/خواهد بود": the place before the word, the last actor of its clause there,
    received whoever follows it."""
    before = [p for p in view.actors if view.clause_start(i) <= p.first and p.last <= i]
    place = before[-1] if before and before[-1].mention.label == "GPE" and i - before[-1].last <= 3 else None
    visitor = _person_or_title(view, "visitor", i + 1, min(view.last, i + 8))
    if visitor is None or view.word(i + 1) in INSTITUTION_HEADS:
        return None
    if place is None:
        return _hosted_by_person(view, i, visitor)
    v = _Visit(view, i)
    v.destination, v.visitors = place.argument("destination"), [visitor]
    return v


def _hosted_by_person(view: SentenceView, i: int, visitor: Argument, reach: int = 14) -> _Visit | None:
    """"X [هفته گذشته] میزبان Y در کاخ سفید بود": Y (`visitor`, named after the word) visited the place X received
    them at, X hosting (X: the subject before the word, or what the relative clause it is in describes)."""
    start = view.field.token_index_at(visitor.span.end - 1) + 1
    place = next((p for p in view.actors if start <= p.first < i + reach and view.word(p.first - 1) == "در"
                  and p.mention.label in PLACE_TYPES and not p.is_media), None)
    if place is None or view.find({"که", "را"}, start, place.first):
        return None
    hosts = [h for h in _subjects(view, i) if _identity(view.doc, h) != _identity(view.doc, visitor)]
    opened = view.clause_start(i)
    if not hosts and opened > view.first and view.word(opened - 1) == "که":
        hosts = [h for h in [_antecedent(view, opened - 1)] if h is not None]   # "X که ... میزبان Y ... بود"
    if not hosts:
        return None
    v = _Visit(view, i)
    v.destination, v.visitors = place.argument("destination"), [visitor]
    v.hosts = [Argument("host", hosts[-1].entity_id, hosts[-1].span, hosts[-1].inferred)]
    return v


def _stayed(view: SentenceView, i: int) -> _Visit | None:
    """"X در P به سر می‌برد", "اقامت X در P": staying somewhere is being there; not where P is X's own country."""
    if _kind_of_stay(view, i) is None:
        return None
    if view.find({"را"}, view.clause_start(i), i):   # "چند سالی را در ژنو به سر برد": spent a period there
        return None
    place = _located_place(view, i, 8)
    if place is None or place.is_bloc or place.is_media:
        return None
    visitors = _not_at_home(view, _subjects(view, min(i, place.first)), place)
    if not visitors:
        return None
    v = _Visit(view, i)
    v.visitors, v.destination = visitors, place.argument("destination")
    return v


def _been_abroad(view: SentenceView, i: int) -> _Visit | None:
    """"X [که چندی پیش] در P بود/بودند/بوده‌ام": whoever the article ties to another country than P's was there on
    a visit (those of unknown home, and anyone posted there, are not told apart from residents)."""
    place = next((p for p in view.actors if p.last == i and p.mention.label == "GPE" and view.word(p.first - 1) == "در"
                  and not p.is_bloc), None)
    if place is None or _of_resident_title(view, place.first - 1):
        return None
    country = _place_country(view.doc, place.argument("destination"))
    visitors = [a for a in _subjects(view, place.first - 1)
                if country and _home(view.doc, a) not in (None, country)]
    if not visitors:
        return None
    v = _Visit(view, i)
    v.visitors, v.destination = visitors, place.argument("destination")
    return v


def _in_presence_of(view: SentenceView, i: int) -> _Visit | None:
    """"[کارگاه ...] با حضور لیلا صارمی، مدیر گروه ...، در سنندج آغاز شد", "افتتاح بیمارستان شهر یاسوج با حضور
    وزیر بهداشت": the person (or title) named after "با حضور" was there, in the place right after them, else the
    place the event before "با حضور" is named by (not a capital: an official of no stated country there is
    most often at home)."""
    j, _ = view.next_word(i + 1)
    # "با حضور سردار «X»": the name after its honorific and quotes
    head, _ = view.next_word(j + 1) if view.word(j) in PERSON_HEADS else (j, "")
    # a first name the recogniser left out may stand before the name it found ("لیلا [صارمی]")
    person = next((p for p in view.actors if j <= p.first <= max(j + 1, head) and p.mention.label == "PERSON"), None)
    title = None if person is not None else _title_span(view, j)
    if person is None and title is None:
        return None
    visitor = person.argument("visitor") if person is not None else _title_argument(view, "visitor", *title)
    j, _ = view.next_word(person.last if person is not None else title[1])
    if j < view.last and view.tokens[j].text in ("،", ","):   # the title in apposition, to its closing comma
        j = next((k + 1 for k in range(j + 1, min(view.last, j + 16)) if view.tokens[k].text in ("،", ",")), view.last)
    elif j < view.last and person is not None and (apposed := _title_span(view, j)):
        j = apposed[1]
    place = next((p for p in view.actors if view.word(j) == "در" and p.first == j + 1 and p.mention.label == "GPE"),
                 None)
    if place is None:
        clause = view.clause_start(i)
        named = [p for p in view.actors if max(clause, i - 8) <= p.first < i - 1 and p.mention.label == "GPE"
                 and view.word(p.first - 1) not in TOPIC_MARKERS]   # "نشست ... درباره سوریه با حضور X"
        actor = default_gazetteer().by_id.get(named[-1].mention.entity_key) if named else None
        place = named[-1] if named and (actor is None or actor.subtype != "capital") else None
    if place is None:
        return None
    v = _Visit(view, i)
    v.destination = place.argument("destination")
    v.visitors = _not_at_home(view, [visitor], place)
    return v


def _not_at_home(view: SentenceView, people: list[Argument], place: Placed) -> list[Argument]:
    """Those of `people` present somewhere that is not their own country (an unknown home passes)."""
    country = _place_country(view.doc, place.argument("destination"))
    return [a for a in people if not country or _home(view.doc, a) != country]


def _kind_of_stay(view: SentenceView, i: int) -> str | None:
    """"به سر بردن" (the verb برد only after "به سر"), or the noun "اقامت"."""
    got = _classes(view).get(i)
    if got is None or got[0] != "stay":
        return None
    if got[1] == "noun":
        return "noun"
    return "verb" if view.word(i - 1) == "سر" and view.word(i - 2) == "به" else None


def _welcomed(view: SentenceView, i: int) -> _Visit | None:
    """"X [در P] از Y استقبال کرد": the host X received Y; Y visited P, else the country X's title names
    when it is named in the sentence and is not Y's own."""
    clause = view.clause_start(i)
    back = view.find({"از"}, max(clause, i - 10), i)
    if not back:
        return None
    at = back[-1]
    guest = _person_or_title(view, "visitor", at + 1, i)
    entity = view.doc.entities.get(guest.entity_id) if guest is not None and guest.entity_id else None
    if entity is not None and entity.type != "PERSON":   # "از قطعنامه شورای امنیت استقبال کرد": welcomed a text
        return None
    hosts = [h for h in _subjects(view, at) if guest is None or _identity(view.doc, h) != _identity(view.doc, guest)]
    if guest is None or not hosts:
        return None
    place = _located_place(view, at, 8)
    if place is None or _place_country(view.doc, place.argument("destination")) is None:  # "در کاخ مردکا"
        home = _home(view.doc, hosts[0])
        place = next((p for p in view.actors if p.mention.label == "GPE" and home
                      and _place_country(view.doc, p.argument("destination")) == home), None)
    if place is None or place.is_bloc or not _not_at_home(view, [guest], place):
        return None
    v = _Visit(view, i)
    v.visitors, v.destination = [guest], place.argument("destination")
    v.hosts = [Argument("host", h.entity_id, h.span, h.inferred) for h in hosts[:1]]
    return v


def _inspection(view: SentenceView, i: int, width: int = 8, reach: int = 10) -> _Visit | None:
    """"X در بازدید از Y", "در بازدید X از Y" (the visitor its genitive): the noun's "از" phrase names the
    place: a named institution right after "از", else the city, province or country in the phrase ("از
    چند مدرسه روستایی بروجن"), before a comma, a colon or "که" ends it."""
    # the last "از" in reach: an earlier one is partitive ("جمعی از اعضای ...") or inside the genitive
    # ("مدیرکل بنیاد حمایت از کودکان از پرورشگاه شیراز")
    at = max((k for k in view.find({"از"}, i + 1, i + width) if view.word(k - 1) not in PARTITIVE
              and view.clause_start(k) == view.clause_start(i)), default=None)
    if at is None:
        return None
    end = next((k for k in range(at + 1, min(view.last, at + reach))
                if view.tokens[k].text in ("،", ",", ":", "؛") or view.word(k) == "که"), min(view.last, at + reach))
    if _of_media(view, at, end):
        return None
    place = next((p for p in view.actors if at < p.first < end and p.mention.label == "GPE"), None)
    dest = _institution(view, at + 1) or (place.argument("destination") if place is not None else None)
    if dest is None:
        return None
    v = _Visit(view, i)
    genitive = _person_or_title(view, "visitor", i + 1, at) if at > i + 1 else None
    v.destination, v.visitors = dest, [genitive] if genitive else _subjects(view, i)
    return v


def _inspected(view: SentenceView, i: int, width: int = 8) -> _Visit | None:
    """"X از Y بازدید کرد", "X از Y دیدن می‌کند": the light-verb visit with its "از" phrase before it, in the same
    clause: the city, province or country that phrase names ("از کارگاه‌های فرش کاشان"), or a named institution
    heading it."""
    clause = view.clause_start(i)
    back = view.find({"از"}, max(clause, i - width), i)
    if not back:
        return None
    at = back[0]
    if _of_media(view, at, i):
        return None
    place = next((p for p in view.actors if at < p.first < i and p.mention.label == "GPE"), None)
    dest = place.argument("destination") if place is not None else _institution(view, at + 1)
    if dest is None:
        return None
    v = _Visit(view, i)
    v.destination, v.visitors = dest, _subjects(view, at)
    return v


def _of_media(view: SentenceView, a: int, b: int) -> bool:
    """"از دفتر خبرگزاری ایسنا در زنجان بازدید کرد": a newsroom visited is the outlet's own news, never a trip
    (media are neither visitors nor places)."""
    return any(p.is_media for p in view.actors if a < p.first < b)


def _institution(view: SentenceView, i: int) -> Argument | None:
    """"بازدید از نمایشگاه صنایع دستی بومی": a named institution that is not in the gazetteer."""
    if view.word(i) not in INSTITUTION_HEADS:
        return None
    j = i + 1
    while j < view.last and view.tokens[j].is_word and view.word(j) not in STOP_WORDS and j - i < 6:
        j += 1
    return Argument("destination", None, view.span(i, j)) if j - i >= 2 else None


def rule_kind(doc: Document, ev: Event) -> str:
    """The trigger class (or word) of the rule that proposed a visit."""
    if "rule_kind" in ev.attributes:
        return ev.attributes["rule_kind"]
    f = doc.fields[ev.trigger.field]
    i = f.token_index_at(ev.trigger.start)
    for s in f.sentences:
        if s.first_token <= i < s.last_token:
            view = SentenceView(doc, f, s)
            got = _classes(view).get(i)
            # "سفر/بازدید کرد" (the clause's predicate) apart from a trip named inside another clause
            predicate = "+lv" if got and got[1] != "verb" and _light_verb(view, i + 1) else ""
            if got:
                return got[0] + ":" + got[1] + predicate
            return "members" if view.word(i) in MEMBER_TITLES else view.word(i)
    return "?"


def rule_visits(doc: Document, views: list[SentenceView] | None = None) -> list[Event]:
    """What the hand rules read as visits, sentence by sentence (before merging): one input of the learned
    decision in `visit_decision`, which makes the pipeline's visit events.  `views`: the document's sentence
    views when the caller has them already."""
    events: list[Event] = []
    # "در این نشست": the meeting the article placed first (its topic; later sentences place other things:
    # "نشست ... برای پایان جنگ در یمن")
    held_at: Placed | None = None
    sides: list[Argument] = []   # "این دیدار در ... صورت گرفت": who met, as the last sentence naming them said
    for view in sentences(doc) if views is None else views:
        # (a headline run into the first sentence names them in the same sentence)
        sides = _meeting_sides(view) or sides
        cands = _candidates(view, held_at, sides)
        held_at = held_at or next((p for i, (cls, _) in sorted(_classes(view).items()) if cls == "venue"
                                   for p in [_venue_place(view, i)] if p is not None), None)
        for cand in cands:
            status = "planned" if _planned(view, cand.trigger) else "occurred"
            date = date_near(doc, view.field.name, view.sentence.start, view.sentence.end,
                             view.tokens[cand.trigger].start)
            hosts = _hosts(view) if cand.hosts is None else cand.hosts
            for visitor in cand.visitors:
                if visitor.entity_id and visitor.entity_id == cand.destination.entity_id:
                    continue
                if _posted_there(doc, visitor, cand.destination):
                    continue
                ev = Event("visit", status, trigger=view.span(cand.trigger, cand.trigger + 1), evidence=view.whole,
                           date=date)
                ev.arguments = [visitor, cand.destination] + [h for h in hosts
                                                                 if _identity(doc, h) != _identity(doc, visitor)]
                if cand.origin is not None:
                    ev.arguments.append(cand.origin)
                ev.attributes = {k: v for k, v in cand.attrs.items() if v}
                events.append(ev)
                stop = _stop_on_the_way(doc, ev, visitor, cand.origin)
                if stop is not None:
                    events.append(stop)
    return events


def _stop_on_the_way(doc: Document, trip: Event, visitor: Argument, origin: Argument | None) -> Event | None:
    """"ظریف از مسکو به پکن رفت": a traveller leaving a place abroad had visited it (a stop of a tour); a
    trip from home starts nowhere visited."""
    if origin is None:
        return None
    home, there = _home(doc, visitor), _place_country(doc, origin)
    if home is None or there is None or home == there:
        return None
    ev = Event("visit", trip.status, trigger=trip.trigger, evidence=trip.evidence, date=trip.date)
    ev.arguments = [visitor, Argument("destination", origin.entity_id, origin.span, origin.inferred)]
    ev.attributes["rule_kind"] = "stop"   # read from the trip's origin, not from its trigger
    return ev


def _identity(doc: Document, arg: Argument) -> str:
    if arg.entity_id:
        return arg.entity_id
    text = key(doc.text_of(arg.span))
    return getattr(doc, "_visit_title_aliases", {}).get(text, text)


def _title_aliases(doc: Document, events: list[Event]) -> dict[str, str]:
    """A title the article shortens stands for the same person: "وزیر ارشاد" for "وزیر فرهنگ و ارشاد اسلامی",
    "وزیر صنعت" for "وزیر صنعت، معدن و تجارت" (same head word, every word of the short one in the long one,
    and only one long one the article could mean)."""
    titles = {key(doc.text_of(a.span)): [key(w) for w in doc.text_of(a.span).split() if key(w) not in ("و", "")]
              for ev in events for a in ev.arguments if a.role == "visitor" and not a.entity_id}
    aliases = {}
    for short, words in titles.items():
        if len(words) < 2 or not is_title_word(words[0]):
            continue
        longer = [t for t, ws in titles.items() if t != short and len(ws) > len(words) and ws[0] == words[0]
                  and set(words) <= set(ws)]
        if len(longer) == 1:
            aliases[short] = longer[0]
    return aliases


def in_company(view: SentenceView, i: int, reach: int = 25) -> bool:
    """The visitor named at token i travels in another's party: "X به همراه Y معاون ...، Z و W وارد وین شد" names
    Y, Z and W after a companion phrase, with no verb between."""
    for k in range(i - 1, max(view.first, i - reach) - 1, -1):
        if _finite_verb(view, k):
            return False
        if any(view.has_phrase(ph, k, i) == k for ph in COMPANY):
            return True
    return False


def merge(doc: Document, events: list[Event], companions: frozenset[int] = frozenset()) -> list[Event]:
    """One event per visitor and trip: same visitor and destination -> one event; occurred beats planned.
    `companions`: the ids of events whose visitor travels in another's party (`in_company`)."""
    doc._visit_title_aliases = _title_aliases(doc, events)
    merged: dict[tuple[str, str], Event] = {}
    for ev in events:
        visitor = next(a for a in ev.arguments if a.role == "visitor")
        dest = next(a for a in ev.arguments if a.role == "destination")
        k = (_identity(doc, visitor), _identity(doc, dest))
        if k not in merged:
            merged[k] = ev
            continue
        said = {key(doc.text_of(a.span)) for a in merged[k].arguments if a.role == "visitor"}
        if not visitor.entity_id and key(doc.text_of(visitor.span)) not in said:
            merged[k].arguments.append(visitor)   # the title written out and shortened: both name the visitor
        _join(merged[k], ev)
    kept = [ev for ev in merged.values() if not _to_own_country(doc, ev)]
    return _fold_sites(doc, _fold_one_country(doc, _fold_companions(doc, kept, companions)))


def _fold_companions(doc: Document, events: list[Event], companions: frozenset[int]) -> list[Event]:
    """A party travels as one (GUIDELINES: a delegation counts once): a companion's event joins the event to the
    same destination of a visitor who is nobody's companion, one told in the same sentence or else the only one
    (an article may send others there on their own), else the first companion's event in its sentence, which
    lists the party's visitors."""
    def where(ev: Event) -> str:
        return _identity(doc, next(a for a in ev.arguments if a.role == "destination"))

    def sentence(ev: Event) -> tuple[str, int]:
        return ev.evidence.field, ev.evidence.start

    heads: dict[tuple, Event] = {}
    alone: dict[str, list[Event]] = {}
    for ev in events:
        if id(ev) not in companions:
            heads.setdefault((where(ev), sentence(ev)), ev)
            alone.setdefault(where(ev), []).append(ev)
    for place, there in alone.items():
        if len(there) == 1:
            heads[(place, None)] = there[0]
    out = []
    for ev in events:
        party = None if id(ev) not in companions else (
            heads.get((where(ev), sentence(ev))) or heads.get((where(ev), None)))
        if party is None:
            out.append(ev)
            if id(ev) in companions:
                heads[(where(ev), sentence(ev))] = ev
            continue
        seen = {(a.span.field, a.span.start) for a in party.arguments}
        party.arguments += [a for a in ev.arguments if a.role == "visitor" and (a.span.field, a.span.start) not in seen]
        _join(party, ev)
    return out


def _fold_one_country(doc: Document, events: list[Event]) -> list[Event]:
    """A visitor's trip abroad is one event however many of the country's places the article names ("سفر به
    اندونزی" and "اجلاس ... در جزیره بالی", "وارد تهران شد" and "سفر به ایران"): the visitor's events to places of
    one foreign country join the first of them, which takes the others' destinations."""
    first: dict[tuple[str, str], Event] = {}
    out = []
    for ev in events:
        visitor = next(a for a in ev.arguments if a.role == "visitor")
        dest = next(a for a in ev.arguments if a.role == "destination")
        country, home = _place_country(doc, dest), _home(doc, visitor, titles=False)
        if not country or not home or country == home:
            out.append(ev)
            continue
        k = (_identity(doc, visitor), country)
        if k not in first:
            first[k] = ev
            out.append(ev)
            continue
        first[k].arguments.append(dest)
        _join(first[k], ev)
    return out


def _join(keep: Event, ev: Event) -> None:
    """Another mention of the trip `keep` tells: occurred beats planned; a date, hosts and attributes it lacks."""
    if keep.status == "planned" and ev.status == "occurred":
        keep.status = "occurred"
    keep.date = keep.date or ev.date
    roles = {(a.role, a.entity_id) for a in keep.arguments}
    keep.arguments += [a for a in ev.arguments if a.role == "host" and (a.role, a.entity_id) not in roles]
    for name, value in ev.attributes.items():
        keep.attributes.setdefault(name, value)


def _to_own_country(doc: Document, ev: Event) -> bool:
    """"رئیس‌جمهور فرانسه ... وارد فرانسه شد", "سفر نخست‌وزیر ژاپن به توکیو": nobody visits their own country or
    its capital, where its national figures live (its other cities, yes: a domestic tour)."""
    visitor = next(a for a in ev.arguments if a.role == "visitor")
    dest = next(a for a in ev.arguments if a.role == "destination")
    actor = default_gazetteer().by_id.get(dest.entity_id) if dest.entity_id else None
    if actor is None or actor.subtype not in ("country", "capital"):
        return False
    # a visitor the rules named from a title or as the speaker: that title's country (the titles the article
    # gives others in apposition may run on into the place they travel to)
    home = _home(doc, visitor, titles=visitor.inferred)
    return home is not None and home == _place_country(doc, dest)


def _fold_sites(doc: Document, events: list[Event]) -> list[Event]:
    """A site visited on a trip to a city, province or country ("با حضور در آرامگاه حافظ" on a trip to Shiraz) is
    a destination of that trip, not a trip of its own: a visitor's event to an institution or facility joins the
    visitor's event to a place the gazetteer knows, when there is exactly one (an unknown town stays a trip)."""
    def dest(ev: Event) -> Argument:
        return next(a for a in ev.arguments if a.role == "destination")

    def visitor_of(ev: Event) -> str:
        return _identity(doc, next(a for a in ev.arguments if a.role == "visitor"))

    def is_gpe(ev: Event) -> bool:   # a place the gazetteer knows
        actor = default_gazetteer().by_id.get(dest(ev).entity_id) if dest(ev).entity_id else None
        return actor is not None and actor.type == "GPE"

    def is_site(ev: Event) -> bool:
        """An institution or facility ("ستاد سامانه ۱۱۱", "یادمان شهدا", "سیلوهای آذر"): an organisation, a name
        headed by an institution word, or an unknown name of two words or more not headed by a place noun;
        one unknown word ("بروندی") or "شهرستان X" is a town or a country the gazetteer lacks."""
        entity = doc.entities.get(dest(ev).entity_id) if dest(ev).entity_id else None
        words = [w.replace(ZWNJ, "") for w in doc.text_of(dest(ev).span).split()]
        if is_gpe(ev) or not words or words[0] in PLACE_NOUNS:
            return False
        return entity is None or entity.type == "ORG" or words[0] in SITE_HEADS or len(words) >= 2

    trips: dict[str, list[Event]] = {}
    for ev in events:
        if is_gpe(ev):
            trips.setdefault(visitor_of(ev), []).append(ev)
    out = []
    for ev in events:
        to = trips.get(visitor_of(ev), [])
        if not is_site(ev) or len(to) != 1:
            out.append(ev)
            continue
        to[0].arguments.append(dest(ev))
    return out
