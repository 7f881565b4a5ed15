"""Sanction events: who imposes, lifts or threatens sanctions on whom, how many, where, when.

Rules work on one sentence at a time (a `SentenceView`): a sanction trigger, an act cue
giving the status, then roles from the sentence's actor mentions and their context words.
A sentence that only names sanctions as a condition or topic ("تحت تحریم"), a boycott
("تحریم کنفرانس") or a religious prohibition ("تحریم غیبت") yields no event.
"""
from __future__ import annotations

from streams.core.clauses import Placed, SentenceView, sentences
from streams.core.dates import date_near
from streams.core.document import Argument, Document, Event
from streams.core.numbers import parse_number

# --- lexicon (squashed forms, no ZWNJ) ---
TRIGGER_PREFIX = "تحریم"
OTHER_TRIGGERS = {"توقیف", "مسدود", "بلوکه"}
LIST_PHRASES = [("فهرست", "سیاه"), ("لیست", "سیاه"), ("فهرست", "تحریم"), ("لیست", "تحریم")]
# "تحریم X" that is a boycott or a religious ruling, not a state sanction
BOYCOTT_OBJECTS = {
    "کنفرانس", "انتخابات", "نشست", "اجلاس", "مراسم", "جشنواره", "المپیک", "مسابقات", "مسابقه", "بازی",
    "بازیهای", "کالا", "کالاها", "کالاهای", "محصولات", "غیبت", "تنباکو", "دروغ", "ربا", "مشروبات",
    "همهپرسی", "رفراندوم", "جام", "جلسه", "جلسات", "رای", "رایگیری", "کلاس", "کلاسها",
}
RELIGIOUS = {"فتوا", "فتوای", "حرام", "شرعی"}
LIFT = {"لغو", "رفع", "برداشتن", "برداشتند", "برداشت", "برداشته", "تعلیق", "کاهش", "تسهیل", "معافیت",
        "کاستن", "لغوشد", "پایان"}
THREAT = {"تهدید", "خواهد", "خواهند", "خواهیم", "درصدد", "احتمال", "آماده", "آمادگی", "ممکن", "اگر",
          "چنانچه", "درصورت", "درصورتی", "خواستار", "توان", "میتواند", "میتوانند", "قصد", "بررسی", "پیشنهاد"}
THREAT_PHRASES = [("قرار", "است"), ("در", "نظر"), ("به", "دنبال", "ادامه"), ("در", "صورت"), ("مورد", "بحث")]
IMPOSE = {"وضع", "اعمال", "تحریمکرد", "تحریمکردند", "تحریمشد", "تحریمشدند", "تحریمشدهاند", "تمدید",
          "تصویب", "افزود", "افزوده", "گنجاند", "توقیف", "مسدود", "بلوکه", "ازسرگرفت", "ازسرگرفته",
          "کرد", "کردند", "کردهاند", "کرده", "شد", "شدند", "شدهاند", "گرفت", "گرفتند", "داد", "دادند",
          "رسید", "اند", "است", "میکند", "میکنند", "افزایش", "جدید", "جدیدی", "تازه", "تازهای"}
# standing-condition phrases: sanctions as a state of affairs, not an act
CONDITION_BEFORE = {"تحت", "دوران", "شرایط", "وجود", "رغم", "علیرغم", "باوجود", "فشار", "اثر", "آثار",
                    "تاثیر", "تبعات", "مذاکرات", "مذاکره", "رژیم"}
TARGET_MARKERS = {"علیه", "ضد", "برضد", "بر"}
AUTHORITY_MARKERS = {"سوی", "ازسوی", "توسط", "اعلام", "جانب"}
REPORTER_MARKERS = {"گزارش", "نقل", "بهنقل", "خبرگزاری"}
PERSON_NOUNS = {"فرد", "نفر", "شخص", "تن", "شخصیت", "مقام", "فرمانده", "عضو", "مدیر", "تبعه"}
ENTITY_NOUNS = {"نهاد", "شرکت", "موسسه", "سازمان", "بانک", "نهادها", "شرکتها", "کشتی", "نفتکش",
                "هواپیما", "بنیاد", "گروه", "مؤسسه", "واحد", "صرافی", "شخصیتحقوقی"}
GOVERNMENT_TYPES = ("GPE", "ORG", "PERSON")
# "به اتهام/به دلیل ... X": the reason or programme; actors inside it play no role
REASON_PHRASES = [("به", "اتهام"), ("بهاتهام",), ("به", "دلیل"), ("به", "علت"), ("با", "هدف"), ("به", "خاطر"),
                  ("به", "بهانه"), ("بهبهانه",), ("در", "ارتباط", "با"), ("به", "جرم"), ("بهدلیل",), ("بهعلت",),
                  ("بهخاطر",), ("برای", "مهار")]


