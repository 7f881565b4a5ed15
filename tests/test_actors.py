"""Actor recognition on short examples written for these tests."""
from __future__ import annotations

import pytest

from streams.core.actors.recognizer import ActorRecognizer, provisional_id
from streams.core.document import Document
from streams.core.actors.gazetteer import Actor, Gazetteer, default_gazetteer


def _doc(body: str, gazetteer: Gazetteer | None = None) -> Document:
    doc = Document.from_article({"id": "t", "body": body})
    return ActorRecognizer(gazetteer=gazetteer or default_gazetteer(), ner=None)(doc)


def _entities(doc: Document) -> dict[str, list[str]]:
    return {e.id: [m.text for m in e.mentions] for e in doc.entities.values()}


def test_spelling_variants_share_one_canonical_actor():
    doc = _doc("وزارت خزانه داري آمريكا و وزارت خزانه‌داری آمریکا و ایالات متحده و امریکا")
    ents = _entities(doc)
    assert len(ents["org:united-states-department-of-the-treasury"]) == 2
    assert len(ents["country:USA"]) == 2  # "ایالات متحده" = "امریکا" (the others sit inside the ministry)


def test_islamic_republic_is_iran():
    ents = _entities(_doc("مقامات جمهوری اسلامی و جمهوری اسلامی ایران"))
    assert "country:IRN" in ents


def test_matches_never_join_unrelated_words():
    gaz = Gazetteer([Actor("city:fordow", "GPE", "فردو", aliases=("فردو",))])
    assert _entities(_doc("هفت فرد و چهار نهاد", gaz)) == {}
    assert "city:fordow" in _entities(_doc("تاسیسات فردو", gaz))


def test_mentions_point_at_the_original_text():
    body = "وزير دفاع روسيه، سرگئي شويگو، وارد تهران شد"
    doc = _doc(body)
    for m in doc.mentions:
        text, start, end = doc.original_span(m)
        assert body[start:end] == text


def test_surname_links_to_the_full_name_and_titles_are_recorded():
    gaz = Gazetteer([Actor("person:test-sergei", "PERSON", "سرگئی آزمونی", aliases=("سرگئی آزمونی",))])
    doc = _doc("سرگئی آزمونی، وزیر دفاع روسیه، گفت. آزمونی افزود.", gaz)
    assert [m.text for m in doc.entities["person:test-sergei"].mentions] == ["سرگئی آزمونی", "آزمونی"]
    assert doc.titles.get("وزیردفاعروسیه") == "person:test-sergei"


def test_latin_names_after_an_organisation_word():
    doc = _doc('بانک "Caspian Trade Bank" در فهرست قرار گرفت. Read More')
    orgs = [e for e in doc.entities.values() if e.type == "ORG"]
    assert [e.name for e in orgs] == ["Caspian Trade Bank"]


def test_officials_named_by_nationality_stand_for_their_country():
    ents = _entities(_doc("مقامات آمریکایی و دولت روسی"))
    assert ents["country:USA"] == ["مقامات آمریکایی"] and ents["country:RUS"] == ["دولت روسی"]


def test_provisional_ids_are_stable_across_spellings():
    assert provisional_id("PERSON", "علي رضايي") == provisional_id("PERSON", "علی رضایی")
    assert provisional_id("PERSON", "علی رضایی").startswith("fa:person:")


def test_a_state_government_stands_for_the_state_but_named_bodies_stay_organisations():
    ents = _entities(_doc("دولت آمریکا، کاخ سفید، شورای نگهبان، هیئت دولت و هیئت تحریر الشام بیانیه دادند."))
    assert ents["country:USA"] == ["دولت آمریکا"]
    assert ents["org:white-house"] == ["کاخ سفید"]
    assert ents["org:guardian-council"] == ["شورای نگهبان"]
    assert ents["org:cabinet-of-iran"] == ["هیئت دولت"]  # opens with a title word, still a named body
    assert ents["org:hayat-tahrir-al-sham"] == ["هیئت تحریر الشام"]


