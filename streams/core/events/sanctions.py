"""Sanction events: who imposes, lifts or threatens sanctions on whom, how many, where, when.

Rules work one sentence at a time (a `SentenceView`): a sanction trigger ("تحریم", "توقیف",
"فهرست سیاه"), an act cue near it that fixes the status, then roles from the actor mentions
around it.  No event comes from sanctions named as a condition or topic ("تحت تحریم",
"فشارهای ناشی از تحریم‌ها"), a boycott ("تحریم کنفرانس"), a religious ruling ("تحریم غیبت"),
a denial or opinion ("... را رد کرد", "تأثیری نخواهد داشت") or a conditional ("اگر ...").
Sentences that report one act are merged; a target left implicit ("این تحریم‌ها") is taken
from the article's other sanction sentences and marked `inferred`.
"""
from __future__ import annotations

from collections import Counter

from streams.core.events.clauses import Placed, SentenceView, preceding_places, sentence_gap, sentences
from streams.core.events.cues import cues, lemmas, phrases
from streams.core.text.dates import date_near
from streams.core.document import Argument, Document, Event, Span
from streams.core.actors.gazetteer import default_gazetteer
from streams.core.text.normalize import key
from streams.core.text.numbers import parse_number
from streams.core.text.verbs import analyse, verb_at

# Word classes by lemma (streams/data/events/cues.tsv), expanded to the squashed forms they match.
SEIZURE = cues("sanction.seizure")
SEIZED_PROPERTY = cues("sanction.seized_property")
LIST_PHRASES = phrases("sanction.list")
BOYCOTT_OBJECTS = cues("sanction.boycott_object")
RELIGIOUS = cues("sanction.religious")
CONDITION_BEFORE = cues("sanction.condition_before")   # sanctions as a condition or a topic
CONDEMNING = cues("sanction.condemning")
NOT_AN_ACT = cues("sanction.not_an_act")               # denial, opinion or effect: talk about sanctions
CONDITIONAL = cues("conditional")
LIFT = cues("sanction.lift")
THREAT = cues("sanction.threat")
TIME_UNITS = cues("sanction.time_unit")
THREAT_PHRASES = phrases("sanction.threat_phrase")
IMPOSE = cues("sanction.impose")
IMPOSE_OR_LIFT = IMPOSE | LIFT
IMPOSE_VERBS_AFTER_TRIGGER = cues("sanction.impose_verb")
TARGET_MARKERS = cues("sanction.target_marker")
LAW_NOUNS = cues("sanction.law")
NEW_ADJECTIVES = cues("sanction.new")
VOTE_NOUNS = cues("sanction.vote")
AUTHORITY_MARKERS = cues("sanction.authority_marker")
NOT_SUBJECT_BEFORE = cues("sanction.not_subject_before")
LOCATED = cues("sanction.located")
PERSON_NOUNS = cues("sanction.person_noun")
ENTITY_NOUNS = cues("sanction.entity_noun")
COUNTRY_NOUNS = cues("sanction.country_noun")
NON_AUTHORITY_SUBTYPES = {"company", "city", "province", "island", "village"}
REASON_PHRASES = phrases("sanction.reason")
IMPOSE_PHRASES = frozenset(phrases("sanction.impose_phrase"))   # every inflection of its verbs: looked up, not scanned
IMPOSE_PHRASE_LENGTHS = sorted({len(p) for p in IMPOSE_PHRASES})
# a sentence that refers back to an act already reported ("با این اقدام", "مشمول این تحریم‌ها")
FOLLOW_UP = phrases("sanction.follow_up")
SPEECH_VERBS = cues("speech")
WINDOW = 12
MAX_TRIGGERS_PER_SENTENCE = 8  # a real sentence names a sanction a few times; spam must not cost quadratic time
# words that may sit between a trigger and its genitive: "اقدام تحریمی جدید وزارت خزانه‌داری"
SANCTION_ADJECTIVES = cues("sanction.adjective")
BAN_WORDS = cues("sanction.ban")
# verbs (by lemma) that add X to a sanctions list
ADD_TO_LIST_VERBS = lemmas("sanction.add_to_list")
LIST_NOUNS = ("فهرست", "لیست")   # "به فهرست ... افزود": the list a body is added to
DESIGNATION = cues("sanction.designation")
DESIGNATE_VERBS = lemmas("sanction.designate_verb")
CALL_VERBS = lemmas("sanction.call_verb")
SPEAKER_TITLES = cues("sanction.speaker_title")


