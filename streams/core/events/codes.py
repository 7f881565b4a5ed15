"""CAMEO event codes for extracted events, and their PLOVER event/mode (streams/data/cameo_plover.json)."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from streams.core.document import Document

# (event type, status) -> CAMEO code
CAMEO = {
    ("sanction", "imposed"): "163",      # Impose embargo, boycott, or sanctions
    ("sanction", "lifted"): "085",       # Ease economic sanctions, boycott, embargo
    ("sanction", "threatened"): "1312",  # Threaten to boycott, embargo, or sanction
    ("visit", "occurred"): "042",        # Make a visit
    ("visit", "planned"): "036",         # Express intent to meet or negotiate
}
HOSTED_VISIT = "043"                     # Host a visit: the host's side of an occurred visit


@lru_cache(maxsize=1)
def plover_table() -> dict[str, dict]:
    return json.loads(resources.files("streams.data").joinpath("cameo_plover.json").read_text(encoding="utf-8"))


def plover(code: str) -> dict | None:
    row = plover_table().get(code)
    if row is None:
        return None
    return {"event": row["event"], "mode": row["mode"], "context": row["context"]}


def assign_codes(doc: Document) -> Document:
    for ev in doc.events:
        ev.cameo = CAMEO[(ev.type, ev.status)]
    return doc