@pytest.mark.parametrize("body, bloc", [
    ("تحریم‌های غرب علیه ایران لغو شد.", True),
    ("ایران با غرب مذاکره می‌کند.", True),
    ("زلزله دیروز در غرب کشور خسارت زد.", False),      # a direction before a place noun
    ("باران در شمال غرب تهران بارید.", False),         # after another direction
    ("هوای غرب کرمانشاه سرد است.", False),             # before a place name
])
def test_the_west_is_a_bloc_only_where_it_is_not_a_direction(body, bloc):
    assert ("region:the-west" in _entities(_doc(body))) is bloc


@pytest.mark.parametrize("body, name", [
    ("«یوهان لارسون» نایب رئیس پارلمان نروژ به تهران آمد.", "یوهان لارسون"),
    ("به گزارش ما، «نهاد ملکی» وزیر کشور لبنان به مسکو می‌رود.", "نهاد ملکی"),   # "نهاد" opens a person's name
])
def test_a_quoted_name_before_the_title_it_holds_is_a_person(body, name):
    doc = _doc(body)
    assert [(m.text, m.label) for m in doc.mentions if m.text == name] == [(name, "PERSON")]


@pytest.mark.parametrize("body", [
    "فیلم «دختر» برنده جایزه شد و رئیس جشنواره از آن تقدیر کرد.",   # a quoted work, no title after it
    "«وزیر خارجه» رئیس هیئت بود.",                                   # a title in quotes is no name
])
def test_quotes_that_name_no_person(body):
    assert [m for m in _doc(body).mentions if m.label == "PERSON"] == []


def test_each_conjoined_title_after_a_name_stands_for_that_person():
    from streams.core.text.normalize import key
    doc = _doc("حسن روحانی، رئیس‌جمهور و رئیس شورای عالی امنیت ملی، دیروز سخنرانی کرد.")
    pid = next(e.id for e in doc.entities.values() if e.type == "PERSON")
    assert doc.titles.get(key("رئیس شورای عالی امنیت ملی")) == pid
    assert doc.titles.get(key("رئیس‌جمهور")) == pid


def test_a_place_run_into_the_name_after_it_is_split_at_a_person_named_elsewhere():
    from streams.core.document import Mention
    body = ("به گزارش خبرنگار ما از بانه تاکشی یامادا، سفیر ژاپن، امروز سخن گفت. تاکشی یامادا افزود. "
            "کنجی تاکشی یامادا نیز آمد.")
    doc = Document.from_article({"id": "t", "body": body})

    def mention(text: str, label: str, eid: str, nth: int = 0) -> Mention:
        at = [k for k in range(len(body)) if body.startswith(text, k)][nth]
        return Mention("body", at, at + len(text), label, eid, "ner", text)
    doc.mentions = [mention("بانه تاکشی یامادا", "GPE", "fa:gpe:run-on"),
                    mention("تاکشی یامادا", "PERSON", "fa:person:x", 1),
                    mention("کنجی تاکشی یامادا", "PERSON", "fa:person:y")]   # one name: stays whole
    ActorRecognizer._split_run_on_names(doc)
    assert sorted((m.label, m.text, m.entity_key) for m in doc.mentions) == sorted([
        ("GPE", "بانه", provisional_id("GPE", "بانه")), ("PERSON", "تاکشی یامادا", "fa:person:x"),
        ("PERSON", "تاکشی یامادا", "fa:person:x"), ("PERSON", "کنجی تاکشی یامادا", "fa:person:y")])


def test_a_name_the_tagger_runs_onto_a_preposition_or_conjunction_stops_before_it():
    class RunsOn:
        """A tagger that takes the word after the name, as the CRF sometimes does ("[اتحادیه اروپا در] لیسبون")."""
        def entities_many(self, sentences):
            return [[(s.index("کمیسیون"), s.index("کمیسیون") + 3, "ORG")] if "کمیسیون" in s else []
                    for s in sentences]

    doc = Document.from_article({"id": "t", "body": "اعضای کمیسیون پارسیان در شیراز دیدار کردند."})
    doc = ActorRecognizer(gazetteer=Gazetteer([]), ner=RunsOn())(doc)
    assert [m.text for m in doc.mentions] == ["کمیسیون پارسیان"]
