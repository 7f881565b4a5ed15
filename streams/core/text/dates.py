"""Date expressions: Jalali, Gregorian and Hijri dates, weekdays and relative days.

`find_dates(doc)` fills `doc.dates`.  Dates are resolved against the article's own explicit
dates and `published_at`; a weekday that contradicts the explicit date next to it is kept as
written (the explicit date wins) and reported as a `weekday_conflict` warning, never guessed.
"""
from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache

import jdatetime

from streams.core.document import DateMention, Document, Field, Span
from streams.core.text.verbs import analyse

ZWNJ = "\u200c"

JALALI_MONTHS = {
    "فروردین": 1, "اردیبهشت": 2, "خرداد": 3, "تیر": 4, "مرداد": 5, "امرداد": 5, "شهریور": 6,
    "مهر": 7, "آبان": 8, "آذر": 9, "دی": 10, "بهمن": 11, "اسفند": 12,
}
GREGORIAN_MONTHS = {
    "ژانویه": 1, "ژانویهٔ": 1, "فوریه": 2, "مارس": 3, "آوریل": 4, "آپریل": 4, "مه": 5, "می": 5,
    "ژوئن": 6, "جون": 6, "ژوئیه": 7, "جولای": 7, "اوت": 8, "آگوست": 8, "اگوست": 8, "سپتامبر": 9,
    "اکتبر": 10, "نوامبر": 11, "دسامبر": 12,
}
HIJRI_MONTHS = {
    "محرم": 1, "صفر": 2, "ربیعالاول": 3, "ربیعالثانی": 4, "ربیعالآخر": 4, "جمادیالاول": 5,
    "جمادیالاولی": 5, "جمادیالثانی": 6, "جمادیالآخر": 6, "رجب": 7, "شعبان": 8, "رمضان": 9,
    "شوال": 10, "ذیقعده": 11, "ذیالقعده": 11, "ذیحجه": 12, "ذیالحجه": 12,
}
# Month names that are also common words: only a date when a day number precedes them.
_AMBIGUOUS_MONTHS = {"مهر", "دی", "تیر", "مه", "می", "صفر", "جون"}
WEEKDAYS = {"دوشنبه": 0, "سهشنبه": 1, "چهارشنبه": 2, "پنجشنبه": 3, "جمعه": 4, "شنبه": 5, "یکشنبه": 6}
RELATIVE_DAYS = {"امروز": 0, "امشب": 0, "دیروز": -1, "دیشب": -1, "پریروز": -2, "فردا": 1,
                 "پسفردا": 2, "فرداشب": 1}
RELATIVE_PHRASES = {("روز", "گذشته"): -1, ("شب", "گذشته"): -1, ("روز", "قبل"): -1}
PAST_WORDS = {"گذشته", "پیش", "قبل"}
NEXT_WORDS = {"آینده", "بعد"}
_HIJRI_EPOCH = 1948439.5
# a month name plus "ماه", each letter possibly followed by a ZWNJ
_MAX_MONTH_WORD = 2 * (max(map(len, (*JALALI_MONTHS, *GREGORIAN_MONTHS, *HIJRI_MONTHS))) + len("ماه"))


def hijri_to_gregorian(year: int, month: int, day: int) -> dt.date:
    """Tabular (civil) Islamic calendar; may differ by a day from the observed lunar calendar."""
    jd = day + math.ceil(29.5 * (month - 1)) + (year - 1) * 354 + (3 + 11 * year) // 30 + _HIJRI_EPOCH - 1
    return dt.date.fromordinal(int(jd - 1721424.5))


def _squash(tok_text: str) -> str:
    return tok_text.replace(ZWNJ, "")


def _month(word: str) -> tuple[str, int] | None:
    # called on every token: cache the short forms (word forms repeat); nothing longer can be a month
    return _cached_month(word) if len(word) <= _MAX_MONTH_WORD else None


@lru_cache(maxsize=8192)
def _cached_month(word: str) -> tuple[str, int] | None:
    w = _squash(word)
    if w.endswith("ماه") and len(w) > 3:
        w = w[:-3]
    for calendar, table in (("jalali", JALALI_MONTHS), ("gregorian", GREGORIAN_MONTHS), ("hijri", HIJRI_MONTHS)):
        if w in table:
            return calendar, table[w]
    return None


def _to_gregorian(calendar: str, y: int, m: int, d: int) -> dt.date | None:
    try:
        if calendar == "jalali":
            return jdatetime.date(y, m, d).togregorian()
        if calendar == "hijri":
            return hijri_to_gregorian(y, m, d) if 1 <= d <= 30 else None
        return dt.date(y, m, d)
    except (ValueError, OverflowError):
        return None


