"""Visit events: who travels where, hosted by whom, when; occurred or planned.

A visit needs travel or presence somewhere: "سفر X به Y", "وارد Y شد", "راهی/عازم Y",
"در Y مهمان Z بود", "بازدید از Y", "حضور در Y", or a meeting held in a place that is home to
only one side ("X با Y در Z دیدار کرد": the side from elsewhere is the visitor).  A meeting
with no travel, and sports fixtures, are not visits.  One event per visitor and trip.
"""
from __future__ import annotations

from streams.core.actors import is_title_word
from streams.core.clauses import Placed, SentenceView, sentences
from streams.core.dates import date_near
from streams.core.document import Argument, Document, Event, Span
from streams.core.normalize import key

TRAVEL_NOUNS = {"سفر", "سفرش", "سفری", "سفرهای", "سفرخود"}
HOST_MARKERS = {"با", "دعوت", "بهدعوت", "میزبانی", "بهمیزبانی", "مهمان", "میهمان"}
LIGHT_VERBS = {"کرد", "کردند", "کند", "کنند", "میکند", "میکنند", "خواهد", "خواهند", "کرده", "کردهاند",
               "کردهبود", "نمود", "نمودند", "کنیم", "کردم", "کردیم"}
ARRIVAL = {"وارد"}
DEPARTURE = {"راهی", "عازم", "رهسپار"}
PRESENCE = {"حضور", "حاضر"}
INSPECTION = {"بازدید"}
GUEST = {"مهمان", "میهمان"}
MEETING = {"دیدار", "دیداری", "ملاقات", "گفتوگو", "مذاکره", "رایزنی"}
SPORTS = {"تیم", "تیمملی", "بازی", "مسابقه", "مسابقات", "لیگ", "جام", "فوتبال", "والیبال", "کشتی", "المپیک"}
PLANNED = {"خواهد", "خواهند", "قراراست", "آینده", "فردا", "برنامه", "میرود", "میکند", "میشود", "میشوند",
           "قرار", "دعوت", "پیش", "کند", "کنند", "شود", "شوند", "کرد؟"}
PAST_CONTEXT = {("در", "پی"), ("پس", "از"), ("بعد", "از"), ("در", "حاشیه"), ("در", "جریان"), ("در", "ادامه")}
STOP_WORDS = {"به", "در", "با", "از", "را", "که", "و", "برای", "تا", "هم", "نیز", "است", "بود", "شد"}
PLACE_TYPES = ("GPE", "ORG")
INSTITUTION_HEADS = {"نمایشگاه", "کارخانه", "دانشگاه", "بیمارستان", "پالایشگاه", "نیروگاه", "بندر", "منطقه",
                     "مرکز", "پایگاه", "سایت", "مجتمع", "کاخ", "مقر", "ستاد", "شهرستان", "استان", "شهر"}


def _first_place_after(view: SentenceView, i: int, limit: int = 6) -> Placed | None:
    for p in view.actors:
        if i <= p.first <= i + limit and p.mention.label in PLACE_TYPES:
            return p
    return None


def _duration(view: SentenceView, a: int, b: int) -> str | None:
    for i in range(a, b):
        w = view.word(i)
        if w.endswith("روزه") and len(w) > 4:
            return view.tokens[i].text
    return None


def _title_span(view: SentenceView, i: int) -> tuple[int, int] | None:
    """A title phrase starting at token i ("وزیر خارجه چین")."""
    if not is_title_word(view.tokens[i].text):
        return None
    j = i + 1
    while j < view.last and view.tokens[j].is_word and view.word(j) not in STOP_WORDS and j - i < 7:
        j += 1
    return (i, j) if j - i >= 2 else None


class _Visit:
    def __init__(self, view: SentenceView, trigger: int):
        self.view, self.trigger = view, trigger
        self.visitors: list[Argument] = []
        self.destination: Placed | None = None
        self.hosts: list[Placed] = []
        self.origin: Placed | None = None
        self.attrs: dict = {}


def _arg(role: str, p: Placed) -> Argument:
    m = p.mention
    return Argument(role, m.entity_key, Span(m.field, m.start, m.end))


