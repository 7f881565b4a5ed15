"""Sanction and visit rules on short examples written for these tests (not from the eval sets)."""
from __future__ import annotations

import pytest

import streams


def _extract(body: str, published: str | None = "2024-03-12", title: str = "") -> dict:
    return streams.extract({"id": "t", "body": body, "title": title, "published_at": published})


def _events(body: str, kind: str, **kw) -> list[dict]:
    return [e for e in _extract(body, **kw)["events"] if e["type"] == kind]


def _rules(body: str):
    """The document before the visit decision, and the hand rules' visit reader (what they propose, before
    the learned decision keeps or drops it)."""
    from streams.core.events.training import prepare
    from streams.core.events.visits import rule_visits
    return prepare({"id": "t", "body": body, "title": "", "published_at": "2024-03-12"}).doc, rule_visits


def _texts(event: dict, role: str) -> list[str]:
    return [a["text"] for a in event["arguments"][role]]


def _rule_pairs(body: str) -> set[tuple[str, ...]]:
    """(visitor, destination) texts of what the hand rules read as visits."""
    doc, rule_visits = _rules(body)
    return {tuple(doc.text_of(a.span) for a in ev.arguments if a.role in ("visitor", "destination"))
            for ev in rule_visits(doc)}


# --- sanctions -------------------------------------------------------------------------------


def test_states_named_by_an_anaphor_lift_their_sanctions_past_a_relative_clause():
    body = ("آلمان، فرانسه، ایتالیا، اسپانیا و هلند سال گذشته با این طرح موافقت کردند. این پنج کشور تحریم‌های خود را "
            "علیه ونزوئلا که شامل منع صادرات سلاح بود، برداشتند.")
    [s] = _events(body, "sanction")
    assert s["status"] == "lifted" and _texts(s, "target") == ["ونزوئلا"]
    assert set(_texts(s, "authority")) == {"آلمان", "فرانسه", "ایتالیا", "اسپانیا", "هلند"}
    assert all(a["inferred"] for a in s["arguments"]["authority"])


def test_a_bloc_in_the_genitive_lifts_for_the_state_its_relative_clause_describes():
    [s] = _events("کوبا که پس از لغو تحریم‌های غرب گردشگران بیشتری پذیرفته، هتل‌های تازه می‌سازد.", "sanction")
    assert s["status"] == "lifted" and _texts(s, "target") == ["کوبا"]
    assert [a["entity_id"] for a in s["arguments"]["authority"]] == ["region:the-west"]


def test_the_subject_a_relative_clause_describes_imposes_the_sanction_inside_it():
    [s] = _events("دولت ژاپن که قصد دارد تحریم‌های کره شمالی را تمدید کند، نگران است.", "sanction")
    assert s["status"] == "threatened"
    assert _texts(s, "authority") == ["دولت ژاپن"] and _texts(s, "target") == ["کره شمالی"]


def test_officials_named_by_their_nationality_are_their_side():
    [s] = _events("مقامات اروپایی قصد دارند تحریم‌های جدیدی علیه بلاروس وضع کنند.", "sanction")
    assert s["status"] == "threatened" and _texts(s, "target") == ["بلاروس"]
    assert [a["entity_id"] for a in s["arguments"]["authority"]] == ["region:europe"]

def test_imposed_sanction_with_counts_date_and_countries():
    body = ("وزارت خزانه‌داری آمریکا روز دوشنبه ۲۰ اسفند ۱۴۰۲ پنج فرد و سه شرکت مستقر در ایران و امارات را "
            "به اتهام همکاری با برنامه موشکی تحریم کرد.")
    [s] = _events(body, "sanction")
    assert s["status"] == "imposed" and s["cameo"] == "163"
    assert any("خزانه" in t for t in _texts(s, "authority"))
    assert s["target_count"] == {"persons": 5, "entities": 3}
    assert {a["text"] for a in s["target_countries"]} >= {"ایران", "امارات"}
    assert s["date"] == "2024-03-10"
    assert "همکاری" in s["reason"]["text"]


def test_lifted_sanction():
    [s] = _events("اتحادیه اروپا دیروز تحریم‌های خود علیه بلاروس را لغو کرد.", "sanction")
    assert s["status"] == "lifted" and s["cameo"] == "085"
    assert _texts(s, "target") == ["بلاروس"]
    assert s["date"] == "2024-03-11"


def test_threatened_sanction():
    [s] = _events("وزیر خارجه فرانسه گفت کشورش روسیه را به تحریم‌های بیشتر تهدید خواهد کرد و "
                  "اتحادیه اروپا در نظر دارد تحریم‌های تازه‌ای علیه روسیه وضع کند.", "sanction")
    assert s["status"] == "threatened" and s["cameo"] == "1312"
    assert "روسیه" in _texts(s, "target")


@pytest.mark.parametrize("body", [
    "ایران سال‌هاست تحت تحریم‌های ظالمانه آمریکا قرار دارد.",                  # standing condition
    "چند کشور عربی اعلام کردند کنفرانس بحرین را تحریم می‌کنند و تحریم کنفرانس را ادامه می‌دهند.",  # boycott
    "مرجع تقلید در فتوای خود بر تحریم غیبت و دروغ تاکید کرد.",                 # religious ruling
    "نخست‌وزیر روسیه تشدید تحریم‌ها علیه ایران را رد کرد.",                      # denial
    "اگر آمریکا تحریم‌ها را تمدید کند، ایران پاسخ خواهد داد.",                   # conditional
    "کارشناسان درباره فشارهای ناشی از تحریم‌ها بر اقتصاد ایران سخن گفتند.",      # topic
])
def test_sanction_negatives(body):
    assert _events(body, "sanction") == []


def test_one_act_reported_twice_is_one_event():
    body = ("وزارت خزانه‌داری آمریکا روز سه‌شنبه تحریم‌های تازه‌ای علیه ونزوئلا وضع کرد.\n"
            "بر اساس اعلام وزارت خزانه‌داری آمریکا، سه مقام ونزوئلا تحریم شدند.")
    assert len(_events(body, "sanction")) == 1


def test_implicit_target_is_inferred_and_marked():
    body = ("سنای آمریکا طرح تمدید تحریم‌ها علیه ایران را تصویب کرد.\n"
            "رئیس‌جمهور آمریکا این تحریم‌ها را امضا خواهد کرد.")
    events = _events(body, "sanction")
    threatened = [e for e in events if e["status"] == "threatened"]
    assert threatened and threatened[0]["arguments"]["target"][0].get("inferred") is True


# --- visits ----------------------------------------------------------------------------------

def test_arrival_with_title_apposition_and_host():
    body = ("سرگئی لاوروف، وزیر امور خارجه روسیه، صبح امروز به دعوت رسمی عباس عراقچی وارد تهران شد.\n"
            "سفر وزیر امور خارجه روسیه به تهران دو روز طول می‌کشد.")
    [v] = _events(body, "visit")
    assert v["status"] == "occurred" and v["cameo"] == "042"
    assert _texts(v, "visitor") == ["سرگئی لاوروف"] and _texts(v, "destination") == ["تهران"]
    assert _texts(v, "host") == ["عباس عراقچی"] and v["host_cameo"] == "043"
    assert v["date"] == "2024-03-12"


def test_planned_trip_with_duration():
    [v] = _events("رئیس‌جمهور ترکیه قرار است هفته آینده در یک سفر سه‌روزه به مسکو برود.", "visit")
    assert v["status"] == "planned" and v["cameo"] == "036"
    assert _texts(v, "destination") == ["مسکو"]


def test_meeting_abroad_makes_the_foreign_side_the_visitor():
    body = "ولادیمیر پوتین روز گذشته در مسکو با رجب طیب اردوغان، رئیس‌جمهور ترکیه، دیدار کرد."
    [v] = _events(body, "visit")
    assert _texts(v, "visitor") == ["رجب طیب اردوغان"] and _texts(v, "host") == ["ولادیمیر پوتین"]


