"""Run the shared scorer (../shared/eval/score.py) on predictions made by the offline path."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from conftest import shared
from streams.config import ENRICHED
from streams.processing import process


def load_scorer():
    spec = importlib.util.spec_from_file_location("khabar_shared_score", shared("eval", "score.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def predict(articles_path: Path, out_path: Path) -> list[dict]:
    records = []
    with out_path.open("w", encoding="utf-8") as out:
        for line in articles_path.read_bytes().splitlines():
            if not line.strip():
                continue
            outputs = process(line)
            enriched = [o.value for o in outputs if o.topic == ENRICHED]
            assert len(enriched) == 1, outputs
            records.append(enriched[0])
            out.write(json.dumps(enriched[0], ensure_ascii=False) + "\n")
    return records


def score(gold: str, articles: str, tmp_path: Path) -> tuple[dict, list[dict]]:
    pred = tmp_path / f"{Path(articles).stem}.pred.jsonl"
    records = predict(shared("eval", articles) if "/" not in articles else shared(*articles.split("/")), pred)
    result = load_scorer().score(str(shared("eval", gold)), str(pred))
    return result, records