def _year_for(calendar: str, reference: dt.date | None) -> int | None:
    if reference is None:
        return None
    if calendar == "jalali":
        return jdatetime.date.fromgregorian(date=reference).year
    if calendar == "hijri":
        return None
    return reference.year


def _read_year(tokens, j: int, calendar: str) -> tuple[int | None, int, bool]:
    """Year after a month name: "1402", "سال 2022", "سال جاری", "امسال". Returns (year, next index, this_year)."""
    if j < len(tokens) and tokens[j].text == "ماه":
        j += 1
    if j < len(tokens) and tokens[j].text in ("سال",):
        if j + 1 < len(tokens) and tokens[j + 1].text.isdigit():
            return int(tokens[j + 1].text), j + 2, False
        if j + 1 < len(tokens) and tokens[j + 1].text in ("جاری", "جار"):
            return None, j + 2, True
    if j < len(tokens) and tokens[j].text == "امسال":
        return None, j + 1, True
    if j < len(tokens) and tokens[j].text.isdigit() and len(tokens[j].text) == 4:
        return int(tokens[j].text), j + 1, False
    return None, j, False


class _Raw:
    """A date expression before resolution."""

    def __init__(self, field: str, start: int, end: int, kind: str, **kw):
        self.field, self.start, self.end, self.kind = field, start, end, kind
        self.calendar = kw.get("calendar")
        self.ymd = kw.get("ymd")            # (year or None, month, day)
        self.weekday = kw.get("weekday")
        self.offset = kw.get("offset")      # relative days
        self.direction = kw.get("direction", 0)  # -1 past, +1 next, 0 nearest, UPCOMING this or next
        self.this_year = kw.get("this_year", False)


def _scan(f: Field) -> list[_Raw]:
    toks = f.tokens
    found: list[_Raw] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        sq = _squash(t.text)
        # weekday (one token, or "سه شنبه" written with a space)
        wd, wd_end = None, i + 1
        if sq in WEEKDAYS:
            wd = WEEKDAYS[sq]
        elif i + 1 < len(toks) and sq in ("سه", "پنج", "یک") and toks[i + 1].text == "شنبه":
            wd, wd_end = WEEKDAYS[sq + "شنبه"], i + 2
        if wd is not None and sq == "جمعه" and i > 0 and toks[i - 1].text == "نماز":
            wd = None  # Friday prayers, not a date
        if wd is not None:
            j = wd_end
            direction = 0
            if j < len(toks) and toks[j].text in PAST_WORDS:
                direction, j = -1, j + 1
            elif j < len(toks) and toks[j].text in NEXT_WORDS:
                direction, j = 1, j + 1
            elif _speaks_of_the_future(toks, j):
                direction = UPCOMING
            found.append(_Raw(f.name, t.start, toks[j - 1].end, "weekday", weekday=wd, direction=direction))
            i = j
            continue
        # day month [year]  (also "6 تا 8 ژوئن": the range starts on the 6th)
        if t.text.isdigit() and 1 <= int(t.text) <= 31:
            j = i + 1
            if j + 1 < len(toks) and toks[j].text in ("تا", "-") and toks[j + 1].text.isdigit():
                j += 2
            month = _month(toks[j].text) if j < len(toks) else None
            if month:
                year, k, this_year = _read_year(toks, j + 1, month[0])
                found.append(_Raw(f.name, t.start, toks[k - 1].end, "absolute", calendar=month[0],
                                  ymd=(year, month[1], int(t.text)), this_year=this_year))
                i = k
                continue
        # month year (a month, not a day: kept for the year only)
        month = _month(t.text)
        if month and _squash(t.text) not in _AMBIGUOUS_MONTHS:
            year, k, this_year = _read_year(toks, i + 1, month[0])
            if year is not None:
                found.append(_Raw(f.name, t.start, toks[k - 1].end, "month", calendar=month[0],
                                  ymd=(year, month[1], None)))
                i = k
                continue
        if sq in RELATIVE_DAYS:
            found.append(_Raw(f.name, t.start, t.end, "relative", offset=RELATIVE_DAYS[sq]))
        elif i + 1 < len(toks) and (t.text, toks[i + 1].text) in RELATIVE_PHRASES:
            found.append(_Raw(f.name, t.start, toks[i + 1].end, "relative",
                              offset=RELATIVE_PHRASES[(t.text, toks[i + 1].text)]))
            i += 2
            continue
        i += 1
    return found


UPCOMING = 2          # a weekday in a sentence about the future: this one or the next, never a past one
CLAUSE_ENDS = {".", "،", "؛", ":", "!", "؟", "?", "که", "و"}