@pytest.mark.parametrize("body", [
    "تیم ملی فوتبال ایران برای بازی با ژاپن به توکیو سفر کرد.",          # sports fixture
    "وزیر خارجه ایران با سفیر آلمان دیدار و گفت‌وگو کرد.",              # meeting with no travel
    "اگر ترامپ به مسکو سفر کند، دیدار دو رهبر انجام می‌شود.",          # conditional
    "وزیر صنعت ترکیه دیروز از کاهش واردات از ایران خبر داد.",          # imports: the preverb وارد takes no suffix
    "آرزوی سناتور این است که به ریاست جمهوری آمریکا برسد.",             # the place belongs to another noun
    "نخست‌وزیر ایتالیا به پایبندی دولت لبنان به توافق اشاره کرد.",
    "سناتور اوهایو پس از آنکه وارد کاخ سفید شد، سیاست خارجی را تغییر داد.",   # entering a body is joining it
    "وزیر کشور گفت این لایحه هفته گذشته به شورای نگهبان رسید.",              # reaching a body is no trip
    "ماریا پتروا، رئیس کنونی پارلمان روسیه، در ۱۸ سالگی به لنین‌گراد رفت.",   # a life story: moving
    "کنستانتین ایوانف دو سال بعد به‌عنوان سفیر روسیه به پرتغال رفت.",          # taking up a post
    "وزیر خارجه برزیل از همتای ایرانی خود برای سفر به برازیلیا دعوت کرد.",     # an invitation only
    "وزیر دفاع کانادا از اعزام بالگردهای نظامی این کشور به لتونی خبر داد.",     # the helicopters travel
    "وزیر بهداشت از اعزام هفت دستگاه آمبولانس به مرز مهران خبر داد.",            # counted things travel
    "دکتر کاظمی با بیان اینکه صدها زائر به کربلا رفته‌اند، از آمادگی بیمارستان‌ها خبر داد.",  # another clause
    "رئیس‌جمهور فرانسه پس از پایان سفر آسیایی خود امروز وارد فرانسه شد.",      # home: nobody visits their country
    "نخست‌وزیر ژاپن امروز وارد توکیو شد.",                                     # nor its capital
    "وزیر ارشاد امروز از دفتر خبرگزاری ایرنا در یزد بازدید کرد.",               # a newsroom is no place
    "سخنگو درباره شایعه سفر ولادیمیر پوتین به قاهره گفت: چنین سفری نبود.",      # a rumour
])
def test_visit_negatives(body):
    assert _events(body, "visit") == []


def test_a_one_word_title_after_the_trip_noun_is_the_visitor():
    # not the speaker reporting it: "رئیس‌جمهور" names its holder without a country or body after it
    [v] = _events("سخنگوی دولت گفت: سفر رئیس‌جمهور به استان کرمان هفته آینده انجام می‌شود.", "visit")
    assert v["status"] == "planned"
    assert _texts(v, "visitor") == ["رئیس‌جمهور"] and _texts(v, "destination") == ["استان کرمان"]


@pytest.mark.parametrize("body, visitor", [
    ("سرگئی لاوروف، وزیر امور خارجه روسیه، که دیروز به تهران سفر کرده بود، در یک نشست خبری سخن گفت.",
     "سرگئی لاوروف"),
    ("وزیر امور خارجه روسیه که دیروز به تهران سفر کرده بود، در یک نشست خبری سخن گفت.", "وزیر امور خارجه روسیه"),
])
def test_the_hand_rules_read_a_relative_clause_as_describing_its_antecedent(body, visitor):
    # the rules alone (one input of the learned decision): across the apposition "، وزیر ...، که"
    doc, rule_visits = _rules(body)
    [ev] = rule_visits(doc)
    assert [doc.text_of(a.span) for a in ev.arguments if a.role in ("visitor", "destination")] == [visitor, "تهران"]
    [v] = _events(body, "visit")
    assert _texts(v, "visitor") == [visitor] and _texts(v, "destination") == ["تهران"]


@pytest.mark.parametrize("body, visitor, place, status", [
    ("وزیر بهداشت امروز از بیمارستان‌های شهر اهواز بازدید کرد.", "وزیر بهداشت", "شهر اهواز", "occurred"),
    ("نخست‌وزیر ویتنام هفته آینده از ژاپن دیدن می‌کند.", "نخست‌وزیر ویتنام", "ژاپن", "planned"),
])
def test_a_visit_stated_by_its_light_verb_after_the_place(body, visitor, place, status):
    # "از Y بازدید کرد" / "از Y دیدن می‌کند": the place is named inside the "از" phrase before the predicate
    doc, rule_visits = _rules(body)
    [ev] = rule_visits(doc)
    assert ev.status == status
    assert [doc.text_of(a.span) for a in ev.arguments if a.role in ("visitor", "destination")] == [visitor, place]
    [v] = _events(body, "visit")
    assert v["status"] == status and _texts(v, "visitor") == [visitor] and _texts(v, "destination") == [place]


def test_the_media_that_report_a_trip_are_neither_its_visitor_nor_its_place():
    body = ("خبرنگار اعزامی خبرگزاری فارس به لیما گزارش داد: نخست‌وزیر مالزی که هفته گذشته به پرو سفر کرده است، "
            "امروز به خبرنگار خبرگزاری فرانسه گفت: همکاری‌ها ادامه می‌یابد.")
    pairs = [(_texts(v, "visitor"), _texts(v, "destination")) for v in _events(body, "visit")]
    assert (["نخست‌وزیر مالزی"], ["پرو"]) in pairs
    assert not any("خبرگزاری" in " ".join(v + d) for v, d in pairs)


def test_participants_of_the_meeting_the_article_placed_abroad_visit_its_place():
    # "در این نشست" refers to the meeting placed first, not to a later "صلح در سوریه"; the ministers of the
    # group met there
    body = ("نشست وزیران خارجه گروه بیست امروز در رم آغاز شد. این نشست برای گفت‌وگو درباره صلح در سوریه برگزار "
            "می‌شود. وزیر خارجه ژاپن در این نشست شرکت کرد.")
    doc, rule_visits = _rules(body)
    assert [[doc.text_of(a.span) for a in ev.arguments if a.role in ("visitor", "destination")]
            for ev in rule_visits(doc)] == [["وزیران خارجه گروه بیست", "رم"], ["وزیر خارجه ژاپن", "رم"]]


@pytest.mark.parametrize("body, visits", [
    # both sides from elsewhere: both visited the place
    ("کالین پاول هفته گذشته در اندونزی در حاشیه دیدار با وزیر امور خارجه کره شمالی گفت: ما نگران هستیم.",
     [["کالین پاول", "اندونزی"], ["وزیر امور خارجه کره شمالی", "اندونزی"]]),
    # met at the host's home: the named guest the article ties to no country came from elsewhere
    ("سرگئی لاوروف امروز در دیدار با ژان مارک ایرو در مسکو درباره سوریه گفت‌وگو کرد.",
     [["ژان مارک ایرو", "مسکو"]]),
])
def test_who_visited_the_place_of_a_meeting(body, visits):
    doc, rule_visits = _rules(body)
    # (one pair per meeting word: "دیدار" and "گفت‌وگو" read it twice; the merge makes one event)
    assert sorted({tuple(doc.text_of(a.span) for a in ev.arguments if a.role in ("visitor", "destination"))
                   for ev in rule_visits(doc)}) == sorted(map(tuple, visits))


@pytest.mark.parametrize("body, visitor, place, status", [
    ("مسکو ماه آینده میزبان رئیس‌جمهور ایران خواهد بود.", "رئیس‌جمهور ایران", "مسکو", "planned"),
    # a title naming several holders is never the one Russian the article names
    ("ولادیمیر پوتین هفته گذشته گفت روابط خوب است. تهران دیروز میزبان وزرای دفاع روسیه و سوریه بود.",
     "وزرای دفاع روسیه", "تهران", "occurred"),
])
def test_a_place_hosting_someone_was_visited_by_them(body, visitor, place, status):
    doc, rule_visits = _rules(body)
    [ev] = rule_visits(doc)
    assert ev.status == status
    assert [doc.text_of(a.span) for a in ev.arguments if a.role in ("visitor", "destination")] == [visitor, place]
    assert _events("تهران میزبان نشست وزیران خارجه کشورهای همسایه است.", "visit") == []