def _visitor_from_span(view: SentenceView, a: int, b: int) -> Argument | None:
    """Visitor between two token positions: a named person, an organisation/delegation, or a title."""
    for p in view.actors:
        if a <= p.first and p.last <= b and p.mention.label in ("PERSON", "ORG"):
            return _arg("visitor", p)
    for i in range(a, b):
        t = _title_span(view, i)
        if t:
            span = view.span(*t)
            text = view.doc.text_of(span)
            return Argument("visitor", view.doc.titles.get(key(text)), span)
    return None


def _subjects(view: SentenceView, before: int) -> list[Argument]:
    """Persons (or a title phrase) in subject position before the trigger."""
    out = []
    for p in view.actors:
        if p.first >= before or p.mention.label != "PERSON":
            continue
        _, prev = view.prev_word(p.first)
        if prev in {"با", "از", "به", "نقل", "دعوت", "میزبانی"}:
            continue
        out.append(_arg("visitor", p))
    if not out:
        for i in range(view.first, before):
            t = _title_span(view, i)
            if t and view.prev_word(i)[1] not in {"با", "از", "به"}:
                span = view.span(*t)
                out.append(Argument("visitor", view.doc.titles.get(key(view.doc.text_of(span))), span))
                break
    return out


def _hosts(view: SentenceView) -> list[Placed]:
    hosts = []
    for p in view.actors:
        _, prev = view.prev_word(p.first)
        if p.mention.label in ("PERSON", "ORG") and prev in HOST_MARKERS | {"رسمی"}:
            if prev == "رسمی" and view.word(p.first - 2) not in HOST_MARKERS:
                continue
            hosts.append(p)
    return hosts


def _planned(view: SentenceView, trigger: int) -> bool:
    if any(view.has_phrase(ph, view.first, trigger + 1) is not None for ph in PAST_CONTEXT):
        return False
    if view.has_phrase(("قرار", "است")) is not None or view.find({"خواهد", "خواهند", "قراراست"}):
        return True
    if view.has_phrase(("پیش", "از", "سفر")) is not None:
        return True
    tail = view.find({"میشود", "میشوند", "میکند", "میکنند", "میرود", "میروند"}, trigger)
    return bool(tail) and view.word(trigger) in DEPARTURE | TRAVEL_NOUNS


def _country_of(doc: Document, entity_id: str | None) -> str | None:
    if not entity_id or entity_id not in doc.entities:
        return None
    ent = doc.entities[entity_id]
    if ent.country:
        return ent.country
    # a title in apposition naming a country: "جلال طالبانی، رئیس‌جمهور عراق"
    for title_key, eid in doc.titles.items():
        if eid == entity_id:
            for other in doc.entities.values():
                if other.type == "GPE" and other.country and any(key(m.text) in title_key for m in other.mentions):
                    return other.country
    return None


def _candidates(view: SentenceView) -> list[_Visit]:
    out: list[_Visit] = []
    if set(view.words) & SPORTS:
        return out
    for i in range(view.first, view.last):
        w = view.word(i)
        if w in TRAVEL_NOUNS:
            v = _Visit(view, i)
            to = view.find({"به"}, i + 1, i + 13)
            dest = _first_place_after(view, to[0] + 1, 2) if to else None
            if dest is None:
                # "به Y سفر کرد": only when سفر is the verb
                if view.word(i + 1) not in LIGHT_VERBS:
                    continue
                back = view.find({"به"}, max(view.first, i - 6), i)
                dest = _first_place_after(view, back[-1] + 1, 2) if back else None
                if dest is None:
                    continue
                v.visitors = _subjects(view, back[-1])
            else:
                visitor = _visitor_from_span(view, i + 1, to[0])
                v.visitors = [visitor] if visitor else _subjects(view, i)
                v.attrs["duration"] = _duration(view, i + 1, to[0])
            v.destination = dest
            out.append(v)
        elif w in ARRIVAL | DEPARTURE:
            dest = _first_place_after(view, i + 1, 2)
            if dest is None:
                continue
            v = _Visit(view, i)
            v.destination, v.visitors = dest, _subjects(view, i)
            out.append(v)
        elif w in GUEST and i > view.first:
            # "X در Y مهمان Z بود"
            dest = next((p for p in view.actors if p.last <= i and view.word(p.first - 1) == "در"
                         and p.mention.label in PLACE_TYPES), None)
            if dest is None:
                continue
            v = _Visit(view, i)
            v.destination, v.visitors = dest, _subjects(view, dest.first)
            out.append(v)
        elif w in INSPECTION and view.word(i + 1) == "از":
            dest = _first_place_after(view, i + 2, 1)
            if dest is None and view.word(i + 2) in INSTITUTION_HEADS:
                continue
            if dest is None:
                continue
            v = _Visit(view, i)
            v.destination, v.visitors = dest, _subjects(view, i)
            out.append(v)
        elif w in PRESENCE:
            dest = next((p for p in view.actors if abs(p.first - i) <= 4 and view.word(p.first - 1) == "در"
                         and p.mention.label == "GPE"), None)
            if dest is None:
                continue
            v = _Visit(view, i)
            v.destination, v.visitors = dest, _subjects(view, min(i, dest.first))
            out.append(v)
        elif w in MEETING:
            v = _meeting_visit(view, i)
            if v:
                out.append(v)
    return out