def _speaks_of_the_future(toks, j: int, width: int = 12) -> bool:
    """The first verb after a bare weekday is future ("خواهد رفت") or a progressive present ("سفر می‌کند"):
    "روز دوشنبه به تهران سفر می‌کند" is the coming Monday, "روز دوشنبه ... سفر کرد" the last one."""
    for k in range(j, min(len(toks), j + width)):
        if toks[k].text in CLAUSE_ENDS:
            return False
        form = analyse(toks[k].text)
        if form is not None:
            return form.present == "خواه" and form.tense == "present" and not form.progressive \
                or form.tense == "present" and form.progressive
    return False


def _nearest_weekday(anchor: dt.date, weekday: int, direction: int) -> dt.date:
    if direction == UPCOMING:
        return anchor + dt.timedelta(days=(weekday - anchor.weekday()) % 7)
    delta = (anchor.weekday() - weekday) % 7
    if direction > 0:
        return anchor + dt.timedelta(days=(weekday - anchor.weekday()) % 7 or 7)
    if direction < 0 and delta == 0:
        delta = 7
    return anchor - dt.timedelta(days=delta)


def find_dates(doc: Document) -> Document:
    raws = [r for name in ("title", "body") for r in _scan(doc.fields[name])]
    published = doc.published
    absolute: list[tuple[_Raw, dt.date]] = []
    # absolute dates first: they anchor years and weekdays for the rest
    first_year_ref = published
    for r in raws:
        if r.kind != "absolute":
            continue
        year, month, day = r.ymd
        if year is None:
            year = _year_for(r.calendar, first_year_ref)
        date = _to_gregorian(r.calendar, year, month, day) if year else None
        if date is None:
            continue
        absolute.append((r, date))
        first_year_ref = first_year_ref or date
    anchor = published or (absolute[0][1] if absolute else None)
    named_days: dict[int, dt.date] = {}
    results: list[DateMention] = []
    pending_weekdays: dict[tuple[str, int], _Raw] = {}
    for r in raws:
        if r.kind == "weekday":
            pending_weekdays[(r.field, r.end)] = r
    # a weekday written right before an explicit date names that date
    for r, date in absolute:
        f = doc.fields[r.field]
        k = f.token_index_at(r.start)
        prev = [(r.field, f.tokens[j].end) for j in (k - 1, k - 2) if j >= 0]
        for key in prev:
            wd = pending_weekdays.pop(key, None)
            if wd is None:
                continue
            span = Span(r.field, wd.start, r.end)
            if date.weekday() != wd.weekday:
                doc.warn("weekday_conflict",
                         f"the text names weekday {doc.text_of(Span(r.field, wd.start, wd.end))!r} but "
                         f"{date.isoformat()} is a {date.strftime('%A')}; the explicit date is used", span)
            named_days.setdefault(wd.weekday, date)
            results.append(DateMention(r.field, wd.start, wd.end, date, "weekday", wd.weekday))
            break
        results.append(DateMention(r.field, r.start, r.end, date, "absolute"))
    for r in raws:
        if r.kind == "month":
            results.append(DateMention(r.field, r.start, r.end, None, "month"))
        elif r.kind == "relative":
            date = published + dt.timedelta(days=r.offset) if published else None
            results.append(DateMention(r.field, r.start, r.end, date, "relative"))
        elif r.kind == "weekday" and (r.field, r.end) in pending_weekdays:
            date = None
            if r.direction in (0, UPCOMING) and r.weekday in named_days:
                date = named_days[r.weekday]
            elif anchor is not None:
                date = _nearest_weekday(anchor, r.weekday, r.direction)
            results.append(DateMention(r.field, r.start, r.end, date, "weekday", r.weekday))
    # "امروز پنجشنبه": the weekday must agree with the publication date
    results.sort(key=lambda m: (m.field, m.start))
    for a, b in zip(results, results[1:]):
        if a.kind == "relative" and b.kind == "weekday" and a.field == b.field and a.date and \
                doc.fields[a.field].text[a.end:b.start].strip() == "":
            if a.date.weekday() != b.weekday:
                doc.warn("weekday_conflict", f"{doc.text_of(b)!r} does not fall on {a.date.isoformat()}; "
                         "the relative date is used", Span(a.field, a.start, b.end))
            b.date = a.date
    doc.dates = results
    return doc


def date_near(doc: Document, field: str, start: int, end: int, trigger: int) -> dt.date | None:
    """The resolved day-level date inside [start, end) closest to the trigger offset."""
    best = None
    for m in doc.dates:
        if m.field == field and m.start >= start and m.end <= end and m.date is not None:
            distance = abs(m.start - trigger)
            if best is None or distance < best[0]:
                best = (distance, m.date)
    return best[1] if best else None