def _trigger_family(word: str) -> str | None:
    if word.startswith("تحریم"):
        return "sanction"
    if word in SEIZURE:
        return "seizure"
    if word in BAN_WORDS:
        return "ban"          # a travel or trade ban: "ورود X را ممنوع کرد", "ممنوع‌الورود شدند"
    if word in DESIGNATION:
        return "designation"  # "X را تروریستی خواند": only with a designating verb (`_designates`)
    return None


def _designation_verb(view: SentenceView, trigger: int):
    """The verb right after a designation word, past a preverb ("اعلام کرد", "قرار داد"): its verb phrase and
    whether a preverb stood before it; (None, False) if no verb follows."""
    k = trigger + 1
    preverb = k + 1 < view.last and view.word(k) in DESIGNATE_VERBS and analyse(view.word(k + 1)) is not None
    k += preverb
    if k >= view.last or analyse(view.word(k)) is None:
        return None, False
    return verb_at(view.words, k - view.first), preverb


def _designates(view: SentenceView, trigger: int) -> bool:
    """A designation: the designating verb right after the word, with the body designated as its object ("X را
    سازمانی تروریستی اعلام کرد"), as the infinitive's complement ("تروریستی خواندن X"), or in a list ("به فهرست
    گروه‌های تروریستی افزود").  "گروه تروریستی داعش اعلام کرد" and "یک گروه تروریستی اعلام کرد" designate
    nothing: a name or no object stands between."""
    phrase, preverb = _designation_verb(view, trigger)
    listed = any(view.word(j) in LIST_NOUNS for j in range(max(view.first, trigger - 3), trigger))
    if phrase is None or not (preverb or phrase.lemma in DESIGNATE_VERBS | CALL_VERBS
                              or listed and phrase.lemma in ADD_TO_LIST_VERBS):
        return False
    has_object = bool(view.find({"را"}, max(view.clause_start(trigger), trigger - 4), trigger))
    return has_object or listed or phrase.form.tense == "infinitive"


def _near(view: SentenceView, trigger: int, width: int = WINDOW) -> range:
    return range(max(view.first, trigger - width), min(view.last, trigger + width + 1))


def _status(view: SentenceView, trigger: int) -> str | None:
    near = _near(view, trigger)
    reason = _reason_span(view, trigger)
    cues = [i for i in near if not (reason and reason[0] <= i < reason[1])]
    # "لغو تحریم‌ها", "تحریم‌ها ... را برداشتند"; but "لغو برجام ... تحریم‌ها" lifts something else
    if any(view.word(i) in LIFT and (i > trigger or trigger - i <= 3) for i in cues):
        return "lifted"
    # "تحریم‌های اعمال‌شده علیه ... را لغو کرد": the verb after the object marker decides, however far;
    # "تحریم‌های خود را علیه ایران که ... بود، برداشتند": so does the clause's verb, past a relative clause
    object_marker = view.find({"را"}, trigger + 1, view.last)
    if object_marker and (view.word(object_marker[0] + 1) in LIFT or object_marker[0] - trigger <= 3
                          and _object_verb(view, object_marker[0]) in LIFT):
        return "lifted"
    # "طی ۱۰ روز آینده" is a threat in time; "برای ۱۰ سال آینده" only says how long sanctions last
    soon = any(view.word(i) == "آینده" and view.word(i - 1) in TIME_UNITS for i in near)
    # "به دنبال تشدید/وضع تحریم‌ها": seeking an act (but "به دنبال اعلام نتایج" is "after")
    seeking = view.has_phrase(("به", "دنبال"), max(view.first, trigger - 3), trigger) is not None and \
        view.word(trigger - 1) in IMPOSE
    threat = soon or seeking or any(view.word(i) in THREAT for i in near) or any(
        view.has_phrase(ph, near.start, near.stop) is not None for ph in THREAT_PHRASES)
    if threat:
        return "threatened"
    if _trigger_family(view.word(trigger)) == "designation":
        return "threatened" if _future_after(view, trigger) else "imposed"
    after = view.next_word(trigger + 1)[1]
    # "X را به فهرست تحریم‌ها افزود / اضافه کرد": adding to a sanctions list imposes, whatever the verb's tense
    listed = any(view.has_phrase(ph, trigger - 1, trigger + 2) is not None for ph in LIST_PHRASES) or \
        view.word(trigger - 1) in LIST_NOUNS
    if listed and _verb_lemma_after(view, trigger) in ADD_TO_LIST_VERBS:
        return "threatened" if _future_after(view, trigger) else "imposed"
    if after in IMPOSE_VERBS_AFTER_TRIGGER or view.word(trigger - 1) == "مورد" \
            or any(view.word(i) in IMPOSE for i in near) or view.word(trigger).startswith("تحریمشد") \
            or _has_any_phrase(view, IMPOSE_PHRASES, IMPOSE_PHRASE_LENGTHS, near.start, near.stop):
        return "imposed"
    # "تحریم‌های جدید X علیه Y": a new package is an act, even reported without its verb
    if any(view.word(k) in NEW_ADJECTIVES for k in range(trigger + 1, min(view.last, trigger + 3))):
        return "imposed"
    return None


