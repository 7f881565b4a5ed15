#!/usr/bin/env python3
"""Rebuild streams/data/cameo_plover.json from ../shared/corpora/CAMEO2PLOVER-2021.txt.

Each line of the source reads "CODE: EVENT, mode, context # description"; the output maps
CAMEO code -> {"event", "mode", "context", "description"} (empty fields become null).
usage: python scripts/build_codes.py [SOURCE] [OUT]
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def parse(text: str) -> dict:
    table = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#") or ":" not in line:
            continue
        code, _, rest = line.partition(":")
        body, _, description = rest.partition("#")
        parts = [p.strip() or None for p in body.split(",")] + [None, None, None]
        table[code.strip()] = {"event": parts[0], "mode": parts[1], "context": parts[2],
                               "description": description.strip() or None}
    return table


if __name__ == "__main__":
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "corpora" / "CAMEO2PLOVER-2021.txt"
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "streams" / "data" / "cameo_plover.json"
    table = parse(src.read_text(encoding="utf-8"))
    out.write_text(json.dumps(table, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(table)} codes to {out}", file=sys.stderr)
