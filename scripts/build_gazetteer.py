#!/usr/bin/env python3
"""Build the actor gazetteer streams/data/gazetteer.jsonl.

    python scripts/build_gazetteer.py [--out PATH] [--shared DIR] [--quiet]

Inputs:
  * hand-curated tables in scripts/gazetteer_sources/ (countries + capitals, places, orgs,
    persons, the list of countries that get generated state bodies, ambiguous words);
  * the PEYMA / NSURL-2019 NER corpora in ../shared/corpora/peyma/{300K,600K} (frequent
    PER/ORG/LOC names are mined from them);
  * the Fars News articles in ../shared/corpora/fars-news/*.json (used only to admit mined names
    that are one occurrence short of the threshold but really occur in news).
The shared corpora are read in place, never copied.  The output is deterministic: the same
inputs give a byte-identical file (entries sorted by id, aliases in a fixed order).

One JSON object per line:
  {"id", "type", "subtype", "name", "name_en", "aliases", "country", "cameo", "source"}
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streams.core.text import lexicon  # noqa: E402
from streams.core.text.normalize import key  # noqa: E402

SOURCES = ROOT / "scripts" / "gazetteer_sources"
DEFAULT_OUT = ROOT / "streams" / "data" / "gazetteer.jsonl"
DEFAULT_SHARED = ROOT.parent / "shared"

ZWNJ = "\u200c"
TYPES = ("PERSON", "ORG", "GPE")

# A single-word alias whose lexicon frequency reaches this is taken for a common Persian word
# and dropped unless whitelisted ("!" in the source tables, or a country/region canonical name).
COMMON_WORD_FREQ = 300_000
# A one-word alias that is also a two-word phrase seen this often in the corpora is rejected.
COMPOUND_MIN_BIGRAMS = 5
# ... and both of whose halves are words at least this frequent in the lexicon.
COMPOUND_PART_FREQ = 200_000
# Mined names: seen at least this many times in PEYMA ...
MIN_COUNT = 3
# ... or one time less but also at least FARS_MIN times in the Fars News articles.
FARS_MIN = 3
# Single-token mined person names (bare surnames are often ambiguous) need more evidence.
MIN_COUNT_SINGLE_PERSON = 6
# A single word seen at least MIN_TOKEN_EVIDENCE times in PEYMA is a common word (not a name) when
# less than NAMED_RATIO of its occurrences are inside a PER/ORG/LOC name.  This corpus evidence is
# used before the lexicon frequency, which counts proper names too (تهران is "frequent").
MIN_TOKEN_EVIDENCE = 5
NAMED_RATIO = 0.5
# Mined single-token names need a higher share.
MINED_NAMED_RATIO = 0.7
# "دولت یازدهم", "دولت روحانی", "کابینه ترامپ", "نظام مقدس جمهوری اسلامی": descriptions of an
# administration or regime, not names of an organisation (the eval guidelines annotate none of them)
ADMINISTRATION_WORDS = {"دولت", "دولتهای", "دولت‌های", "کابینه", "نظام", "رژیم", "حکومت"}

# bloc: a group of states acting as one ("غرب"), never a place visited
GPE_SUBTYPES = {"country", "city", "capital", "province", "region", "bloc"}
PERSON_SUBTYPES = {"person"}
ID_KIND = {"city": "city", "capital": "city", "province": "province", "region": "region", "bloc": "region",
           "person": "person"}

# Deliberate winners for alias keys claimed by more than one curated entry (alias -> id).
# Everything else is settled by `_claim_rank` (see there) and logged.
OVERRIDES_RAW = {
    "آذربایجان": "country:AZE",
    "کردستان": "region:kurdistan",
    "فارس": "org:fars-news-agency",
    "عمان": "country:OMN",
    "طرابلس": "city:tripoli",
    "وزارت دادگستری": "org:united-states-department-of-justice",
    "مجلس نمایندگان": "org:united-states-house-of-representatives",
}
OVERRIDES = {key(k): v for k, v in OVERRIDES_RAW.items()}

# Words that make a mined name a title, a fragment or a generic description rather than a name.
TITLE_WORDS = {
    "آقای", "آقا", "خانم", "دکتر", "مهندس", "سردار", "سرلشکر", "سرتیپ", "سرهنگ", "سپهبد", "امیر",
    "دریادار", "دریابان", "آیت‌الله", "آیت", "آیت‌الله‌العظمی", "حجت‌الاسلام", "حجت", "حجه‌الاسلام",
    "الاسلام", "والمسلمین", "شیخ", "امام", "حضرت", "پیامبر", "شهید", "استاد", "حاج", "حاجی", "ملا",
    "مرحوم", "رئیس", "رییس", "وزیر", "معاون", "سخنگوی", "سخنگو", "نماینده", "سفیر", "دبیر", "دبیرکل",
    "فرمانده", "مدیر", "مدیرعامل", "نخست‌وزیر", "رئیس‌جمهور", "رئیس‌جمهوری", "ژنرال", "پروفسور",
    "سناتور", "پادشاه", "ملک", "شاه", "ولیعهد", "سلطان", "امیرالمومنین", "جناب", "سرکار", "آیت‌اله",
    "آیه‌الله", "ایت‌الله", "سید", "سیده", "میرزا",
}
FRAGMENT_WORDS = {
    "و", "یا", "از", "در", "به", "با", "که", "را", "این", "آن", "های", "ها", "هاي", "کشورمان",
    "خارجه", "امور", "کشورهای", "کشورهاي", "وزارتخانه", "وزارتخانه‌های", "وزارتخانه‌هاي", "همین",
    "برخی", "سایر", "دیگر", "مقامات", "شهرهای", "استان‌های", "نیروهای", "گروه‌های", "سازمان‌های",
}
NON_NAME_SINGLE = {
    "دانشگاه", "مجلس", "دولت", "ارتش", "سپاه", "شورا", "کمیسیون", "وزارت", "سازمان", "شهرداری",
    "پلیس", "دادگاه", "بانک", "شرکت", "حزب", "جبهه", "گروه", "استان", "شهر", "کشور", "روستا",
    "غرب", "شرق", "شمال", "جنوب", "مرکز", "بازار", "بورس", "کنگره", "سنا", "پارلمان", "منطقه",
    "اسلام", "جهان", "خدا", "الله", "قرآن", "اینترنت", "فوتبال", "مقننه", "مجریه", "قضاییه",
    "قضائیه", "مانیتور", "اسپری", "اوقاف", "مخابرات", "شهربان", "ناهید", "شهرزاد", "مروان", "الکسی",
}
# Multi-word mined "names" that are descriptions, not actors.
GENERIC_NAMES = {
    "تیم ملی", "تیم ملی فوتبال", "مجلس نهم", "مجلس دهم", "مجلس هشتم", "مجلس یازدهم", "مجلس دوازدهم",
    "شورای شهر", "شورای اسلامی شهر", "قوه مجریه", "قوه مقننه", "راه و شهرسازی", "رسول خدا",
    "ایران زمین", "جمهوری خواه", "جمهوری خواهان", "نظام جمهوری اسلامی", "عتبات عالیات",
}
# LOC names that are facilities or natural features, not geopolitical entities.
FACILITY_WORDS = {
    "فرودگاه", "ورزشگاه", "پالایشگاه", "پایگاه", "خیابان", "میدان", "بیمارستان", "دانشگاه", "مسجد",
    "بزرگراه", "پل", "حرم", "بازار", "پارک", "هتل", "برج", "کاخ", "اتوبان", "جاده", "سد", "نیروگاه",
    "کارخانه", "ایستگاه", "تونل", "زندان", "ساختمان", "مجتمع", "گذرگاه", "رودخانه", "رود", "دریاچه",
    "کوه", "کوههای", "کوه‌های", "بلوار", "کوچه", "محله", "آرامگاه", "گلزار", "بهشت", "تالار", "سالن",
    "موزه", "کتابخانه", "باغ", "امامزاده", "مصلی", "پادگان", "اردوگاه", "کمپ", "پاسگاه", "مرز",
    "بیمارستان", "درمانگاه", "مدرسه", "دبیرستان", "هنرستان", "پلاک", "طبقه", "بند", "تپه", "غار",
}
# First words that show an ORG name is a fragment ("دفاع آمریکا" for "وزارت دفاع آمریکا").
ORG_FRAGMENT_HEADS = {"دفاع", "خارجه", "امور", "کشور", "اطلاعات", "دارایی", "خزانه", "خزانه‌داری"}
# Descriptor words before a curated name: "گروهک تروریستی داعش", "شهرستان شاهرود" are that entry.
DESCRIPTOR_WORDS = {"گروهک", "گروه", "تروریستی", "تکفیری", "جنبش", "شهرستان", "شهر", "کشور", "بندر"}
GPE_SUBTYPE_HEADS = {"شهر": "city", "شهرستان": "city", "بندر": "city", "استان": "province",
                     "روستای": "village", "روستا": "village", "جزیره": "island", "منطقه": "region"}
GENERIC_KEYS = {key(n) for n in GENERIC_NAMES}
_PERSIAN_LETTERS = re.compile(r"[\u0621-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc]")
_BAD_CHARS = re.compile(r"[0-9۰-۹٠-٩a-zA-Z«»\"'()\[\]{}<>:;،,.!؟?/\\|@#$%^&*+=_~-]")


@dataclass
class Entry:
    id: str
    type: str
    subtype: str | None
    name: str
    name_en: str | None
    aliases: list[str]
    country: str | None
    cameo: str | None
    source: str
    whitelist: set[str] = field(default_factory=set)   # alias keys allowed although frequent
    priority: int = 0                                   # 0 explicit curated, 1 generated

    def to_json(self) -> str:
        return json.dumps({
            "id": self.id, "type": self.type, "subtype": self.subtype, "name": self.name,
            "name_en": self.name_en, "aliases": self.aliases, "country": self.country,
            "cameo": self.cameo, "source": self.source,
        }, ensure_ascii=False)


class Log:
    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.lines: list[str] = []

    def __call__(self, msg: str) -> None:
        self.lines.append(msg)
        if not self.quiet:
            print(msg)


# ---------------------------------------------------------------------------------------------
# text helpers

def persian_letters(text: str) -> str:
    """Arabic yeh/kaf and friends -> Persian; collapse runs of spaces; strip."""
    text = (text.replace("ي", "ی").replace("ى", "ی").replace("ك", "ک")
            .replace("ۀ", "ه").replace("\u200f", "").replace("\u200e", ""))
    text = re.sub(r"[ \u00a0]+", " ", text)
    text = re.sub(ZWNJ + "+", ZWNJ, text)
    text = re.sub(r" ?" + ZWNJ + " ?", lambda m: ZWNJ if m.group() == ZWNJ else " ", text)
    return text.strip(" " + ZWNJ)


def slug(english: str) -> str:
    text = unicodedata.normalize("NFKD", english)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("&", " and ").replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def variants(alias: str) -> list[str]:
    """Surface spelling variants of one alias (all share its lookup key)."""
    out = [alias]
    if ZWNJ in alias:
        out.append(alias.replace(ZWNJ, " "))
        out.append(alias.replace(ZWNJ, ""))
    if "آ" in alias:
        out.append(alias.replace("آ", "ا"))
    if "ی" in alias or "ک" in alias:
        out.append(alias.replace("ی", "ي").replace("ک", "ك"))
    seen, result = set(), []
    for v in out:
        if v not in seen:
            seen.add(v)
            result.append(v)
    return result


def is_single_word(alias: str) -> bool:
    return " " not in alias.strip()


def word_frequency(alias: str) -> int:
    return lexicon.frequency(persian_letters(alias).replace(" ", ""))


BIGRAMS: collections.Counter = collections.Counter()   # "k1 k2" -> count in PEYMA + Fars News


def common_split(word: str, own_forms: set[str] = frozenset()) -> str | None:
    """A one-word alias whose letters are also a frequent two-word phrase of the corpora ("ونیز" =
    "و نیز", "درمیان" = "در میان"): the lookup key ignores spaces, so it would fire on that phrase.
    A split that is one of the entry's own spellings ("بندر عباس") does not count."""
    word = persian_letters(word).replace(ZWNJ, "")
    for cut in range(1, len(word) - 1):
        left, right = word[:cut], word[cut:]
        phrase = f"{key(left)} {key(right)}"
        if (BIGRAMS[phrase] >= COMPOUND_MIN_BIGRAMS and phrase not in own_forms
                and min(lexicon.frequency(left), lexicon.frequency(right)) >= COMPOUND_PART_FREQ):
            return phrase
    return None