def _object_verb(view: SentenceView, marker: int) -> str:
    """The first verb after an object marker "را", past any relative clause ("که ... ،") in between."""
    k = marker + 1
    while k < view.last:
        w = view.word(k)
        if w == "که":
            comma = view.find({"،"}, k + 1, view.last)
            if not comma:
                return ""
            k = comma[0] + 1
            continue
        if w in LIFT or w in IMPOSE or analyse(w) is not None:
            return w
        k += 1
    return ""


def _has_any_phrase(view: SentenceView, phrase_set: frozenset, lengths: list[int], start: int, end: int) -> bool:
    """Whether one of a set of phrases lies within [start, end): one set look-up per position and length."""
    lo, hi = max(start, view.first) - view.first, min(end, view.last) - view.first
    return any(tuple(view.words[i:i + n]) in phrase_set for i in range(lo, hi) for n in lengths if i + n <= hi)


def _verb_lemma_after(view: SentenceView, trigger: int, width: int = 3) -> str | None:
    """The lemma of the first verb within `width` words after the trigger ("قرار" for "قرار داد")."""
    for k in range(trigger + 1, min(view.last, trigger + width + 1)):
        if view.word(k) == "قرار":
            return "قرار"
        phrase = verb_at(view.words, k - view.first) if analyse(view.word(k)) else None
        if phrase is not None:
            return phrase.lemma
    return None


def _future_after(view: SentenceView, trigger: int, width: int = 4) -> bool:
    for k in range(trigger + 1, min(view.last, trigger + width + 1)):
        phrase = verb_at(view.words, k - view.first) if analyse(view.word(k)) else None
        if phrase is not None:
            return phrase.future
    return False


def _blocked(view: SentenceView, trigger: int) -> bool:
    """Sanctions as a condition/topic, a boycott, a ruling, a denial, an opinion, or a conditional."""
    at, before = view.prev_word(trigger)
    _, after = view.next_word(trigger + 1)
    # "قانون تحریم‌ها" is a standing law, but "تمدید/لغو قانون تحریم‌ها" is an act on it
    acted_on_law = before in LAW_NOUNS and view.word(view.prev_word(at)[0]) in IMPOSE_OR_LIFT
    if (before in CONDITION_BEFORE and not acted_on_law) or after in BOYCOTT_OBJECTS \
            or after in CONDEMNING:
        return True
    words = set(view.words)
    if words & RELIGIOUS or words & CONDITIONAL:
        return True
    # a seizure is a sanction when property is seized ("دارایی‌ها را مسدود کرد"), not a road blocked or a
    # newspaper closed
    if _trigger_family(view.word(trigger)) == "seizure" and not any(
            view.word(k) in SEIZED_PROPERTY for k in _near(view, trigger, 8)):
        return True
    if any(w in NOT_AN_ACT for w in view.words[trigger - view.first:]) or view.has_phrase(("در", "واکنش", "به"), end=trigger):
        return True
    return False


def _reason_span(view: SentenceView, trigger: int) -> tuple[int, int] | None:
    """The reason/programme phrase: "به‌اتهام ..." before the trigger, or "با هدف ..." after it up to the verb."""
    for phrase in REASON_PHRASES:
        at = view.has_phrase(phrase, view.first, trigger)
        if at is not None:
            return at, trigger
    for phrase in REASON_PHRASES:
        at = view.has_phrase(phrase, trigger + 1, view.last)
        if at is not None:
            end = at + len(phrase)
            while end < view.last and view.tokens[end].is_word and view.word(end) not in IMPOSE_OR_LIFT \
                    and view.word(end) not in IMPOSE_VERBS_AFTER_TRIGGER:
                end += 1
            return at, end
    return None