def _is_trigger(word: str) -> bool:
    return word.startswith(TRIGGER_PREFIX) or word in OTHER_TRIGGERS


def _is_reporter(view: SentenceView, p: Placed) -> bool:
    if p.mention.text.replace("\u200c", "").startswith("خبرگزاری") or "news_agency" in p.mention.entity_key:
        return True
    return any(view.word(j) in REPORTER_MARKERS for j in range(p.first - 3, p.first))


def _status(view: SentenceView, trigger: int) -> str | None:
    words = set(view.words)
    lift = [i for i in view.find(LIFT) if abs(i - trigger) <= 6]
    if lift:
        return "lifted"
    threat = bool(words & THREAT) or any(view.has_phrase(ph) is not None for ph in THREAT_PHRASES)
    act = bool(words & IMPOSE) or view.word(trigger) in IMPOSE
    if threat:
        return "threatened"
    return "imposed" if act else None


def _is_condition(view: SentenceView, trigger: int) -> bool:
    j, before = view.prev_word(trigger)
    if before in CONDITION_BEFORE:
        return True
    nj, after = view.next_word(trigger + 1)
    return after in {"ظالمانه", "ظالمانهای", "یکجانبه"} and not (set(view.words) & {"وضع", "اعمال", "تمدید", "تصویب"})


def _counts(view: SentenceView) -> dict[str, int]:
    counts: dict[str, int] = {}
    toks = view.tokens[: view.last]
    i = view.first
    while i < view.last:
        parsed = parse_number(toks, i)
        if parsed:
            value, j = parsed
            noun = view.word(j)
            kind = "persons" if noun in PERSON_NOUNS else "entities" if noun in ENTITY_NOUNS else None
            if kind and kind not in counts and value > 0:
                counts[kind] = value
            i = max(j, i + 1)
        else:
            i += 1
    return counts


def reason_span(view: SentenceView, trigger: int) -> tuple[int, int] | None:
    """Token range of the reason/programme phrase before the trigger ("به‌اتهام کمک به ...")."""
    for phrase in REASON_PHRASES:
        at = view.has_phrase(phrase, view.first, trigger)
        if at is not None:
            return at, trigger
    return None


def _roles(view: SentenceView, trigger: int, passive: bool):
    authority, targets, countries = [], [], []
    reason = reason_span(view, trigger)
    explicit_target = any(view.word(p.first - 1) in TARGET_MARKERS or view.prev_word(p.first)[1] in TARGET_MARKERS
                          for p in view.actors)
    for p in view.actors:
        if _is_reporter(view, p) or p.mention.label not in GOVERNMENT_TYPES:
            continue
        if reason and reason[0] <= p.first < reason[1]:
            continue
        _, before = view.prev_word(p.first)
        based_in = view.word(p.first - 1) == "در" and view.word(p.first - 2) in {"مستقر", "واقع", "ساکن"}
        listed_place = p.mention.label == "GPE" and any(
            view.word(p.first - k) == "در" and view.word(p.first - k - 1) == "مستقر" for k in range(1, 8))
        if based_in or listed_place:
            countries.append(p)
            continue
        if before in TARGET_MARKERS:
            targets.append(p)
        elif before in AUTHORITY_MARKERS or view.word(p.first - 2) in AUTHORITY_MARKERS and before in {"روز", "رسمی"}:
            authority.append(p)
        elif p.first == trigger + 1 or (p.first == trigger + 2 and view.word(trigger + 1) in {"های", "ها"}):
            # genitive: "تحریم‌های آمریکا علیه ایران" (authority) vs "تحریم روسیه" (target)
            (authority if explicit_target or p.mention.label == "ORG" else targets).append(p)
        elif view.word(view.next_word(p.last)[0]) == "را" and p.first < trigger:
            targets.append(p)
        elif p.first < trigger:
            (targets if passive and _after_complementizer(view, p) else authority).append(p)
    if passive and not authority:
        # "A اعلام کرد که T ... تحریم شد": the announcer is the authority
        pass
    return authority, targets, countries


def _after_complementizer(view: SentenceView, p: Placed) -> bool:
    ke = view.find({"که"}, end=p.first)
    announce = view.find({"اعلام", "اعلامکرد"}, end=p.first)
    return bool(ke) or not announce or view.word(p.first - 1) == "،"


