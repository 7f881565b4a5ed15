#!/usr/bin/env python3
"""Time of `streams.extract` on hostile bodies, by size: extraction must stay linear in every input.

Bodies (each of N characters): one token of random Persian letters, one letter repeated, a word
with its suffix repeated ("کتاب" + "ها" * k: suffix-stripping recursion), a prefix repeated
("می" * k + "کند"); and, with spaces, one common word, a word whose lost ZWNJ is repaired, a stray
ZWNJ removed each time, one actor name repeated (many tokens, many mentions).  Each is timed once
per size against a linear floor on the same text in the same process: NFKC normalisation plus one
regex match object per character (hazm's normaliser is itself quadratic on the repeated-suffix
bodies, 100 s at 100,000 characters, so it cannot be the yardstick here).  A ratio that stays
flat as N grows means linear time.  Times are CPU seconds of this process (the machine is shared).

usage: python benchmarks/huge_input.py [SIZES...]   (default 20000 50000 100000 200000)
"""
from __future__ import annotations

import random
import re
import sys
import time
import unicodedata

_CHAR = re.compile(".", re.S)


def bodies(n: int) -> dict[str, str]:
    rnd = random.Random(n)
    letters = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی"
    return {
        "one token, random letters": "".join(rnd.choice(letters) for _ in range(n)),
        "one token, one letter": "ب" * n,
        "one token, suffix repeated": ("کتاب" + "ها" * n)[:n],
        "one token, prefix repeated": ("می" * n)[:n - 3] + "کند",
        "a word repeated": ("سلام " * n)[:n],
        "a repaired word repeated": ("میشود " * n)[:n],
        "a stray ZWNJ repeated": ("ب\u200c. " * n)[:n],
        "an actor repeated": ("ایران " * n)[:n],
    }


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [20_000, 50_000, 100_000, 200_000]
    import streams

    streams.extract({"id": "warm-up", "body": "سلام"})
    print(f"{'body':28s} {'chars':>8s} {'extract s':>10s} {'floor s':>8s} {'ratio':>7s}  outcome")
    for n in sizes:
        for name, body in bodies(n).items():
            t = time.process_time()
            [m.group() for m in _CHAR.finditer(unicodedata.normalize("NFKC", body))]
            floor_s = time.process_time() - t
            t = time.process_time()
            try:
                record = streams.extract({"id": "huge", "body": body})
                outcome = f"{sum(len(e['mentions']) for e in record['entities'])} mentions"
            except Exception as e:  # noqa: BLE001 - reported, the point is to see which inputs fail
                outcome = f"{type(e).__name__}"
            seconds = time.process_time() - t
            print(f"{name:28s} {n:8d} {seconds:10.3f} {floor_s:8.3f} {seconds / floor_s:7.2f}  {outcome}", flush=True)


if __name__ == "__main__":
    main()