def _subtype(p: Placed) -> str | None:
    actor = default_gazetteer().by_id.get(p.mention.entity_key)
    return actor.subtype if actor is not None else None


def _can_be_authority(p: Placed) -> bool:
    """States (or their capitals), and organisations other than media and companies."""
    if p.is_media:
        return False
    actor = default_gazetteer().by_id.get(p.mention.entity_key)
    if p.mention.label == "GPE":
        return actor is not None and actor.subtype in ("country", "capital", "region", "bloc", None)
    return not (actor is not None and actor.subtype in NON_AUTHORITY_SUBTYPES)


def _roles(view: SentenceView, trigger: int):
    authority: list[Placed] = []
    targets: list[Placed] = []
    countries: list[Placed] = []
    excluded = list(view.reporter_ranges())
    reason = _reason_span(view, trigger)
    if reason:
        excluded.append(reason)
    clause = view.clause_start(trigger)
    relative = clause > view.first and view.word(clause - 1) == "که"   # "X که ... تحریم‌ها را تمدید کند، ..."
    passive = view.word(trigger - 1) == "مورد" or any(
        view.word(i).startswith(("شد", "شده")) or view.word(i) in ("قرارگرفت", "قرارگرفتند")
        for i in range(trigger, min(trigger + 4, view.last))) or view.word(trigger).startswith("تحریمشد")
    explicit_target = any(view.prev_word(p.first)[1] in TARGET_MARKERS for p in view.actors)
    # "A [ورود X ... / شرکت‌های X و Y] را تحریم/ممنوع کرد": the clause's first actor is the subject, every actor
    # after it and before the object marker is inside the object
    markers = [m for m in view.find({"را"}, clause, trigger) if trigger - m <= 2]   # "... را تحریم/ممنوع کرد"
    # (not the actor right before "را": that is the object, "ایران را تروریست خواندند")
    subject = next((p for p in view.actors if markers and clause <= p.first < markers[-1] and _can_be_authority(p)
                    and view.prev_word(p.first)[1] not in NOT_SUBJECT_BEFORE
                    and view.next_word(p.last)[0] != markers[-1]), None)
    previous: Placed | None = None
    for p in view.actors:
        if any(a <= p.first < b for a, b in excluded):
            continue
        at, before = view.prev_word(p.first)
        # "از سوی اروپا و آمریکا", "علیه ایران و سوریه": a conjunct takes the role its marker gave the first one
        # (Placed.last is exclusive, so the "و" right after the first conjunct sits at its .last)
        conjunct_of = previous if before == "و" and previous is not None and previous.last == at else None
        previous = p
        if conjunct_of is not None and view.prev_word(conjunct_of.first)[1] in AUTHORITY_MARKERS | TARGET_MARKERS:
            if conjunct_of in authority:
                authority.append(p)
                continue
            if conjunct_of in targets:
                targets.append(p)
                continue
        if p.mention.label == "GPE" and any(view.word(p.first - k) == "در" and view.word(p.first - k - 1) in
                                            LOCATED for k in range(1, 8)):
            countries.append(p)                               # "مستقر در هند، ویتنام، مالزی و ترکیه"
        elif before == "در" and _subtype(p) == "legislature" and view.find(VOTE_NOUNS, clause, view.last):
            authority.append(p)                               # "تصویب تحریم‌ها در مجلس نمایندگان آمریکا"
        elif p.mention.label == "GPE" and before == "در":
            continue                                          # "در نشستی خبری در بروکسل": where, not who
        elif before in TARGET_MARKERS:
            targets.append(p)                                 # "علیه ایران"
        elif (before in AUTHORITY_MARKERS or view.find({"اعلام"}, p.first - 4, p.first)) and _can_be_authority(p):
            authority.append(p)                               # "از سوی شورای امنیت", "بر اساس اعلام X"
        elif trigger < p.first <= trigger + 3 and all(view.word(k) in SANCTION_ADJECTIVES | {"های", "ها"}
                                                     for k in range(trigger + 1, p.first)):
            # genitive: "تحریم‌های آمریکا علیه ایران", "تحریم‌های غرب" (authority) vs "تحریم روسیه" (target)
            if (explicit_target or p.mention.label == "ORG" or p.is_bloc) and _can_be_authority(p):
                if p.mention.label != "PERSON":
                    authority.append(p)
            else:
                targets.append(p)
        elif p.first < trigger and view.word(view.next_word(p.last)[0]) == "را" and p is not subject:
            targets.append(p)                                 # "ایران را ... تحریم کردند"
        elif subject is not None and subject.first < p.first < markers[-1]:
            targets.append(p)                                 # inside the object phrase
        elif p.mention.label == "GPE" and view.word(p.first - 1) in PERSON_NOUNS | ENTITY_NOUNS:
            countries.append(p)                               # "سه مقام ونزوئلا": their country
        elif p.first < trigger and passive and p.first >= clause and (
                not authority or authority[-1].first < clause or view.find({"،"}, authority[-1].last, p.first)):
            targets.append(p)                                 # "X ... تحریم شدند"
        elif clause <= p.first < trigger and _can_be_authority(p):
            authority.append(p)
        elif p.first < clause and passive and _can_be_authority(p) and view.find({"اعلام", "اعلامکرد"}, p.last, clause):
            authority.append(p)                               # "A اعلام کرد که ... تحریم شد"
        elif trigger < p.first <= trigger + WINDOW and not explicit_target:
            targets.append(p)                                 # objects after the trigger
    if not authority and passive:
        # "بر اساس اعلام روز دوشنبه وزارت ...": the announcer before the clause
        authority = [p for p in view.actors if p.first < trigger and _can_be_authority(p)
                     and view.find({"اعلام"}, view.first, p.first) and p not in targets and p not in countries
                     and not any(a <= p.first < b for a, b in excluded)]
    if not targets and clause > view.first and view.word(clause - 1) == "که":
        # "کاراکاس که پس از رفع تحریم‌های آمریکا ...": the state the relative clause describes
        targets = [p for p in view.actors if p.last == clause - 1 and p.mention.label == "GPE" and not p.is_bloc
                   and p not in authority]
    if not authority and not passive and relative:
        # "مقامات اروپایی که قصد دارند تحریم‌های روسیه را تمدید کنند": the subject the relative clause describes
        authority = [p for p in view.actors if p.last == clause - 1 and _can_be_authority(p) and p not in targets
                     and p not in countries]
    if not authority:
        authority = _anaphoric_states(view, clause, trigger)   # "این پنج کشور تحریم‌های خود را ... برداشتند"
    if not authority and clause > view.first and view.find(SPEECH_VERBS, view.first, clause):
        # "مقام اتحادیه اروپا هشدار داد که این اتحادیه ... تحریم ... کند": the speaker's side
        authority = [p for p in view.actors if p.first < clause and _can_be_authority(p) and p not in targets
                     and view.prev_word(p.first)[1] != "در" and not any(a <= p.first < b for a, b in excluded)][:2]
    # an authority named by its marker ("توسط آمریکا") is not also a target because it is named again nearby
    marked = {p.mention.entity_key for p in authority if view.prev_word(p.first)[1] in AUTHORITY_MARKERS}
    targets = [p for p in targets if p not in authority and p.mention.entity_key not in marked]
    # nobody sanctions itself: in "فعالیت‌های هسته‌ای ایران ... تحریم‌های ... ایران لغو شود" the first Iran is a
    # possessor, not the authority
    sanctioned = {p.mention.entity_key for p in targets + countries}
    # nor is the name the trigger is part of a role ("[سازمان تروریستی]" in "X را سازمان تروریستی اعلام کرد")
    authority = [p for p in authority if p.mention.entity_key not in sanctioned and not p.first <= trigger < p.last]
    return authority, targets, countries


