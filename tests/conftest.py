"""Shared test helpers: paths, the schema validator for every topic, the local broker."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from streams.registry import TOPIC_SCHEMAS

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KHABAR_SHARED", ROOT.parent / "shared"))
SCHEMAS = ROOT / "schemas"


def _registry() -> Registry:
    resources = []
    for path in SCHEMAS.glob("*.schema.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(schema)
        resources += [(schema["$id"], resource), (path.name, resource)]
    return Registry().with_resources(resources)


REGISTRY = _registry()


def validator_for(topic: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / TOPIC_SCHEMAS[topic]).read_text(encoding="utf-8"))
    return Draft202012Validator(schema, registry=REGISTRY, format_checker=Draft202012Validator.FORMAT_CHECKER)


def assert_valid(topic: str, message: dict) -> None:
    errors = sorted(validator_for(topic).iter_errors(message), key=lambda e: list(e.path))
    assert not errors, f"{topic} message invalid: " + "; ".join(
        f"{'/'.join(map(str, e.path))}: {e.message[:200]}" for e in errors[:5])


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def extract_offline(tmp_path: Path, articles: list[dict], name: str, option: str,
                    timeout: float = 600) -> tuple[list[dict], bytes]:
    """`khabar extract IN.jsonl OPTION OUT.jsonl` on the articles (OPTION: "--cooccurrence" or "--fuse"):
    the rows it wrote to OUT and its stdout (the enriched records)."""
    src, out = tmp_path / f"{name}.jsonl", tmp_path / f"{name}{option.replace('--', '-')}.jsonl"
    src.write_bytes(b"".join(json.dumps(a, ensure_ascii=False).encode("utf-8") + b"\n" for a in articles))
    run = subprocess.run([sys.executable, "-m", "streams.cli", "extract", str(src), option, str(out)],
                         cwd=ROOT, capture_output=True, timeout=timeout)
    assert run.returncode == 0, run.stderr.decode()[-3000:]
    return read_jsonl(out), run.stdout


def shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not available")
    return path


@pytest.fixture(scope="session")
def dev_articles() -> list[dict]:
    return read_jsonl(shared("eval", "dev-articles.jsonl")) + read_jsonl(shared("eval", "dev-nsurl-articles.jsonl"))


@pytest.fixture(scope="session")
def seed_article() -> dict:
    return read_jsonl(shared("seed", "article.jsonl"))[0]


def broker_less_khabar(tmp_path: Path, app_id: str, **settings):
    """The worker's app with its outputs collected in `.sent` instead of sent to Kafka (Faust's agent test
    context runs it without a broker)."""
    from streams.config import Settings
    from streams.stream.app import build

    # Faust's RocksDB store serves only the partitions a broker assigned: none here
    settings.setdefault("store", "memory")
    k = build(Settings(broker="kafka://127.0.0.1:1", app_id=app_id, data_dir=str(tmp_path), **settings))
    k.sent = []

    async def sink(out):
        k.sent.append(out)

    k.sink = sink
    return k