@pytest.mark.parametrize("body, visitor, place, host", [
    ("وزیر نیرو که برای امضای قرارداد سد در ایروان به سر می‌برد، با نخست‌وزیر ارمنستان دیدار کرد.",
     "وزیر نیرو", "ایروان", None),
    ("در حالی که نخست‌وزیر ژاپن در پکن به سر می‌برد، بازار سهام توکیو افت کرد.", "نخست‌وزیر ژاپن", "پکن", None),
    ("پادشاه مالزی دیروز در کاخ سلطنتی از حسن روحانی رسماً استقبال کرد.", "حسن روحانی", "مالزی", "پادشاه مالزی"),
    ("نخست‌وزیر عراق امروز در بغداد از وزیر خارجه ترکیه استقبال کرد.", "وزیر خارجه ترکیه", "بغداد", "نخست‌وزیر عراق"),
])
def test_staying_in_a_place_and_being_welcomed_there_are_visits(body, visitor, place, host):
    doc, rule_visits = _rules(body)
    [ev] = [e for e in rule_visits(doc) if doc.text_of(e.trigger) in ("می‌برد", "استقبال")]
    assert [doc.text_of(a.span) for a in ev.arguments if a.role in ("visitor", "destination")] == [visitor, place]
    assert [doc.text_of(a.span) for a in ev.arguments if a.role == "host"] == ([host] if host else [])


@pytest.mark.parametrize("body", [
    "این بازیکن دوران کوتاهی را در میلان به سر برد.",                   # spending a period: residence
    "نخست‌وزیر ژاپن دیروز از قطعنامه شورای امنیت استقبال کرد.",         # welcoming a text, not a guest
    "وزیر کشور فرانسه در پاریس به سر می‌برد.",                          # at home
])
def test_a_stay_or_a_welcome_that_is_no_visit(body):
    doc, rule_visits = _rules(body)
    assert rule_visits(doc) == []


@pytest.mark.parametrize("body, place", [
    ("وزیر خارجه ایتالیا دیروز به شهر مشهد سفر کرد.", "مشهد"),
    ("نخست‌وزیر ژاپن امروز به پایتخت «تایلند» رفت.", "تایلند"),
])
def test_a_place_noun_or_a_quote_may_stand_between_the_preposition_and_the_place(body, place):
    doc, rule_visits = _rules(body)
    [ev] = rule_visits(doc)
    assert [doc.text_of(a.span).split()[-1].strip("«»") for a in ev.arguments if a.role == "destination"] == [place]


def test_a_speaker_saying_i_travelled_is_the_visitor():
    doc, rule_visits = _rules("بوریس جانسون گفت: من هفته گذشته به کی‌یف رفتم و با مقامات آنجا دیدار کردم.")
    [ev] = rule_visits(doc)
    assert [doc.text_of(a.span) for a in ev.arguments if a.role in ("visitor", "destination")] == \
        ["بوریس جانسون", "کی‌یف"]
    doc, rule_visits = _rules("بوریس جانسون گفت: آنها هفته گذشته به کی‌یف رفتند.")   # not the speaker
    assert rule_visits(doc) == []


@pytest.mark.parametrize("body, visits", [
    ("وزیر خارجه چین دیروز در مراسم افتتاح در تهران حضور یافت.", [["وزیر خارجه چین", "تهران"]]),
    ("وزیر خارجه لبنان دیروز در مراسم افتتاح در بیروت حضور یافت.", []),            # at home
    ("سفیر ایران در لبنان دیروز در مراسم افتتاح حضور داشت.", []),                   # posted there: a title
])
def test_presence_abroad_is_a_visit_presence_at_home_or_at_ones_post_is_not(body, visits):
    doc, rule_visits = _rules(body)
    assert sorted({tuple(doc.text_of(a.span) for a in ev.arguments if a.role in ("visitor", "destination"))
                   for ev in rule_visits(doc)}) == [tuple(v) for v in visits]


@pytest.mark.parametrize("body, visits", [
    # the visitor the genitive of "بازدید", the place inside its "از" phrase
    ("صبح امروز در بازدید وزیر بهداشت از بیمارستان‌های شهر اهواز کمبودها بررسی شد.", [["وزیر بهداشت", "شهر اهواز"]]),
    ("علی کاظمی دیروز در بازدید از چند مدرسه روستایی اصفهان گفت: کمبود معلم جدی است.", [["علی کاظمی", "اصفهان"]]),
    # "جمعی از" is partitive: the visit's "از" is the one after it
    ("در حاشیه بازدید جمعی از نمایندگان مجلس از پالایشگاه آبادان، وزیر نفت سخن گفت.",
     [["نمایندگان مجلس", "پالایشگاه آبادان"]]),
    ("ظریف و لاوروف نشستی را در ژنو برگزار کردند.", [["لاوروف", "ژنو"], ["ظریف", "ژنو"]]),
    ("همایش ملی آب امروز با حضور فرهاد کاظمی، معاون وزیر نیرو، در شیراز آغاز شد.", [["فرهاد کاظمی", "شیراز"]]),
    # one light verb for two predicates
    ("وزیر خارجه ژاپن هفته گذشته به هانوی سفر و با مقامات ویتنام دیدار کرد.", [["وزیر خارجه ژاپن", "هانوی"]]),
    ("او نسبت به سفر و دیدار وزیر خارجه ژاپن هشدار داد.", []),
    ("آنگلا مرکل در جریان دیدار از چین بر گسترش روابط تاکید کرد.", [["آنگلا مرکل", "چین"]]),   # "دیدار از P"
    ("سفر دو روزه وزیر خارجه ژاپن به تهران آغاز شد.", [["وزیر خارجه ژاپن", "تهران"]]),   # a length, not a count
    ("نخست‌وزیر ژاپن امروز وارد اوساکا شد.", [["نخست‌وزیر ژاپن", "اوساکا"]]),   # another city of one's country
    ("سرگئی لاوروف در حاشیه نشست سازمان همکاری شانگهای در تاشکند به خبرنگاران گفت روابط دو کشور خوب است.",
     [["سرگئی لاوروف", "تاشکند"]]),                                          # on the sidelines of a meeting abroad
])
def test_an_inspection_a_meeting_held_an_attendance_and_a_trip_sharing_its_light_verb(body, visits):
    doc, rule_visits = _rules(body)
    assert sorted([doc.text_of(a.span) for a in ev.arguments if a.role in ("visitor", "destination")]
                  for ev in rule_visits(doc)) == sorted(visits)


def test_two_trips_of_one_visitor_in_one_sentence_are_two_visits():
    events = _events("رئیس‌جمهور آفریقای جنوبی هفته آینده به تهران سفر می‌کند و سپس به بروندی سفر خواهد کرد.",
                     "visit")
    assert sorted(_texts(e, "destination")[0] for e in events) == ["بروندی", "تهران"]
    assert {e["status"] for e in events} == {"planned"}


def test_our_country_in_the_outlets_voice_is_iran_named_elsewhere_in_the_article():
    [s] = _events("ایران پیشنهاد تازه‌ای داد. اتحادیه اروپا تحریم‌های جدیدی علیه کشورمان وضع کرد.", "sanction")
    [target] = s["arguments"]["target"]
    assert (target["entity_id"], target["text"], target.get("inferred")) == ("country:IRN", "ایران", True)
    [v] = _events("روابط ایران و ژاپن گسترش یافت. وزیر خارجه ژاپن هفته آینده به کشورمان سفر می‌کند.", "visit")
    assert v["arguments"]["destination"][0]["entity_id"] == "country:IRN"
    # no mention of Iran to point the evidence at: nothing is made up
    alone = _events("اتحادیه اروپا تحریم‌های جدیدی علیه کشورمان وضع کرد.", "sanction")
    assert not [a for e in alone for a in e["arguments"]["target"] if a["entity_id"] == "country:IRN"]