def _anaphoric_states(view: SentenceView, clause: int, trigger: int) -> list[Placed]:
    """"این کشور" / "این پنج کشور" as the subject before the trigger: the states the article named last."""
    for at in view.find({"این"}, clause, trigger):
        parsed = parse_number(view.tokens, at + 1)
        n, noun_at = parsed if parsed else (1, at + 1)
        if view.word(noun_at) in COUNTRY_NOUNS and view.word(noun_at + 1) != "را":
            field = view.field
            return [Placed(m, field.token_index_at(m.start), field.token_index_at(m.end - 1) + 1, inferred=True)
                    for m in preceding_places(view, at, ("country",), n)]
    return []


def _counts(view: SentenceView, trigger: int) -> dict[str, int]:
    """"سه فرد و دو شرکت" in the trigger's clause (not "یک مقام دولتی ... گفت که ...")."""
    counts: dict[str, int] = {}
    toks = view.tokens[: view.last]
    i = view.clause_start(trigger)
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



def _event(doc: Document, view: SentenceView, trigger: int, status: str, authority: list[Placed],
           targets: list[Placed], countries: list[Placed]) -> Event:
    event = Event("sanction", status, trigger=view.span(trigger, trigger + 1), evidence=view.whole)
    event.attributes["family"] = _trigger_family(view.word(trigger)) or "sanction"
    event.arguments += [p.argument("authority") for p in authority]
    event.arguments += [p.argument("target") for p in targets]
    event.date = date_near(doc, view.field.name, view.sentence.start, view.sentence.end, view.tokens[trigger].start)
    reason = _reason_span(view, trigger)
    if reason:
        event.attributes["reason"] = view.span(*reason)
    counts = _counts(view, trigger)
    event.attributes["target_count"] = {"persons": counts.get("persons"), "entities": counts.get("entities")} \
        if counts else None
    event.attributes["target_countries"] = [p.argument("target_country") for p in countries] + \
        [p.argument("target_country") for p in targets if p.mention.label == "GPE"]
    return event