def _meeting_visit(view: SentenceView, i: int) -> _Visit | None:
    """"X با Y در Z دیدار": a visit when Z is the home of exactly one side."""
    doc = view.doc
    place = next((p for p in view.actors if p.last <= i and view.word(p.first - 1) == "در"
                  and p.mention.label == "GPE"), None)
    partner = next((p for p in view.actors if p.mention.label == "PERSON" and view.prev_word(p.first)[1] == "با"
                    and p.first < i + 3), None)
    if place is None or partner is None:
        return None
    subjects = [a for a in _subjects(view, i) if a.entity_id != partner.mention.entity_key]
    if not subjects:
        return None
    place_country = _country_of(doc, place.mention.entity_key) or place.mention.entity_key
    subject, partner_arg = subjects[0], _arg("visitor", partner)
    subject_home = _country_of(doc, subject.entity_id)
    partner_home = _country_of(doc, partner.mention.entity_key)
    if partner_home and partner_home != place_country and subject_home == place_country:
        visitor, host = partner_arg, subject
    elif subject_home and subject_home != place_country and partner_home == place_country:
        visitor, host = subject, partner_arg
    else:
        return None
    v = _Visit(view, i)
    v.visitors, v.destination = [visitor], place
    v.attrs["host_argument"] = Argument("host", host.entity_id, host.span)
    return v


def find_visits(doc: Document) -> Document:
    events: list[Event] = []
    for view in sentences(doc):
        for cand in _candidates(view):
            if not cand.visitors or cand.destination is None:
                continue
            status = "planned" if _planned(view, cand.trigger) else "occurred"
            date = date_near(doc, view.field.name, view.sentence.start, view.sentence.end,
                             view.tokens[cand.trigger].start)
            hosts = [_arg("host", p) for p in _hosts(view)]
            if "host_argument" in cand.attrs:
                hosts = [cand.attrs.pop("host_argument")]
            dest_arg = _arg("destination", cand.destination)
            for visitor in cand.visitors:
                if visitor.entity_id and visitor.entity_id == cand.destination.mention.entity_key:
                    continue
                ev = Event("visit", status, trigger=view.span(cand.trigger, cand.trigger + 1), evidence=view.whole,
                           date=date)
                ev.arguments = [visitor, dest_arg] + [h for h in hosts if h.entity_id != visitor.entity_id]
                ev.attributes = {k: v for k, v in cand.attrs.items() if v}
                events.append(ev)
    doc.events.extend(_merge(doc, events))
    return doc


def _identity(doc: Document, arg: Argument) -> str:
    return arg.entity_id or key(doc.text_of(arg.span))


def _merge(doc: Document, events: list[Event]) -> list[Event]:
    """One event per visitor and trip: same visitor and destination -> one event; occurred beats planned."""
    merged: dict[tuple[str, str], Event] = {}
    for ev in events:
        visitor = next(a for a in ev.arguments if a.role == "visitor")
        dest = next(a for a in ev.arguments if a.role == "destination")
        k = (_identity(doc, visitor), _identity(doc, dest))
        if k not in merged:
            merged[k] = ev
            continue
        keep = merged[k]
        if keep.status == "planned" and ev.status == "occurred":
            keep.status = "occurred"
        keep.date = keep.date or ev.date
        roles = {(a.role, a.entity_id) for a in keep.arguments}
        keep.arguments += [a for a in ev.arguments if a.role == "host" and (a.role, a.entity_id) not in roles]
        for name, value in ev.attributes.items():
            keep.attributes.setdefault(name, value)
    return list(merged.values())