@pytest.mark.parametrize("body", [
    "رئیس مجلس سنای ایتالیا امروز وارد تهران می‌شود.",                     # arrival, present: news' future
    "نخست‌وزیر هند در یک سفر رسمی از اندونزی دیدن می‌کند.",               # a visit of a place, present
    "رئیس‌جمهور آمریکا در آستانه سفر به آلمان با خبرنگاران گفت‌وگو کرد.",  # on the eve of the trip
])
def test_a_trip_told_in_the_present_or_on_its_eve_is_planned(body):
    doc, rule_visits = _rules(body)
    assert [ev.status for ev in rule_visits(doc)][:1] == ["planned"]


def test_seeing_from_close_is_not_a_visit():
    assert _events("معاون استاندار از نزدیک مشکلات کشاورزان شهرستان را دید.", "visit") == []


def test_anaphoric_destination_points_at_the_country():
    body = "نخست‌وزیر پاکستان برای دیدار با مقامات چینی هفته آینده راهی این کشور می‌شود."
    [v] = _events(body, "visit")
    assert v["status"] == "planned"
    assert v["arguments"]["destination"][0]["entity_id"] == "country:CHN"


def test_origin_and_duration_of_a_trip():
    [v] = _events("سفر سه‌روزه رئیس‌جمهور ایران از تهران به مسکو امروز آغاز شد.", "visit")
    assert _texts(v, "origin") == ["تهران"] and _texts(v, "destination") == ["مسکو"]
    assert v["duration"] == "سه‌روزه"


def test_a_capital_as_authority_stands_for_its_state():
    [s] = _events("مسکو روز گذشته تحریم‌های تازه‌ای علیه لیتوانی وضع کرد.", "sanction")
    [authority] = s["arguments"]["authority"]
    assert authority["text"] == "مسکو" and authority["stands_for"] == "country:RUS"


