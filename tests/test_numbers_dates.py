import datetime as dt

from streams.core.text.dates import find_dates, hijri_to_gregorian
from streams.core.document import Document
from streams.core.text.numbers import words_to_int


def test_number_words():
    assert words_to_int("هفت") == 7
    assert words_to_int("بیست و سه") == 23
    assert words_to_int("۱۲") == 12
    assert words_to_int("صد و بیست و پنج") == 125
    assert words_to_int("سه هزار") == 3000
    assert words_to_int("نه") is None  # "no", not nine, when alone


def _dates(body, published=None):
    doc = find_dates(Document.from_article({"id": "t", "body": body, "published_at": published}))
    return [(doc.text_of(m), m.date) for m in doc.dates], doc.warnings


def test_jalali_with_and_without_mah():
    found, _ = _dates("این دیدار روز ۱۵ مهر ۱۴۰۱ و نیز ۳ آبانماه ۱۴۰۱ انجام شد.")
    assert ("15 مهر 1401", dt.date(2022, 10, 7)) in found
    assert dt.date(2022, 10, 25) in [d for _, d in found]


def test_gregorian_month_names_and_year_from_publication():
    found, _ = _dates("او روز ۱۲ مارس به پاریس رفت و در فوریه ۲۰۲۲ هم آنجا بود.", "2024-03-20")
    assert ("12 مارس", dt.date(2024, 3, 12)) in found
    assert ("فوریه 2022", None) in found  # a month is not a day


def test_relative_days_against_publication():
    found, _ = _dates("وزیر دیروز گفت و روز گذشته رفت و فردا بازمی‌گردد.", "2023-05-10")
    assert [d for _, d in found] == [dt.date(2023, 5, 9), dt.date(2023, 5, 9), dt.date(2023, 5, 11)]


def test_weekday_conflict_keeps_explicit_date_and_warns():
    found, warnings = _dates("روز چهارشنبه ۲۸ شهریورماه ۱۴۰۲ اعلام شد. عصر چهارشنبه دیدار کردند.")
    assert all(d == dt.date(2023, 9, 19) for _, d in found)
    assert warnings and warnings[0]["code"] == "weekday_conflict"


def test_bare_weekday_resolves_to_most_recent():
    found, _ = _dates("سه‌شنبه گذشته و پنجشنبه", "2024-01-05")  # a Friday
    assert found == [("سه\u200cشنبه گذشته", dt.date(2024, 1, 2)), ("پنج\u200cشنبه", dt.date(2024, 1, 4))]


def test_today_with_wrong_weekday_is_a_warning():
    found, warnings = _dates("امروز دوشنبه خبر رسید.", "2024-01-05")
    assert found[0][1] == dt.date(2024, 1, 5)
    assert warnings and warnings[0]["code"] == "weekday_conflict"


def test_hijri():
    assert hijri_to_gregorian(1445, 9, 1) in (dt.date(2024, 3, 10), dt.date(2024, 3, 11), dt.date(2024, 3, 12))
    found, _ = _dates("در ۱۵ رمضان ۱۴۴۵ برگزار شد.")
    assert found and found[0][1] is not None and found[0][1].year == 2024


def test_a_bare_weekday_reads_the_tense_of_its_verb():
    import streams
    published = "2024-06-01T08:00:00Z"   # a Saturday
    dates = {}
    for body in ("محمد جواد ظریف روز دوشنبه به پکن سفر می‌کند.", "محمد جواد ظریف روز دوشنبه به پکن سفر کرد."):
        [e] = streams.extract({"id": "d", "body": body, "published_at": published})["events"]
        dates[e["status"]] = e["date"]
    assert dates == {"planned": "2024-06-03", "occurred": "2024-05-27"}
