"""Register the topic schemas (`schemas/*.json`) in a Schema Registry that speaks the Confluent API
(Redpanda's built-in one, Confluent, Apicurio's ccompat API, Karapace), as subject `<topic>-value`.

Idempotent: the registry answers a schema it already holds under the subject with the same id and no new
version.  A `$ref` to another topic's schema file becomes a schema reference to that subject's version,
so referenced schemas are registered first.  Standard library HTTP only."""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from streams.config import ARTICLES, COOCCURRENCE, DEADLETTER, ENRICHED, FUSED, SANCTIONS, VISITS, Settings

# the contract of every topic (the tests validate every message against these)
TOPIC_SCHEMAS = {
    ARTICLES: "article.schema.json",
    ENRICHED: "enriched.schema.json",
    SANCTIONS: "sanction-event.schema.json",
    VISITS: "visit-event.schema.json",
    DEADLETTER: "deadletter.schema.json",
    COOCCURRENCE: "cooccurrence.schema.json",
    FUSED: "fused-event.schema.json",
}
CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"


class RegistryError(RuntimeError):
    """The registry refused a request (its message is kept)."""


class RegistryUnavailable(RuntimeError):
    """Nothing answers at the registry URL: an expected failure, reported in one line."""


@dataclass(frozen=True)
class Registered:
    subject: str
    id: int
    version: int
    file: str


def default_schema_dir() -> Path:
    """./schemas (the Docker image's /app), else the source tree's."""
    here = Path("schemas")
    return here if (here / TOPIC_SCHEMAS[ARTICLES]).is_file() else Path(__file__).resolve().parents[1] / "schemas"


def _refs(node) -> set[str]:
    """Schema files named by `$ref`s (the part before '#'), e.g. 'enriched.schema.json'."""
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            found.add(ref.split("#", 1)[0].rsplit("/", 1)[-1])
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def plan(schema_dir: Path) -> list[tuple[str, str, set[str]]]:
    """(topic, file, referenced files) in registration order: referenced schemas first."""
    files = {p.name for p in schema_dir.glob("*.json")}
    by_file = {f: t for t, f in TOPIC_SCHEMAS.items()}
    unknown = files - set(by_file)
    if unknown:
        raise RegistryError(f"no topic for schema file(s) {sorted(unknown)} (streams.registry.TOPIC_SCHEMAS)")
    missing = set(by_file) - files
    if missing:
        raise RegistryError(f"schema file(s) {sorted(missing)} not found in {schema_dir}")
    refs = {f: _refs(json.loads((schema_dir / f).read_text(encoding="utf-8"))) for f in files}
    ordered: list[str] = []

    def visit(f: str, path: tuple[str, ...]) -> None:
        if f in ordered:
            return
        if f in path:
            raise RegistryError(f"schema references form a cycle: {' -> '.join(path + (f,))}")
        for r in sorted(refs[f]):
            if r not in by_file:
                raise RegistryError(f"{f} references {r}, which is no topic's schema")
            visit(r, path + (f,))
        ordered.append(f)

    for f in sorted(files):
        visit(f, ())
    return [(by_file[f], f, refs[f]) for f in ordered]


class Client:
    def __init__(self, url: str, timeout: float = 10.0):
        self.url, self.timeout = url.rstrip("/"), timeout

    def request(self, method: str, path: str, body: dict | None = None):
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": CONTENT_TYPE, "Accept": CONTENT_TYPE})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            detail = e.read().decode("utf-8", "replace")
            try:
                detail = json.loads(detail).get("message", detail)
            except (ValueError, AttributeError):
                pass
            raise RegistryError(f"{method} {path}: HTTP {e.code}: {detail}") from e
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise RegistryUnavailable(f"no schema registry reachable at {self.url} ({reason})") from e


def register(url: str, settings: Settings | None = None, schema_dir: Path | None = None,
             timeout: float = 10.0) -> list[Registered]:
    """Register every topic schema under `<prefixed topic>-value`; returns what the registry answered."""
    settings = settings or Settings()
    schema_dir = schema_dir or default_schema_dir()
    client = Client(url, timeout)
    done: dict[str, Registered] = {}
    for topic, file, refs in plan(schema_dir):
        subject = f"{settings.topic(topic)}-value"
        body = {"schemaType": "JSON", "schema": (schema_dir / file).read_text(encoding="utf-8")}
        if refs:
            body["references"] = [{"name": r, "subject": done[r].subject, "version": done[r].version}
                                  for r in sorted(refs)]
        quoted = urllib.parse.quote(subject, safe="")
        schema_id = client.request("POST", f"/subjects/{quoted}/versions", body)["id"]
        found = client.request("POST", f"/subjects/{quoted}", body)  # the version that holds this schema
        done[file] = Registered(subject, int(schema_id), int(found["version"]), file)
    return list(done.values())
