"""Actor gazetteer (streams/data/gazetteer.jsonl, built by scripts/build_gazetteer.py) and its matcher.

Aliases and text are compared by `normalize.key` over whole tokens, so spelling variants
(ي/ی, ك/ک, آ/ا, with or without ZWNJ or a space) all match; a match never starts or ends
inside a token.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Iterable

import orjson

from streams.core.text.normalize import key
from streams.core.text.tokenize import Token

MAX_ALIAS_TOKENS = 10


@dataclass(frozen=True)
class Actor:
    id: str
    type: str
    name: str
    name_en: str | None = None
    country: str | None = None
    cameo: str | None = None
    subtype: str | None = None
    aliases: tuple[str, ...] = field(default=(), repr=False)


class Gazetteer:
    def __init__(self, actors: Iterable[Actor]):
        self.by_id: dict[str, Actor] = {}
        self.by_key: dict[str, Actor] = {}
        # where an alias key may be split between tokens: "خزانه داری" and "خزانه‌داری" allow
        # a split after "خزانه"; "فردو" (a city) allows none, so "فرد و" never matches it
        self._splits: dict[str, set[int]] = {}
        self._prefixes: set[str] = set()
        for actor in actors:
            self.by_id[actor.id] = actor
            for alias in actor.aliases or (actor.name,):
                k = key(alias)
                if len(k) < 2:
                    continue
                if self.by_key.setdefault(k, actor) is actor:
                    self._splits.setdefault(k, set()).update(_split_points(alias))
        for k in self.by_key:
            for n in range(1, len(k) + 1):
                self._prefixes.add(k[:n])

    @classmethod
    def from_jsonl(cls, lines: Iterable[bytes | str]) -> "Gazetteer":
        actors = []
        for line in lines:
            if not line.strip():
                continue
            e = orjson.loads(line)
            actors.append(Actor(e["id"], e["type"], e["name"], e.get("name_en"), e.get("country"),
                                e.get("cameo"), e.get("subtype"), tuple(e.get("aliases") or ())))
        return cls(actors)

    def lookup(self, text: str) -> Actor | None:
        return self.by_key.get(key(text))

    def state_of(self, actor: Actor) -> Actor | None:
        """For a generic government entry ("دولت آمریکا"), the state it stands for. Named government bodies
        ("کاخ سفید", "شورای نگهبان", "هیئت دولت") stay organisations of their own."""
        if actor.subtype == "state_government" and actor.country:
            return self.by_id.get(f"country:{actor.country}")
        return None

    def capital_of(self, actor: Actor) -> Actor | None:
        """For a capital city, the country it stands for in metonymy ("تهران" for Iran's government)."""
        if actor.subtype == "capital" and actor.country:
            return self.by_id.get(f"country:{actor.country}")
        return None

    def match(self, tokens: list[Token]) -> list[tuple[int, int, Actor]]:
        """Longest, left-to-right, non-overlapping alias matches as (first token, end token, actor)."""
        texts = [tok.text for tok in tokens]
        keys = [key(t) for t in texts]  # one key per token, not one per (start, token) pair
        words = [t[0].isalpha() for t in texts]  # Token.is_word
        out = []
        i, n = 0, len(tokens)
        prefixes = self._prefixes
        while i < n:
            if keys[i] not in prefixes or not (words[i] or texts[i].isdigit()):
                i += 1  # no alias starts here: most tokens
                continue
            best = None
            k = ""
            cuts: list[int] = []
            for j in range(i, min(n, i + MAX_ALIAS_TOKENS)):
                if not (words[j] or texts[j].isdigit() or (j > i and texts[j] in "-+")):
                    break
                if j > i:
                    cuts.append(len(k))
                k += keys[j]
                if k not in prefixes:
                    break
                actor = self.by_key.get(k)
                if actor is not None and words[j] and self._splits[k].issuperset(cuts):
                    best = (i, j + 1, actor)
            if best:
                out.append(best)
                i = best[1]
            else:
                i += 1
        return out


def _split_points(alias: str) -> set[int]:
    """Offsets in key(alias) where the alias has a word boundary (space, ZWNJ, hyphen)."""
    points, length = set(), 0
    for part in re.split(r"[\s\u200c\-]+", alias):
        length += len(key(part))
        points.add(length)
    return points


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    path = resources.files("streams.data").joinpath("gazetteer.jsonl")
    if not path.is_file():
        return Gazetteer([])
    return Gazetteer.from_jsonl(path.read_bytes().splitlines())