def _follows_up(view: SentenceView, trigger: int) -> bool:
    if view.word(trigger).startswith("تحریمشده"):
        return True
    return any(view.has_phrase(ph, max(view.first, trigger - 8), trigger + 1) is not None for ph in FOLLOW_UP) or \
        view.has_phrase(("با", "این", "اقدام")) is not None


def _can_be_authority_marked(view: SentenceView, p: Placed) -> bool:
    return view.prev_word(p.first)[1] in AUTHORITY_MARKERS


def _designating(view: SentenceView, trigger: int, authority: list[Placed]) -> list[Placed]:
    """Who designates: calling a body terrorist ("خواند", "نامید") is the act of a state, its head or a body
    ("رئیس‌جمهور آمریکا"), not a speech of one who speaks for it ("نماینده عربستان ... را تروریست خواند")."""
    phrase, preverb = _designation_verb(view, trigger)
    if phrase is None or preverb or phrase.lemma not in CALL_VERBS:
        return authority
    return [p for p in authority if not any(view.word(j) in SPEAKER_TITLES
                                            for j in range(max(view.first, p.first - 3), p.first))]


def _triggers(view: SentenceView) -> list[int]:
    found = [i for i in range(view.first, view.last) if (family := _trigger_family(view.word(i)))
             and (family != "designation" or _designates(view, i))]
    for phrase in LIST_PHRASES:
        at = view.has_phrase(phrase)
        if at is not None:
            found.append(at)
    return sorted(set(found))[:MAX_TRIGGERS_PER_SENTENCE]


def find_sanctions(doc: Document) -> Document:
    found: list[Event] = []
    named_targets: Counter = Counter()   # "علیه X" / "تحریم X" anywhere in the article
    first_mention: dict[str, Span] = {}
    for view in sentences(doc):
        triggers = _triggers(view)
        for trigger in triggers:
            for p in view.actors:
                if view.prev_word(p.first)[1] in TARGET_MARKERS or p.first == trigger + 1:
                    named_targets[p.mention.entity_key] += 1
                    first_mention.setdefault(p.mention.entity_key, Span(p.mention.field, p.mention.start, p.mention.end))
        candidates = []  # (score, trigger, status, roles): the sentence's best reading wins
        for trigger in triggers:
            if found and _follows_up(view, trigger) and sentence_gap(doc, found[-1].evidence, view.whole) <= 3 \
                    and _status(view, trigger) in (None, found[-1].status):
                # "X و Y در شمار افراد تحریم‌شده‌اند", "شرکت «Z» مشمول این تحریم‌ها شده است":
                # more about the act just reported, not a new one
                for p in view.actors:
                    if p.mention.label in ("PERSON", "ORG") and not _can_be_authority_marked(view, p):
                        found[-1].arguments.append(p.argument("target"))
                candidates = []
                break
            if _blocked(view, trigger):
                continue
            status = _status(view, trigger)
            if status is None:
                continue
            authority, targets, countries = _roles(view, trigger)
            if _trigger_family(view.word(trigger)) == "designation":
                authority = _designating(view, trigger, authority)
                if not targets:
                    continue   # a designation names whom it designates: "آنان را تروریست خواند" is rhetoric
            if not authority:
                continue
            score = 2 * any(view.prev_word(p.first)[1] in TARGET_MARKERS for p in targets) + bool(targets) \
                + any(p.mention.label != "PERSON" for p in authority)
            candidates.append((score, -trigger, trigger, status, (authority, targets, countries)))
        if candidates:
            _, _, trigger, status, roles = max(candidates)
            found.append(_event(doc, view, trigger, status, *roles))
    events = _merge(doc, found)
    _infer_targets(events, named_targets, first_mention)
    doc.events.extend(e for e in events if _has_targets(e))
    return doc