def own_spaced_forms(aliases) -> set[str]:
    return {" ".join(key(w) for w in persian_letters(a).replace(ZWNJ, " ").split()) for a in aliases}


def count_bigrams(sentences) -> None:
    for words in sentences:
        keys = [key(w) for w in words]
        for a, b in zip(keys, keys[1:]):
            if a and b:
                BIGRAMS[f"{a} {b}"] += 1


def split_aliases(field_text: str) -> list[tuple[str, bool]]:
    """'a|b!|c' -> [(a, False), (b, True), (c, False)]: True = whitelisted although frequent."""
    out = []
    for raw in field_text.split("|"):
        raw = raw.strip()
        if not raw:
            continue
        forced = raw.endswith("!")
        out.append((persian_letters(raw.rstrip("!")), forced))
    return out


def read_tsv(name: str, columns: int) -> list[list[str]]:
    rows = []
    for lineno, line in enumerate((SOURCES / name).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) < columns:
            cells += [""] * (columns - len(cells))
        if len(cells) != columns:
            raise SystemExit(f"{name}:{lineno}: expected {columns} columns, got {len(cells)}")
        rows.append([c.strip() for c in cells])
    return rows


def read_wordlist(name: str) -> set[str]:
    words = set()
    for line in (SOURCES / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.add(key(line))
    return words


# ---------------------------------------------------------------------------------------------
# curated tables

def make_entry(kind_id: str, etype: str, subtype: str | None, name_field: str, name_en: str | None,
               alias_field: str, country: str | None, cameo: str | None,
               priority: int = 0) -> Entry:
    name_aliases = split_aliases(name_field)
    name, name_forced = name_aliases[0]
    pairs = [(name, name_forced)] + split_aliases(alias_field)
    aliases, whitelist = [], set()
    for alias, forced in pairs:
        if alias not in aliases:
            aliases.append(alias)
        if forced:
            whitelist.add(key(alias))
    return Entry(kind_id, etype, subtype or None, name, name_en or None, aliases,
                 country or None, cameo or None, "curated", whitelist, priority)


def load_countries() -> tuple[list[Entry], dict[str, tuple[str, str]]]:
    entries, names = [], {}
    for iso, en, fa, aliases, cap_en, cap_fa, cap_aliases in read_tsv("countries.tsv", 7):
        e = make_entry(f"country:{iso}", "GPE", "country", fa, en, aliases, iso,
                       None if iso == "XKX" else iso)
        e.whitelist.add(key(e.name))   # country names are whitelisted (unless ambiguous)
        entries.append(e)
        names[iso] = (en, e.name)
        if cap_fa:
            entries.append(make_entry(f"city:{slug(cap_en)}", "GPE", "capital", cap_fa, cap_en,
                                      cap_aliases, iso, None if iso == "XKX" else iso))
    return entries, names


def load_places() -> list[Entry]:
    entries = []
    for subtype, en, fa, aliases, country, cameo in read_tsv("places.tsv", 6):
        e = make_entry(f"{ID_KIND[subtype]}:{slug(en)}", "GPE", subtype, fa, en, aliases,
                       country, cameo)
        if subtype in ("region", "province", "bloc"):
            e.whitelist.add(key(e.name))
        entries.append(e)
    return entries


def load_orgs() -> list[Entry]:
    return [make_entry(f"org:{slug(en)}", "ORG", subtype, fa, en, aliases, country, cameo)
            for subtype, en, fa, aliases, country, cameo in read_tsv("orgs.tsv", 6)]


def load_persons() -> list[Entry]:
    return [make_entry(f"person:{slug(en)}", "PERSON", "person", fa, en, aliases, country, cameo)
            for en, fa, aliases, country, cameo, _role in read_tsv("persons.tsv", 6)]


# (id prefix, subtype, CAMEO role, Persian patterns, whether the country's other forms are used)
TEMPLATES = [
    # "دولت آمریکا" is the state acting, not a body of its own: subtype state_government (see Gazetteer.state_of)
    ("government-of", "state_government", "GOV", ["دولت {}"]),
    ("ministry-of-foreign-affairs-of", "ministry", "GOV", ["وزارت خارجه {}", "وزارت امور خارجه {}"]),
    ("ministry-of-defence-of", "ministry", "MIL", ["وزارت دفاع {}"]),
    ("armed-forces-of", "armed_force", "MIL", ["ارتش {}", "نیروهای مسلح {}"]),
    ("parliament-of", "legislature", "LEG", ["پارلمان {}", "مجلس {}"]),
    ("central-bank-of", "agency", "GOV", ["بانک مرکزی {}"]),
    ("embassy-of", "agency", "GOV", ["سفارت {}"]),
]


def generate_state_bodies(country_names: dict[str, tuple[str, str]],
                          countries: dict[str, Entry]) -> list[Entry]:
    out = []
    for iso, extra in read_tsv("state_bodies.tsv", 2):
        en, fa = country_names[iso]
        forms = [fa] + [f for f, _ in split_aliases(extra)]
        if iso == "USA":
            forms += ["امریکا", "ایالات متحده"]
        for prefix, subtype, role, patterns in TEMPLATES:
            names = [p.format(f) for p in patterns for f in forms]
            e = Entry(f"org:{prefix}-{slug(en)}", "ORG", subtype, names[0],
                      f"{prefix.replace('-', ' ').capitalize()} {en}", names, iso, iso + role,
                      "curated", set(), 1)
            out.append(e)
    return out


# ---------------------------------------------------------------------------------------------
# alias filtering and collisions

def filter_common_words(entries: list[Entry], ambiguous: set[str], peyma: "Peyma | None",
                        log: Log) -> None:
    """Drop single-word aliases that are common Persian words.

    Order: the ambiguous-word list always rejects; an explicit "!" always keeps; a word seen often
    enough in PEYMA is kept iff it is mostly inside names there; otherwise the lexicon frequency
    decides, except for the names of GPE entries (countries, cities, provinces, regions)."""
    rejected = []
    for e in entries:
        kept = []
        for alias in e.aliases:
            k = key(alias)
            if is_single_word(alias):
                if k in ambiguous:
                    rejected.append((e.id, alias, "ambiguous-list"))
                    continue
                split = (common_split(alias, own_spaced_forms(e.aliases))
                         if k not in e.whitelist else None)
                if split:
                    rejected.append((e.id, alias, f"reads as '{split}'"))
                    continue
                if k not in e.whitelist:
                    ratio = peyma.named_ratio(alias) if peyma else None
                    freq = word_frequency(alias)
                    if ratio is not None:
                        if ratio < NAMED_RATIO:
                            rejected.append((e.id, alias, f"in a name in {ratio:.0%} of PEYMA uses"))
                            continue
                    elif freq >= COMMON_WORD_FREQ and not (e.type == "GPE" and k == key(e.name)):
                        rejected.append((e.id, alias, f"lexicon freq={freq}"))
                        continue
            kept.append(alias)
        e.aliases = kept
    log(f"common-word filter: {len(rejected)} single-word curated aliases rejected")
    for eid, alias, why in sorted(rejected):
        log(f"  reject {alias} ({eid}; {why})")


def _claim_rank(e: Entry, k: str) -> tuple:
    """Lower wins: explicit before generated, the entry whose own name it is, GPE before ORG before
    PERSON, countries before capitals/cities before regions/provinces, then id."""
    type_rank = {"GPE": 0, "ORG": 1, "PERSON": 2}[e.type]
    sub_rank = {"country": 0, "capital": 1, "city": 2, "region": 3, "province": 4}.get(e.subtype or "", 5)
    return (e.priority, 0 if key(e.name) == k else 1, type_rank, sub_rank, e.id)


def resolve_curated_collisions(entries: list[Entry], log: Log) -> None:
    claims: dict[str, list[Entry]] = collections.defaultdict(list)
    for e in entries:
        for k in sorted({key(a) for a in e.aliases}):
            claims[k].append(e)
    winners = {}
    by_id = {e.id: e for e in entries}
    n_explicit = n_generated = 0
    for k in sorted(claims):
        claimants = claims[k]
        if len(claimants) == 1:
            winners[k] = claimants[0].id
            continue
        override = OVERRIDES.get(k)
        if override and override in by_id and by_id[override] in claimants:
            win = by_id[override]
        else:
            win = min(claimants, key=lambda c: _claim_rank(c, k))
        winners[k] = win.id
        losers = sorted(c.id for c in claimants if c is not win)
        if all(by_id[i].priority == 1 for i in losers) and win.priority == 0:
            n_generated += 1
        else:
            n_explicit += 1
        log(f"  collision {k}: {win.id} wins over {', '.join(losers)}"
            + (" (override)" if override == win.id else ""))
    log(f"curated alias collisions: {n_explicit} between hand-written entries, {n_generated} where a "
        f"hand-written entry beat a template-generated state body")
    for e in entries:
        e.aliases = [a for a in e.aliases if winners[key(a)] == e.id]


# ---------------------------------------------------------------------------------------------
# PEYMA mining

def read_peyma(peyma: Path, log: Log):
    counts: collections.Counter = collections.Counter()
    types: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    surfaces: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    token_total: collections.Counter = collections.Counter()
    token_named: collections.Counter = collections.Counter()
    malformed = 0
    files = 0
    for sub in ("300K", "600K"):
        folder = peyma / sub
        for fname in sorted(os.listdir(folder)):
            files += 1
            current: tuple[str, list[str]] | None = None
            sentence: list[str] = []

            def flush():
                nonlocal current
                if current is not None:
                    tag, toks = current
                    surface = persian_letters(" ".join(toks))
                    k = key(surface)
                    if k:
                        counts[k] += 1
                        types[k][tag] += 1
                        surfaces[k][surface] += 1
                current = None

            with open(folder / fname, encoding="utf-8") as fh:
                for line in fh:
                    line = line.rstrip("\r\n")
                    if not line.strip():
                        flush()
                        count_bigrams([sentence])
                        sentence = []
                        continue
                    parts = line.split("\t")
                    if len(parts) != 2 or not parts[0].strip():
                        malformed += 1
                        flush()
                        continue
                    token, tag = parts[0].strip(), parts[1].strip()
                    sentence.append(persian_letters(token))
                    tk = key(persian_letters(token))
                    token_total[tk] += 1
                    if tag[2:] in ("PER", "ORG", "LOC"):
                        token_named[tk] += 1
                    if tag.startswith("B-"):
                        flush()
                        current = (tag[2:], [token])
                    elif tag.startswith("I-") and current is not None and current[0] == tag[2:]:
                        current[1].append(token)
                    else:
                        flush()
            flush()
            count_bigrams([sentence])
    log(f"PEYMA: {files} files, {sum(counts.values())} entity mentions, {len(counts)} distinct keys, "
        f"{malformed} malformed lines skipped")
    return Peyma(counts, types, surfaces, token_total, token_named)


@dataclass
class Peyma:
    counts: collections.Counter          # entity key -> mentions
    types: dict                          # entity key -> Counter(tag)
    surfaces: dict                       # entity key -> Counter(surface form)
    token_total: collections.Counter     # single-token key -> occurrences
    token_named: collections.Counter     # single-token key -> occurrences inside a PER/ORG/LOC name

    def named_ratio(self, word: str) -> float | None:
        """Share of a word's PEYMA occurrences that are inside a name; None if seen too rarely."""
        k = key(word)
        total = self.token_total[k]
        return self.token_named[k] / total if total >= MIN_TOKEN_EVIDENCE else None


def fars_sentences(fars: Path) -> list[list[str]]:
    """The Fars News articles as lists of words (title, abstract, paragraphs)."""
    out = []
    if not fars.is_dir():
        return out
    for path in sorted(fars.glob("*.json")):
        for art in json.loads(path.read_text(encoding="utf-8")):
            texts = [art.get("title") or "", art.get("abstract") or ""] + list(art.get("paragraphs") or [])
            for text in texts:
                out.append(re.findall(r"[\w\u200c]+", persian_letters(str(text))))
    return out


def fars_ngram_counts(sentences: list[list[str]], wanted: set[str], max_n: int) -> collections.Counter:
    """How often each wanted key occurs as a run of 1..max_n words in the Fars News articles."""
    found: collections.Counter = collections.Counter()
    for words in sentences:
        for i in range(len(words)):
            acc = ""
            for n in range(max_n):
                if i + n >= len(words):
                    break
                acc += key(words[i + n])
                if acc in wanted:
                    found[acc] += 1
    return found


def mine_peyma(fars_text: list[list[str]], peyma: Peyma, taken: dict[str, Entry],
               ambiguous: set[str], edge_words: set[str], log: Log) -> list[Entry]:
    counts, types, surfaces = peyma.counts, peyma.types, peyma.surfaces
    tag_to_type = {"PER": "PERSON", "ORG": "ORG", "LOC": "GPE"}
    candidates = [k for k, c in counts.items() if c >= MIN_COUNT - 1]
    fars = fars_ngram_counts(fars_text, set(candidates), 6)
    dropped: collections.Counter = collections.Counter()
    # given names and shared surnames, from the multi-token person names of the corpus
    given: collections.Counter = collections.Counter()
    family: collections.Counter = collections.Counter()
    for k, tc in types.items():
        if tc.most_common(1)[0][0] == "PER":
            toks = min(surfaces[k].items(), key=lambda kv: (-kv[1], kv[0]))[0].split()
            if len(toks) > 1:
                given[toks[0]] += 1
                family[toks[-1]] += 1
    out = []
    for k in sorted(candidates):
        tag = min(types[k].items(), key=lambda kv: (-kv[1], kv[0]))[0]
        if tag not in tag_to_type:
            dropped["not PER/ORG/LOC"] += 1
            continue
        c = counts[k]
        if c < MIN_COUNT and fars[k] < FARS_MIN:
            dropped["below threshold"] += 1
            continue
        name = min(surfaces[k].items(), key=lambda kv: (-kv[1], kv[0]))[0]
        tokens = name.split()
        reason = None
        if not _PERSIAN_LETTERS.search(name) or _BAD_CHARS.search(name):
            reason = "digits/latin/punctuation"
        elif len(k) < 3:
            reason = "too short"
        elif tokens[0] in TITLE_WORDS or any(t in TITLE_WORDS for t in tokens[:1]):
            reason = "title"
        elif k in GENERIC_KEYS:
            reason = "generic description"
        elif tokens[0] in ADMINISTRATION_WORDS:
            reason = "administration, not a named organisation"
        elif tag == "LOC" and tokens[0] in FACILITY_WORDS:
            reason = "facility, not a GPE"
        elif tag == "ORG" and tokens[0] in ORG_FRAGMENT_HEADS:
            reason = "fragment/coordination"
        elif any(t in FRAGMENT_WORDS for t in tokens) and tag != "ORG":
            reason = "fragment/coordination"
        elif tokens[0] in FRAGMENT_WORDS or tokens[-1] in FRAGMENT_WORDS or "کشورمان" in tokens:
            reason = "fragment/coordination"
        elif len(tokens) == 1:
            if tokens[0] in NON_NAME_SINGLE:
                reason = "generic word"
            elif k in ambiguous:
                reason = "ambiguous-word list"
            elif k in edge_words and k not in taken:
                reason = "edge word of a curated multi-word alias"
            elif (peyma.named_ratio(name) or 0.0) < MINED_NAMED_RATIO:
                reason = "common word (mostly outside names in PEYMA)"
            elif word_frequency(name) >= COMMON_WORD_FREQ:
                reason = "common word (lexicon frequency)"
            elif common_split(name, own_spaced_forms(surfaces[k])):
                reason = "reads as two common words"
            elif tag == "PER" and c < MIN_COUNT_SINGLE_PERSON:
                reason = "single-token person below threshold"
            elif tag == "PER" and (given[name] > 0 or family[name] > 1):
                reason = "bare given name or shared surname"
        if reason is None and k in taken:
            reason = "collides with curated alias"
        if reason is None and len(tokens) > 1 and tokens[0] in DESCRIPTOR_WORDS:
            rest = tokens[:]
            while len(rest) > 1 and rest[0] in DESCRIPTOR_WORDS:
                rest = rest[1:]
            owner = taken.get(key(" ".join(rest)))
            if owner is not None:
                owner.aliases.append(name)   # a descriptive form of a curated entry: merge it
                taken[k] = owner
                reason = "descriptor + curated name (merged into the curated entry)"
        if reason:
            dropped[reason] += 1
            continue
        etype = tag_to_type[tag]
        aliases = [name] + sorted(s for s in surfaces[k] if s != name)
        subtype = {"PERSON": "person", "ORG": None}.get(etype, GPE_SUBTYPE_HEADS.get(tokens[0]))
        out.append(Entry(f"fa:{etype.lower()}:{k}", etype, subtype,
                         name, None, aliases, None, None, "peyma"))
    log(f"PEYMA mining (>= {MIN_COUNT} mentions, or {MIN_COUNT - 1} + >= {FARS_MIN} in Fars News): "
        f"{len(out)} names kept")
    for reason, n in sorted(dropped.items()):
        log(f"  dropped {n}: {reason}")
    return out


# ---------------------------------------------------------------------------------------------

def add_generic_forms(e: Entry) -> None:
    """"کشور X" for countries and "شهر X" for cities with a one-word name (also the fallback
    alias when the bare name is a common word, e.g. "کشور مالی", "شهر رم")."""
    if " " in e.name:
        return
    if e.subtype == "country":
        e.aliases.append("کشور " + e.name)
    elif e.subtype in ("city", "capital"):
        e.aliases.append("شهر " + e.name)


def finalize(e: Entry) -> None:
    seen, out = set(), []
    for alias in e.aliases:
        for v in variants(alias):
            if v not in seen:
                seen.add(v)
                out.append(v)
    e.aliases = out


def build(shared: Path, log: Log) -> list[Entry]:
    ambiguous = read_wordlist("ambiguous_words.txt")
    countries, country_names = load_countries()
    curated = countries + load_places() + load_orgs() + load_persons()
    explicit = {e.id: e for e in curated}
    for g in generate_state_bodies(country_names, {e.country: e for e in countries}):
        if g.id in explicit:   # an explicit entry with the same id absorbs the template aliases
            target = explicit[g.id]
            target.aliases += [a for a in g.aliases if a not in target.aliases]
        else:
            curated.append(g)
    ids = collections.Counter(e.id for e in curated)
    dup = sorted(i for i, n in ids.items() if n > 1)
    if dup:
        raise SystemExit(f"duplicate curated ids: {dup}")
    peyma_dir = shared / "corpora" / "peyma"
    peyma = read_peyma(peyma_dir, log) if peyma_dir.is_dir() else None
    fars_text = fars_sentences(shared / "corpora" / "fars-news")
    count_bigrams(fars_text)
    for e in curated:
        add_generic_forms(e)
    filter_common_words(curated, ambiguous, peyma, log)
    resolve_curated_collisions(curated, log)
    empty = sorted(e.id for e in curated if not e.aliases)
    if empty:
        log(f"curated entries left without aliases, dropped: {len(empty)}"
            f" ({sum(1 for i in empty if not i.startswith('org:') or '-of-' not in i)} not generated)")
        for i in empty:
            if not ("-of-" in i and i.startswith("org:")):
                log(f"  empty {i}")
    curated = [e for e in curated if e.aliases]
    taken = {key(a): e for e in curated for a in e.aliases}
    # words of curated multi-word aliases at their edges ("بشار" of "بشار اسد", "خبرگان" of
    # "مجلس خبرگان"): as mined one-word names they are fragments
    edge_words = set()
    for e in curated:
        for a in e.aliases:
            words = persian_letters(a).split()
            if len(words) > 1:
                edge_words.update((key(words[0]), key(words[-1])))
    mined = []
    if peyma is not None:
        mined = mine_peyma(fars_text, peyma, taken, ambiguous, edge_words, log)
    else:
        log(f"no PEYMA corpus under {shared}: mined entries skipped")
    entries = curated + mined
    for e in entries:
        finalize(e)
    entries.sort(key=lambda e: e.id)
    # final safety checks
    owner: dict[str, str] = {}
    for e in entries:
        for a in e.aliases:
            k = key(a)
            if owner.setdefault(k, e.id) != e.id:
                raise SystemExit(f"alias key {k} shared by {owner[k]} and {e.id}")
    return entries


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--quiet", action="store_true", help="print only the summary counts")
    args = ap.parse_args(argv)
    log = Log(args.quiet)
    entries = build(args.shared, log)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as fh:
        for e in entries:
            fh.write(e.to_json() + "\n")
    by = collections.Counter((e.type, e.source) for e in entries)
    print(f"wrote {len(entries)} entries to {args.out}")
    for t in TYPES:
        print(f"  {t:6s} curated={by[(t, 'curated')]:5d} peyma={by[(t, 'peyma')]:5d}")
    print(f"  total  curated={sum(v for (t, s), v in by.items() if s == 'curated'):5d} "
          f"peyma={sum(v for (t, s), v in by.items() if s == 'peyma'):5d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