def _passive(view: SentenceView, trigger: int) -> bool:
    tail = "".join(view.word(i) for i in range(trigger, min(trigger + 4, view.last)))
    return any(x in tail for x in ("تحریمشد", "تحریمقرار", "شدند", "شدهاند", "قرارگرفت")) or \
        view.word(trigger - 1) == "مورد"


def _argument(doc: Document, role: str, p: Placed) -> Argument:
    return Argument(role, p.mention.entity_key, _span_of(p))


def _span_of(p: Placed):
    m = p.mention
    from streams.core.document import Span
    return Span(m.field, m.start, m.end)


def find_sanctions(doc: Document) -> Document:
    found: list[Event] = []
    for view in sentences(doc):
        triggers = [i for i in range(view.first, view.last) if _is_trigger(view.word(i))]
        for phrase in LIST_PHRASES:
            at = view.has_phrase(phrase)
            if at is not None:
                triggers.append(at)
        if not triggers or set(view.words) & RELIGIOUS:
            continue
        trigger = None
        for i in sorted(triggers):
            _, after = view.next_word(i + 1)
            if after in BOYCOTT_OBJECTS or _is_condition(view, i):
                continue
            trigger = i
            break
        if trigger is None:
            continue
        word = view.word(trigger)
        if word.startswith("تحریمشده") and found and not any(
                p.mention.label in ("GPE",) and view.prev_word(p.first)[1] in AUTHORITY_MARKERS for p in view.actors):
            # "... از جمله افراد تحریم‌شده‌اند": names the targets of the sanction just reported
            prev = found[-1]
            for p in view.actors:
                if p.mention.label in ("PERSON", "ORG") and not _is_reporter(view, p):
                    prev.arguments.append(_argument(doc, "target", p))
            continue
        status = _status(view, trigger)
        if status is None:
            continue
        passive = _passive(view, trigger)
        authority, targets, countries = _roles(view, trigger, passive)
        if not authority:
            continue
        event = Event("sanction", status, trigger=view.span(trigger, trigger + 1), evidence=view.whole)
        event.arguments += [_argument(doc, "authority", p) for p in authority]
        event.arguments += [_argument(doc, "target", p) for p in targets]
        event.date = date_near(doc, view.field.name, view.sentence.start, view.sentence.end,
                               view.tokens[trigger].start)
        reason = reason_span(view, trigger)
        if reason:
            event.attributes["reason"] = view.span(*reason)
        counts = _counts(view)
        event.attributes["target_count"] = {"persons": counts.get("persons"), "entities": counts.get("entities")} \
            if counts else None
        target_countries = [p for p in countries] + [p for p in targets if p.mention.label == "GPE"]
        event.attributes["target_countries"] = [_argument(doc, "target_country", p) for p in target_countries]
        found.append(event)
    doc.events.extend(_merge(doc, found))
    return doc


def _countries_of(doc: Document, event: Event) -> set[str]:
    out = set()
    for a in event.arguments:
        if a.role == "authority" and a.entity_id in doc.entities:
            ent = doc.entities[a.entity_id]
            out.add(ent.country or ent.id)
    return out


def _has_targets(event: Event) -> bool:
    return any(a.role == "target" for a in event.arguments) or bool(event.attributes.get("target_count"))


def _merge(doc: Document, events: list[Event]) -> list[Event]:
    """Sentences that report one act ("... imposed new sanctions." then "... 7 persons were sanctioned.")
    become one event: same status, nearby, same authority country, compatible dates, one side without targets."""
    merged: list[Event] = []
    for ev in events:
        prev = merged[-1] if merged else None
        if prev is not None and prev.status == ev.status and prev.evidence.field == ev.evidence.field \
                and _countries_of(doc, prev) & _countries_of(doc, ev) \
                and (prev.date is None or ev.date is None or prev.date == ev.date) \
                and (not _has_targets(prev) or not _has_targets(ev)) \
                and _sentence_gap(doc, prev, ev) <= 3:
            keep, other = (ev, prev) if _has_targets(ev) or not _has_targets(prev) else (prev, ev)
            seen = {(a.role, a.entity_id) for a in keep.arguments}
            keep.arguments += [a for a in other.arguments if (a.role, a.entity_id) not in seen]
            keep.date = keep.date or other.date
            merged[-1] = keep
        else:
            merged.append(ev)
    return merged


def _sentence_gap(doc: Document, a: Event, b: Event) -> int:
    f = doc.fields[a.evidence.field]
    starts = [s.start for s in f.sentences]
    return abs(starts.index(b.evidence.start) - starts.index(a.evidence.start))