def _authority_countries(doc: Document, event: Event) -> set[str]:
    out = set()
    for a in event.arguments:
        if a.role == "authority" and a.entity_id in doc.entities:
            ent = doc.entities[a.entity_id]
            out.add(ent.country or ent.id)
    return out


def _nested_names(doc: Document, a: Event, b: Event) -> bool:
    """"اتحادیه اروپا" and "شورای اتحادیه اروپا", "اروپا" and "اتحادیه اروپا": one side named inside the other."""
    names = [{key(doc.text_of(x.span)) for x in e.arguments if x.role == "authority"} for e in (a, b)]
    return any(x in y or y in x for x in names[0] for y in names[1] if min(len(x), len(y)) >= 4)


def _authority_ids(event: Event) -> set[str]:
    return {a.entity_id for a in event.arguments if a.role == "authority" and a.entity_id}


def _target_ids(event: Event) -> set[str]:
    return {a.entity_id or "" for a in event.arguments if a.role == "target"}


def _has_targets(event: Event) -> bool:
    return bool(_target_ids(event)) or bool(event.attributes.get("target_count"))


def _merge(doc: Document, events: list[Event]) -> list[Event]:
    """Sentences reporting one act become one event: same status and kind of act, same authority
    country, compatible dates, and the same targets (or none stated on one side)."""
    merged: list[Event] = []
    for ev in events:
        into = None
        for prev in merged:
            near = sentence_gap(doc, prev.evidence, ev.evidence) <= 2
            same_authority = _authority_ids(prev) & _authority_ids(ev) or near and (
                _nested_names(doc, prev, ev) or _authority_countries(doc, prev) & _authority_countries(doc, ev))
            if prev.status == ev.status and prev.attributes.get("family") == ev.attributes.get("family") \
                    and same_authority \
                    and (prev.date is None or ev.date is None or prev.date == ev.date) \
                    and (not _target_ids(prev) or not _target_ids(ev) or _target_ids(prev) & _target_ids(ev)):
                into = prev
                break
        if into is None:
            merged.append(ev)
            continue
        # keep the sentence that says most (targets, counts) as the evidence
        keep, other = (ev, into) if _richness(ev) > _richness(into) else (into, ev)
        seen = {(a.role, a.entity_id) for a in keep.arguments}
        keep.arguments += [a for a in other.arguments if (a.role, a.entity_id) not in seen]
        keep.date = keep.date or other.date
        for name, value in other.attributes.items():
            if not keep.attributes.get(name):
                keep.attributes[name] = value
        merged[merged.index(into)] = keep
    return merged


def _richness(ev: Event) -> tuple[int, int]:
    return (bool(ev.attributes.get("target_count")) + len(_target_ids(ev)), ev.evidence.field == "body")


def _infer_targets(events: list[Event], named: Counter, first_mention: dict[str, Span]) -> None:
    """"این تحریم‌ها" with no target in its sentence: the article's usual target, if it has one."""
    votes = Counter(a.entity_id for e in events for a in e.arguments if a.role == "target" and a.entity_id)
    votes.update(named)
    for ev in events:
        if _has_targets(ev):
            continue
        authorities = {a.entity_id for a in ev.arguments if a.role == "authority"}
        for target_id, _ in votes.most_common():
            if target_id not in authorities and target_id in first_mention:
                ev.arguments.append(Argument("target", target_id, first_mention[target_id], inferred=True))
                break