@pytest.mark.parametrize("unit", ["تحریم ", "سفر وزیر به تهران ", "وزارت خزانه‌داری آمریکا ایران را تحریم کرد و ", "ا"])
def test_pathological_articles_at_the_size_limit_still_come_out(unit):
    """Repetitive text without punctuation, up to the 200,000-character body limit: rules stay linear."""
    from conftest import assert_valid
    record = _extract(unit * (199_000 // len(unit)))
    assert_valid("articles.enriched", record)
    assert len([e for e in record["events"] if e["type"] == "sanction"]) <= 1


def test_headline_and_body_report_one_lifting():
    record = _extract("شورای اتحادیه اروپا روز سه‌شنبه تحریم‌های اعمال‌شده علیه شرکت کشتیرانی «دریای آرام» و "
                      "دو مدیر آن را لغو کرد.", title="اتحادیه اروپا تحریم یک شرکت کشتیرانی را لغو کرد")
    [s] = [e for e in record["events"] if e["type"] == "sanction"]
    assert s["status"] == "lifted" and s["evidence"]["field"] == "body"


def test_the_place_of_a_press_conference_is_not_an_authority():
    body = ("یک مقام ارشد اتحادیه اروپا در نشستی خبری در بروکسل هشدار داد که این اتحادیه آماده است "
            "تحریم‌های جدیدی علیه شرکت‌های هوایی ایران اعمال کند.")
    [s] = _events(body, "sanction")
    assert s["status"] == "threatened" and _texts(s, "authority") == ["اتحادیه اروپا"]
    assert s["target_count"] is None  # "یک مقام" is the speaker, not a count of targets


def test_nobody_sanctions_itself():
    # the first "ونزوئلا" is a possessor ("صادرات نفت ونزوئلا"), not the party lifting the sanctions
    body = ("در صورت افزایش صادرات نفت ونزوئلا، تحریم‌های آمریکا علیه ونزوئلا لغو می‌شود.")
    [s] = _events(body, "sanction")
    assert _texts(s, "authority") == ["آمریکا"] and _texts(s, "target") == ["ونزوئلا"]
    body = ("طبق توافق، با کاهش تولید نفت ونزوئلا تحریم‌های یک‌جانبه علیه ونزوئلا لغو شد.")
    assert all("ونزوئلا" not in _texts(s, "authority") for s in _events(body, "sanction"))


# --- sentences a new user tried (the events issue): structure, not word lists ------------------------------

@pytest.mark.parametrize("body, kind, status, roles", [
    ("وزير خارجه فرانسه هفته آينده به تهران سفر مي كند.", "visit", "planned",
     {"visitor": "وزير خارجه فرانسه", "destination": "تهران"}),
    ("وزیر خارجه چین فردا به تهران می‌آید.", "visit", "planned", {"visitor": "وزیر خارجه چین", "destination": "تهران"}),
    ("رئیس‌جمهور روسیه دیروز به پکن رفت.", "visit", "occurred", {"visitor": "رئیس‌جمهور روسیه", "destination": "پکن"}),
    ("هیئتی از وزارت نفت عراق برای گفت‌وگو درباره صادرات گاز به تهران آمد.", "visit", "occurred",
     {"visitor": "هیئتی از وزارت نفت عراق", "destination": "تهران"}),
    ("معاون وزیر خارجه ایران و همتای نروژی او دیروز در اسلو دیدار کردند.", "visit", "occurred",
     {"visitor": "معاون وزیر خارجه ایران", "destination": "اسلو"}),
    ("وزارت خزانه‌داری آمریکا روز گذشته پنج شرکت چینی را به فهرست تحریم‌ها افزود.", "sanction", "imposed",
     {"authority": "وزارت خزانه‌داری آمریکا"}),
    ("دولت کانادا ورود پنج مقام ایرانی به خاک این کشور را ممنوع کرد.", "sanction", "imposed",
     {"authority": "دولت کانادا", "target": "مقام ایرانی"}),
])
def test_events_stated_by_structure(body, kind, status, roles):
    [e] = _events(body, kind, published="2024-03-01")
    assert e["status"] == status
    for role, text in roles.items():
        assert _texts(e, role) == [text]


def test_a_list_addition_and_a_travel_ban_carry_their_counts():
    [s] = _events("وزارت خزانه‌داری آمریکا روز گذشته پنج شرکت چینی را به فهرست تحریم‌ها افزود.", "sanction",
                  published="2024-03-01")
    assert s["target_count"] == {"persons": None, "entities": 5} and s["date"] == "2024-02-29"
    [b] = _events("دولت کانادا ورود پنج مقام ایرانی به خاک این کشور را ممنوع کرد.", "sanction")
    assert b["target_count"] == {"persons": 5, "entities": None}


def test_a_future_list_addition_is_a_threat():
    [s] = _events("آمریکا سه بانک روسی را به فهرست سیاه خواهد افزود.", "sanction")
    assert s["status"] == "threatened"


@pytest.mark.parametrize("body, status, authority, target", [
    # the authority named by its marker stays the authority when the sentence names it again
    ("تمدید تحریم تسلیحاتی سودان توسط فرانسه و سفر وزیر فرانسه به خارطوم، دو خبر مهم این هفته بود.",
     "imposed", "فرانسه", "سودان"),
    # a chamber where the bill was passed is its authority
    ("با تصویب تحریم‌های تازه علیه کره شمالی در مجلس نمایندگان آمریکا، فشار بر پیونگ‌یانگ بیشتر شد.",
     "imposed", "مجلس نمایندگان آمریکا", "کره شمالی"),
    # a new package reported without its verb is still an act
    ("به نظر می‌رسد تحریم‌های جدید اتحادیه اروپا علیه بلاروس اقتصاد این کشور را هدف گرفته است.",
     "imposed", "اتحادیه اروپا", "بلاروس"),
])
def test_nominal_sanction_acts(body, status, authority, target):
    [s] = _events(body, "sanction")
    assert s["status"] == status and authority in _texts(s, "authority") and _texts(s, "target")[:1] == [target]


@pytest.mark.parametrize("body, status, authority, target", [
    ("دولت کانادا دیروز سپاه پاسداران را سازمانی تروریستی اعلام کرد.", "imposed", "دولت کانادا", "سپاه پاسداران"),
    ("واکنش‌ها به تصمیم اتحادیه اروپا در تروریستی خواندن حزب‌الله لبنان ادامه دارد.", "imposed", "اتحادیه اروپا",
     "حزب‌الله لبنان"),
    ("ژاپن حماس را در فهرست گروه‌های تروریستی قرار داد.", "imposed", "ژاپن", "حماس"),
    ("استرالیا قصد دارد سپاه پاسداران را سازمانی تروریستی بنامد.", "threatened", "استرالیا", "سپاه پاسداران"),
])
def test_a_terrorist_designation_is_a_sanction(body, status, authority, target):
    [s] = _events(body, "sanction")
    assert s["status"] == status and _texts(s, "authority") == [authority] and _texts(s, "target") == [target]


@pytest.mark.parametrize("body", [
    "گروه تروریستی داعش روز گذشته اعلام کرد که مسئولیت این حمله را بر عهده دارد.",   # a name stands between
    "یک گروه تروریستی اعلام کرد که بمب‌گذاری کار او بوده است.",                      # no object designated
    "نماینده عربستان در این نشست مخالفان دولت سوریه را تروریست خواند.",              # nobody named: rhetoric
    "کسانی که دیروز ایران را تروریست خواندند امروز از صلح حرف می‌زنند.",            # the object, not the subject
])
def test_terrorist_as_a_description_or_insult_is_no_designation(body):
    assert _events(body, "sanction") == []


def test_standing_sanctions_without_a_new_act_are_not_events():
    assert _events("تحریم‌های اتحادیه اروپا علیه بلاروس سال‌هاست ادامه دارد.", "sanction") == []


def test_a_seizure_is_a_sanction_only_when_property_is_seized():
    assert _events("نیروهای امنیتی همه راه‌های ورودی شهر را مسدود کردند.", "sanction") == []
    [s] = _events("دولت آمریکا دارایی‌های سه شرکت ونزوئلایی را مسدود کرد.", "sanction")
    assert s["status"] == "imposed" and _texts(s, "authority") == ["دولت آمریکا"]


def test_conjuncts_share_the_role_their_marker_gives():
    [s] = _events("تحریم‌های تازه‌ای علیه سوریه و لبنان از سوی کانادا و استرالیا اعمال شد.", "sanction")
    assert set(_texts(s, "authority")) == {"کانادا", "استرالیا"} and set(_texts(s, "target")) == {"سوریه", "لبنان"}


def test_extending_a_sanctions_law_is_an_act():
    [s] = _events("سنای آمریکا دیروز به تمدید قانون تحریم‌های کوبا رأی داد.", "sanction")
    assert s["status"] == "imposed"


def test_seeking_tighter_sanctions_is_a_threat():
    [s] = _events("پارلمان اروپا به دنبال تشدید تحریم‌ها علیه بلاروس است.", "sanction")
    assert s["status"] == "threatened"


def test_the_body_a_title_names_is_no_candidate_visitor_its_holder_is():
    from streams.core.events.training import prepare
    prep = prepare({"id": "t", "title": "", "published_at": "2024-03-12",
                    "body": "علی‌اکبر صالحی، رئیس سازمان انرژی اتمی، دیروز برای شرکت در کنفرانس آژانس به وین رفت."})
    visitors = {prep.doc.text_of(c.visitor.span) for c in prep.candidates}
    assert "علی‌اکبر صالحی" in visitors and "سازمان انرژی اتمی" not in visitors


def test_both_sides_of_a_meeting_abroad_named_after_the_noun_visited_and_neither_hosted():
    events = _events("دو روز پس از دیدار ولادیمیر پوتین با رجب طیب اردوغان در تهران، بازارها آرام شدند.", "visit")
    assert sorted((_texts(e, "visitor"), _texts(e, "destination"), _texts(e, "host")) for e in events) == \
        [(["رجب طیب اردوغان"], ["تهران"], []), (["ولادیمیر پوتین"], ["تهران"], [])]


def test_a_trip_abroad_is_one_event_however_many_places_of_the_country_are_named():
    body = ("نخست‌وزیر ژاپن دیروز وارد تهران شد. سفر نخست‌وزیر ژاپن به ایران سه روز طول می‌کشد و او فردا به اصفهان "
            "می‌رود و سپس عازم هند خواهد شد.")
    events = _events(body, "visit")
    assert sorted((sorted(_texts(e, "destination")), e["status"]) for e in events) == \
        [(["اصفهان", "ایران", "تهران"], "occurred"), (["هند"], "planned")]
    # a domestic tour names trips of their own: the country does not join them
    events = _events("وزیر نیرو امروز به شیراز سفر کرد و فردا به یاسوج می‌رود.", "visit")
    assert sorted(_texts(e, "destination") for e in events) == [["شیراز"], ["یاسوج"]]


def test_the_trigger_s_own_past_verb_tells_its_trip_whatever_future_words_follow():
    events = _events("وزیر نیرو امروز به شیراز سفر کرد و فردا به یاسوج می‌رود.", "visit")
    assert sorted((_texts(e, "destination"), e["status"]) for e in events) == \
        [(["شیراز"], "occurred"), (["یاسوج"], "planned")]
    events = _events("رئیس‌جمهور روسیه دیروز به پکن رفته بود و هفته آینده به دهلی خواهد رفت.", "visit")
    assert sorted((_texts(e, "destination"), e["status"]) for e in events) == \
        [(["دهلی"], "planned"), (["پکن"], "occurred")]


def test_a_site_on_a_trip_to_a_city_is_a_destination_of_that_trip_not_a_trip_of_its_own():
    from streams.core.document import Argument, Event, Span
    from streams.core.events.visits import merge
    body = "وزیر نیرو امروز به شیراز سفر کرد، با حضور در یادمان شهدا ادای احترام کرد و سپس به شهرستان کوهسار رفت."
    doc, _ = _rules(body)

    def visit(place: str, eid: str | None) -> Event:
        ev = Event("visit", "occurred", trigger=Span("body", 0, 1), evidence=Span("body", 0, len(body)))
        at, who = body.index(place), body.index("وزیر نیرو")
        ev.arguments = [Argument("visitor", None, Span("body", who, who + len("وزیر نیرو"))),
                        Argument("destination", eid, Span("body", at, at + len(place)))]
        return ev

    def destinations(events: list[Event]) -> list[list[str]]:
        return [[doc.text_of(a.span) for a in ev.arguments if a.role == "destination"] for ev in events]
    assert destinations(merge(doc, [visit("شیراز", "city:shiraz"), visit("یادمان شهدا", None)])) == \
        [["شیراز", "یادمان شهدا"]]
    # a town the gazetteer lacks is a trip of its own, and so is a second known place
    assert destinations(merge(doc, [visit("شیراز", "city:shiraz"), visit("شهرستان کوهسار", None)])) == \
        [["شیراز"], ["شهرستان کوهسار"]]
    assert len(merge(doc, [visit("شیراز", "city:shiraz"), visit("یادمان شهدا", "city:tehran")])) == 2


@pytest.mark.parametrize("body, visits", [
    # a press conference with a guest from elsewhere: the guest came, the side at home (or of no known country)
    # hosted, past the guest's title in apposition
    ("نبیه بری در نشست خبری مشترک با سرگئی لاوروف، وزیر امور خارجه روسیه، در بیروت گفت: ما از آتش‌بس حمایت "
     "می‌کنیم.", [("سرگئی لاوروف", "بیروت", "نبیه بری")]),
    ("کمال صفوی در دیدار با سرگئی لاوروف در بیروت گفت: ما از آتش‌بس حمایت می‌کنیم.",
     [("سرگئی لاوروف", "بیروت", "کمال صفوی")]),
    # the subject after a fronted "در حاشیه" phrase attended the meeting abroad; at home nobody travelled
    ("در حاشیه نشست سران در باکو، نخست‌وزیر پاکستان گفت که روابط دو کشور خوب است.",
     [("نخست‌وزیر پاکستان", "باکو", None)]),
    ("در حاشیه نشست سران در تهران، وزیر خارجه ایران گفت که روابط دو کشور خوب است.", []),
    # a clause joined by "و" shares the fronted place; an infinitive is not its verb
    ("در حاشیه نشست سران در باکو، نخست‌وزیر پاکستان نسبت به نهایی شدن توافق ابراز امیدواری کرد و وزیر خارجه "
     "چین نیز این سخنان را تأیید کرد.", [("نخست‌وزیر پاکستان", "باکو", None), ("وزیر خارجه چین", "باکو", None)]),
    # a place found whole ("دوحه قطر") is in the country of the last known place among its words
    ("هفته گذشته در حاشیه اجلاس انرژی دوحه قطر وزیر نفت ونزوئلا از توافق تازه خبر داد.",
     [("وزیر نفت ونزوئلا", "دوحه قطر", None)]),
])
def test_who_attended_a_meeting_or_press_conference_away_from_home(body, visits):
    doc, rule_visits = _rules(body)
    found = set()
    for ev in rule_visits(doc):
        texts = {r: [doc.text_of(a.span) for a in ev.arguments if a.role == r] for r in ("visitor", "destination", "host")}
        found.add((texts["visitor"][0], texts["destination"][0], (texts["host"] or [None])[0]))
    assert sorted(found, key=str) == sorted(visits, key=str)


@pytest.mark.parametrize("body, visits", [
    ("وزرای دارایی کشورهای آسیایی روز شنبه در سئول درباره بدهی‌ها گفت‌وگو کردند.",
     [("وزرای دارایی کشورهای آسیایی", "سئول")]),
    ("اعضای ناتو قرار است هفته آینده در ورشو تشکیل جلسه دهند.", [("اعضای ناتو", "ورشو")]),
    # the place may end a long clause
    ("وزرای دفاع ناتو روز دوشنبه در نشستی فوق‌العاده با موضوع امنیت انرژی در زمستان پیش رو در ورشو گردآمدند.",
     [("وزرای دفاع ناتو", "ورشو")]),
    ("سران 27 کشور عضو اتحادیه اروپا فردا در پراگ نشست دیگری برگزار می‌کنند.",
     [("سران 27 کشور عضو اتحادیه اروپا", "پراگ")]),
    # officials of a body, often posted where it sits; the ministers of two states, one of them at home
    ("مقامات اتحادیه اروپا در بروکسل اعلام کردند که تحریم‌ها ادامه دارد.", []),
    ("وزرای نفت دو کشور در ریاض توافق کردند.", []),
])
def test_office_holders_of_several_states_in_one_place_came_there_to_meet(body, visits):
    found = _rule_pairs(body)
    assert sorted(found) == sorted(visits)


@pytest.mark.parametrize("body, visits", [
    ("ظریف دیروز از مسکو به پکن رفت.", [("ظریف", "پکن", "occurred"), ("ظریف", "مسکو", "occurred")]),
    ("وزیر خارجه چین هفته آینده از اسلام‌آباد به کابل سفر می‌کند.",
     [("وزیر خارجه چین", "کابل", "planned"), ("وزیر خارجه چین", "اسلام‌آباد", "planned")]),
    # a trip from home starts nowhere visited
    ("پوتین امروز از مسکو به تهران آمد.", [("پوتین", "تهران", "occurred")]),
])
def test_the_place_a_traveller_leaves_abroad_was_a_stop_of_the_tour(body, visits):
    got = [(_texts(e, "visitor")[0], _texts(e, "destination")[0], e["status"]) for e in _events(body, "visit")]
    assert sorted(got) == sorted(visits)


def test_a_meeting_on_the_sidelines_of_a_conference_is_where_the_conference_is():
    body = ("این توافق پس از دیدار «ویکتور اوربان» نخست وزیر مجارستان با «روبرت فیکو» نخست وزیر اسلواکی در حاشیه نشست "
            "مجمع عمومی سازمان ملل در نیویورک اعلام شد.")
    doc, rule_visits = _rules(body)
    found = {tuple(doc.text_of(a.span) for a in ev.arguments if a.role in ("visitor", "destination"))
             for ev in rule_visits(doc)}
    assert found == {("ویکتور اوربان", "نیویورک"), ("روبرت فیکو", "نیویورک")}
    # both came from elsewhere: neither hosted the other
    assert not [a for ev in rule_visits(doc) for a in ev.arguments if a.role == "host"]


def test_a_trip_to_where_a_meeting_is_held_is_a_trip_to_the_meetings_place():
    found = _rule_pairs("وزیر خارجه ترکیه پیش از عزیمت به محل برگزاری نشست وزرای خارجه اتحادیه اروپا در «لیسبون» "
                        "گفت که کشورش به تعهداتش پایبند است.")
    assert found == {("وزیر خارجه ترکیه", "لیسبون"), ("وزرای خارجه اتحادیه اروپا", "لیسبون")}


def test_the_place_nearest_the_meeting_is_where_it_is_held():
    # headlines run together by dashes: one clause, two places
    found = _rule_pairs("نشست اقتصادی در مسکو برگزار شد - وزیر خارجه ارمنستان در حاشیه اجلاس سران سازمان همکاری "
                        "شانگهای در تاشکند دیدارهای دوجانبه‌ای انجام داد.")
    assert ("وزیر خارجه ارمنستان", "تاشکند") in found and ("وزیر خارجه ارمنستان", "مسکو") not in found


@pytest.mark.parametrize("body, place, visitor", [
    ("در حالی که بلینکن در قاهره به سر می‌برد، دیگر مقامات وزارت خارجه آمریکا برای گفت‌وگو به ریاض رفتند.",
     "ریاض", "مقامات وزارت خارجه آمریکا"),
    # "گفت و گو" is a noun, not a clause ended by "گفت"
    ("پنج تن از نمایندگان مجلس ترکیه جهت انجام گفت و گوهای تجاری راهی بغداد شدند.", "بغداد", "نمایندگان مجلس ترکیه"),
])
def test_a_subject_whose_clause_ended_with_its_verb_does_not_make_the_next_trip(body, place, visitor):
    doc, rule_visits = _rules(body)
    trips = [ev for ev in rule_visits(doc) if any(a.role == "destination" and doc.text_of(a.span) == place
                                                  for a in ev.arguments)]
    assert [doc.text_of(a.span) for ev in trips for a in ev.arguments if a.role == "visitor"] == [visitor]


@pytest.mark.parametrize("body, visits", [
    ("عملیات اجرایی بیمارستان بزرگ شهر یاسوج با حضور وزیر بهداشت و درمان فردا آغاز می‌شود.",
     [("وزیر بهداشت", "شهر یاسوج")]),
    ("کارگاه آموزشی امروز با حضور لیلا صارمی، مدیر گروه آموزش، در سنندج آغاز شد.", [("لیلا صارمی", "سنندج")]),
    # an official of no stated country at an event in a capital is most often at home; a topic is no place
    ("مراسم بزرگداشت در تهران با حضور وزیر فرهنگ برگزار شد.", []),
    ("نشست ژنو درباره یمن با حضور وزرای خارجه عمان و قطر برگزار شد.", [("وزرای خارجه عمان", "ژنو")]),
])
def test_whoever_an_event_was_held_in_the_presence_of_was_where_it_was_held(body, visits):
    found = _rule_pairs(body)
    assert sorted(found) == sorted(visits)


@pytest.mark.parametrize("body", [
    # the sides named in the sentence before, and in a headline run into the first sentence
    ("شهباز شریف نخست‌وزیر پاکستان و اشرف غنی رئیس‌جمهور افغانستان دیروز گفت‌وگو کردند. "
     "این دیدار در حاشیه کنفرانس امنیتی در دهلی نو صورت گرفت."),
    "نشست دوجانبه شهباز شریف و اشرف غنی درباره صلح به گزارش ایسنا، این دیدار در حاشیه کنفرانس امنیتی در دهلی نو "
    "صورت گرفت.",
])
def test_the_sides_of_a_meeting_named_before_met_where_this_meeting_is_placed(body):
    found = _rule_pairs(body)
    assert found == {("شهباز شریف", "دهلی‌نو"), ("اشرف غنی", "دهلی‌نو")}


def test_a_place_unknown_to_the_gazetteer_is_in_the_country_the_text_locates_it_in():
    from streams.core.document import Argument, Span
    from streams.core.events.visits import _place_country
    doc, _ = _rules("وزیر خارجه ژاپن دیروز به شهرک کوهستانی بلوریا واقع در ایالت تگزاس آمریکا رفت.")
    place = "شهرک کوهستانی بلوریا"
    start = doc.fields["body"].text.index(place)
    assert _place_country(doc, Argument("destination", None, Span("body", start, start + len(place)))) == "USA"


def test_a_meeting_is_where_its_subject_is_staying_and_the_subject_survives_its_relative_clause():
    # "X که ... به سر می‌برد، امروز با Y دیدار کرد": X (past the relative clause) met Y there; Y came too
    found = _rule_pairs("لاوروف که برای شرکت در نشست سازمان ملل در ژنو به سر می‌برد، امروز با وزیر خارجه "
                        "قزاقستان دیدار کرد.")
    assert {("لاوروف", "ژنو"), ("وزیر خارجه قزاقستان", "ژنو")} <= found


@pytest.mark.parametrize("body, visits", [
    # an official from elsewhere at a county council's session, even where the recogniser runs the council and
    # the town into one organisation
    ("علی نیکزاد صبح امروز در جلسه شورای اداری شهرستان بیله سوار افزود: کار خوبی شده است.",
     {("علی نیکزاد", "شهرستان بیله سوار")}),
    # the county's own governor is at home
    ("فرماندار بیله سوار صبح امروز در جلسه شورای اداری شهرستان بیله سوار افزود: کار خوبی شده است.", set()),
])
def test_an_official_from_elsewhere_at_a_local_councils_session_came_there(body, visits):
    assert _rule_pairs(body) == visits


def test_companions_travel_in_one_party():
    # GUIDELINES: a delegation counts once; "به همراه" names who travel in the head's party
    body = ("وزیر خارجه ژاپن که شب گذشته به همراه کنجی تاناکا معاون سیاسی و هیرو ساتو معاون اقتصادی خود وارد "
            "مادرید شد، امروز با همتای اسپانیایی خود دیدار کرد.")
    found = _rule_pairs(body)
    assert ("کنجی تاناکا", "مادرید") in found and ("هیرو ساتو", "مادرید") in found   # each read by the rules
    visits = [v for v in _events(body, "visit") if _texts(v, "destination") == ["مادرید"]]
    assert len(visits) == 1, visits
    assert {"کنجی تاناکا", "هیرو ساتو"} <= set(_texts(visits[0], "visitor"))


def test_companions_are_named_after_a_companion_phrase_with_no_verb_between():
    from streams.core.events.clauses import sentences
    from streams.core.events.visits import in_company
    doc, _ = _rules("هیرو ساتو به همراه کنجی تاناکا وارد مادرید شد و سپس ماریا لوپز به مادرید رفت.")
    [view] = [v for v in sentences(doc) if v.field.name == "body"]
    at = {t.text: i for i, t in enumerate(view.tokens) if view.first <= i < view.last}
    assert in_company(view, at["کنجی"]) and not in_company(view, at["هیرو"])
    assert not in_company(view, at["ماریا"])     # a finite verb ends the companion phrase


def test_a_delegations_member_list_travels_as_the_delegation():
    body = ("هیئت تجاری ژاپن متشکل از ۴۰ نفر از بازرگانان، کارشناسان بانکی و نمایندگان پارلمان است که برای "
            "گسترش همکاری‌ها به تهران آمده است.")
    assert _rule_pairs(body) == {("هیئت تجاری ژاپن", "تهران")}
    # a delegation named by its members alone
    body = "هیاتی متشکل از کارشناسان وزارت انرژی پاکستان هفته آینده وارد دهلی نو می‌شود."
    assert _rule_pairs(body) == {("هیاتی متشکل از کارشناسان وزارت انرژی پاکستان", "دهلی\u200cنو")}


def test_a_title_given_with_our_country_names_its_holder_with_the_country():
    # the outlets' "کشورمان" is Iran: the same title written with ایران is the same person, so one trip
    body = ("محمد اسلامی، رئیس سازمان انرژی اتمی کشورمان، دیروز برای شرکت در نشست آژانس وارد وین شد.\n"
            "رئیس سازمان انرژی اتمی ایران امروز در وین با وزیر انرژی قزاقستان دیدار کرد.")
    visits = [v for v in _events(body, "visit") if "وین" in _texts(v, "destination")]
    visitors = [_texts(v, "visitor")[0] for v in visits]
    assert "رئیس سازمان انرژی اتمی ایران" not in visitors and "محمد اسلامی" in visitors


def test_in_presence_of_an_honoured_name_whose_title_runs_past_the_window():
    body = ("مجمع عمومی پلیس اینترپل روز دوشنبه با حضور سردار «مسعود رضوانی» رئیس پلیس بین‌الملل نیروی انتظامی "
            "جمهوری اسلامی ایران در اندونزی گشایش یافت.")
    assert _rule_pairs(body) == {("مسعود رضوانی", "اندونزی")}


@pytest.mark.parametrize("body, visitor, place, host, status", [
    ("ولادیمیر پوتین فردا میزبان رجب طیب اردوغان در سوچی خواهد بود.", "رجب طیب اردوغان", "سوچی", "ولادیمیر پوتین",
     "planned"),
    # the host is what the relative clause describes, not the name inside it ("پیروزی ترامپ")
    ("جو بایدن که پس از پیروزی ترامپ، میزبان دونالد ترامپ رئیس‌جمهوری منتخب در کاخ سفید بود گفت: دیدار خوبی بود.",
     "دونالد ترامپ", "کاخ سفید", "جو بایدن", "occurred"),
])
def test_a_person_hosting_someone_at_a_place(body, visitor, place, host, status):
    # (a shorter mention of the same person may stand for the visitor: one entity, one event)
    visits = [v for v in _events(body, "visit") if _texts(v, "visitor")[0] in visitor]
    assert len(visits) == 1, _events(body, "visit")
    assert _texts(visits[0], "destination") == [place] and _texts(visits[0], "host") == [host]
    assert visits[0]["status"] == status


@pytest.mark.parametrize("body, visits", [
    ("وزیر خارجه فرانسه هفته گذشته در تهران بود.", {("وزیر خارجه فرانسه", "تهران")}),
    # an official of a region belongs to its country
    ("مقامات اقلیم کردستان عراق که چندی پیش در تهران بودند، قول همکاری دادند.", {("مقامات اقلیم کردستان عراق", "تهران")}),
    ("وزیر کشور ایران دیروز در تهران بود.", set()),          # at home
    ("سفیر فرانسه در تهران بود.", set()),                     # posted there
    ("علی رضایی هفته گذشته در تهران بود.", set()),            # no known home: not told apart from a resident
])
def test_having_been_in_a_place_abroad_is_a_visit(body, visits):
    assert _rule_pairs(body) == visits


@pytest.mark.parametrize("body, visits", [
    ("حسن روحانی ظهر امروز در مراسم بهره‌برداری از طرح‌های توسعه میادین نفتی غرب کارون اظهار کرد: کار خوبی است.",
     {("حسن روحانی", "غرب کارون")}),
    # the facility named with its town
    ("رئیس سازمان انرژی اتمی امروز در مراسم کلنگ‌زنی فاز دوم نیروگاه اتمی بوشهر گفت: کار آغاز شد.",
     {("رئیس سازمان انرژی اتمی", "نیروگاه اتمی بوشهر")}),
    ("استاندار بوشهر امروز در مراسم افتتاح نیروگاه اتمی بوشهر گفت: کار آغاز شد.", set()),   # the place's own
    ("فرماندار امروز در مراسم افتتاح بیمارستان شیراز گفت: کار آغاز شد.", set()),            # a local title
    ("علی رضایی امروز در مراسم افتتاح بیمارستان شیراز گفت: کار آغاز شد.", set()),           # of unknown standing
    ("حسن روحانی امروز در مراسم افتتاح بیمارستانی در تهران گفت: کار آغاز شد.", set()),      # the capital
])
def test_a_national_figure_at_an_opening_ceremony_in_a_province_came_there(body, visits):
    assert _rule_pairs(body) == visits


def test_a_shortened_title_is_the_same_visitor_and_names_it_too():
    body = ("وزیر فرهنگ و ارشاد اسلامی فردا به اصفهان سفر می‌کند.\n"
            "افتتاح دو کتابخانه از دیگر برنامه‌های سفر یک روزه وزیر ارشاد به اصفهان است.")
    visits = [v for v in _events(body, "visit") if "اصفهان" in _texts(v, "destination")]
    assert len(visits) == 1, visits
    assert set(_texts(visits[0], "visitor")) == {"وزیر فرهنگ و ارشاد اسلامی", "وزیر ارشاد"}


@pytest.mark.parametrize("body, visitor", [
    ("وزیر و برخی از معاونان وزارت نیرو دیروز به یزد سفر کردند.", "وزیر و برخی از معاونان وزارت نیرو"),
    ("رئیس و اعضای هیئت مدیره اتاق بازرگانی ایران دیروز به مسکو رفتند.",
     "رئیس و اعضای هیئت\u200cمدیره اتاق بازرگانی ایران"),
])
def test_a_title_word_joined_to_the_title_phrase_that_completes_it(body, visitor):
    assert {v for v, _ in _rule_pairs(body)} == {visitor}



def test_a_meeting_on_the_sidelines_of_an_international_organisations_session():
    # no place named: both sides came to the organisation
    body = ("عباس عراقچی روز چهارشنبه در دیدار «پنی وانگ» وزیر خارجه استرالیا که در حاشیه نشست مجمع عمومی "
            "سازمان ملل متحد برگزار شد، گفت: روابط دو کشور خوب است.")
    assert _rule_pairs(body) == {("عباس عراقچی", "مجمع عمومی سازمان ملل متحد"),
                                 ("پنی وانگ", "مجمع عمومی سازمان ملل متحد")}


@pytest.mark.parametrize("body, status", [
    # the verb that ends the clause of "با حضور X" tells its time, past the title and the date between
    ("مراسم افتتاح کتابخانه مرکزی شهر زاهدان با حضور وزیر فرهنگ و ارشاد اسلامی پنجم اسفند آغاز می‌شود.", "planned"),
    ("مراسم افتتاح کتابخانه مرکزی شهر زاهدان با حضور وزیر فرهنگ و ارشاد اسلامی پنجم اسفند آغاز شد.", "occurred"),
])
def test_a_presence_is_planned_or_past_as_the_verb_of_its_clause(body, status):
    doc, rule_visits = _rules(body)
    assert [ev.status for ev in rule_visits(doc)] == [status]


def test_a_title_naming_its_country_by_an_anaphor_is_the_one_who_holds_that_office():
    body = ("«سوکارنو پوتری» رئیس‌جمهور اندونزی هفته آینده به تهران سفر می‌کند. دولت اندونزی روز جمعه اعلام کرد "
            "رئیس‌جمهور این کشور جنوب شرق آسیا پیش از آن از هند دیدن می‌کند.")
    assert _rule_pairs(body) == {("سوکارنو پوتری", "تهران"), ("سوکارنو پوتری", "هند")}


def test_an_anaphoric_title_is_nobody_the_article_gave_another_office():
    # "وزیر کار این کشور" is not the foreign minister, the one Brazilian named
    body = ("«ژائو سیلوا» وزیر خارجه برزیل امروز وارد تهران شد. وی از سفر وزیر کار این کشور به ایران در ماه آینده "
            "خبر داد.")
    visitors = {_texts(e, "visitor")[0] for e in _events(body, "visit")}
    assert "ژائو سیلوا" in visitors and "وزیر کار این کشور" in visitors


def test_a_country_named_by_its_officials_is_as_a_place_its_nationality_word():
    body = "نخست‌وزیر ژاپن هفته آینده جهت دیدار با مقامات آمریکایی راهی این کشور می‌شود."
    assert _rule_pairs(body) == {("نخست‌وزیر ژاپن", "آمریکایی")}


def test_a_speaker_named_from_a_title_does_not_visit_the_country_of_that_title():
    body = ("«ژائو سیلوا» وزیر خارجه برزیل امروز وارد تهران شد. وزیر خارجه برزیل با اشاره به سفر اقتصاد ایران به "
            "برزیل گفت: روابط دو کشور گسترش می‌یابد.")
    pairs = {(_texts(e, "visitor")[0], _texts(e, "destination")[0]) for e in _events(body, "visit")}
    assert ("ژائو سیلوا", "برزیل") not in pairs and ("ژائو سیلوا", "تهران") in pairs


def test_an_envoy_meeting_in_the_capital_of_the_posting_is_at_home_and_touring_its_provinces_travels():
    at_home = "«هانس برگر»، سفیر اتریش در سوریه، در ملاقات با مقامات سوریه در دمشق این مساله را گوشزد کرد."
    assert _rule_pairs(at_home) == set()
    tour = "«هانس برگر»، سفیر اتریش در سوریه، دیروز از منطقه صنعتی حلب بازدید کرد."
    assert ("هانس برگر", "منطقه صنعتی حلب") in _rule_pairs(tour)


def test_a_title_that_runs_on_into_the_trip_gives_its_holder_the_first_country_it_names():
    from streams.core.events.visits import _home
    body = ("دولت ایران در آن سال به کمک نیاز داشت و «جان هارلو» معاون رئیس‌جمهور وقت آمریکا را به ایران "
            "فرستادند. سفر هارلو به ایران خبرساز شد.")
    doc, rule_visits = _rules(body)
    visitors = [a for ev in rule_visits(doc) for a in ev.arguments if a.role == "visitor"]
    assert visitors and all(_home(doc, a) == "USA" for a in visitors)


def test_a_trip_to_his_country_goes_to_the_country_of_the_clause_subject_not_home():
    hosted = ("خوان پرز رئیس‌جمهور اکوادور که در پایان سفر دو روزه «لی وانگ» رئیس‌جمهور چین به کشورش در "
              "فرودگاه سخن می‌گفت، گفت: روابط دو کشور گسترش می‌یابد.")
    assert _rule_pairs(hosted) == {("لی وانگ", "اکوادور")}
    # the subject's own trip "to his country" is a return home
    assert _events("«هانس وبر» وزیر خارجه اتریش در پایان سفر به کشورش گفت: سفر خوبی بود.", "visit") == []


def test_a_presence_with_a_genitive_is_the_genitive_s_not_the_speaker_s():
    body = ("سخنگوی وزارت خارجه در این نشست خبری درباره حضور نیروهای ترکیه در شمال عراق گفت: این حضور غیرقانونی "
            "است.")
    assert ("سخنگوی وزارت خارجه", "شمال عراق") not in _rule_pairs(body)
    # a body's presence somewhere is its operations, no visit; an adjective is no genitive
    assert _rule_pairs("وزیر کشور خواستار پایان دادن به حضور داعش در سوریه شد.") == set()
    assert ("ولادیمیر پوتین", "تهران") in _rule_pairs("ولادیمیر پوتین روز سه‌شنبه حضور کوتاهی در تهران داشت.")
    assert ("وزیر نیرو", "شیراز") in _rule_pairs("وزیر نیرو امروز با حضور در شیراز از سد درودزن بازدید کرد.")


@pytest.mark.parametrize("body", [
    "مدیرکل آتش‌نشانی گفت: در حال حاضر تعداد ایستگاه‌های آتش‌نشانی در یزد شش ایستگاه است.",
    "در حال حاضر سازمان آتش‌نشانی در یزد شش ایستگاه دارد.",
])
def test_at_present_is_no_presence(body):
    assert _rule_pairs(body) == set()
