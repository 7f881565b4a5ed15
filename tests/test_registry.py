"""`khabar schemas register URL`: the requests it makes, against a stand-in registry.

No real Schema Registry runs here: Apicurio Registry 3.3.3 (and 2.6.13.Final) depends on
io.apicurio:apicurio-registry-schema-util-provider, which Maven Central does not serve to this
machine, Karapace is not on PyPI, and Redpanda is not packaged for Debian.  So this is a STAND-IN,
not a registry: a stdlib HTTP server implementing the few Confluent Schema Registry endpoints the
command uses, with the behaviour the command relies on (an identical schema under a subject keeps its
id and version; references must name a registered subject version; ids are global per schema)."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from streams.config import ALL_TOPICS
from streams.registry import TOPIC_SCHEMAS, _refs, plan

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "schemas"


class StandInRegistry(ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.subjects: dict[str, list[dict]] = {}   # subject -> versions [{"id", "schema", "references"}]
        self.ids: dict[str, int] = {}                # canonical schema -> global id
        self.requests: list[tuple[str, str]] = []
        self.refuse: set[str] = set()                # subjects answered with 409 (incompatible)
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: StandInRegistry

    def log_message(self, *args):
        pass

    def _send(self, status: int, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _parts(self) -> list[str]:
        return [urllib.parse.unquote(p) for p in urllib.parse.urlsplit(self.path).path.strip("/").split("/")]

    def do_GET(self):
        s, parts = self.server, self._parts()
        s.requests.append(("GET", self.path))
        with s.lock:
            if parts == ["subjects"]:
                return self._send(200, sorted(s.subjects))
            if len(parts) == 3 and parts[0] == "subjects" and parts[2] == "versions" and parts[1] in s.subjects:
                return self._send(200, list(range(1, len(s.subjects[parts[1]]) + 1)))
            if len(parts) == 4 and parts[0] == "subjects" and parts[2] == "versions" and parts[1] in s.subjects:
                versions = s.subjects[parts[1]]
                v = len(versions) if parts[3] == "latest" else int(parts[3])
                return self._send(200, {"subject": parts[1], "version": v, **versions[v - 1]})
            if len(parts) == 3 and parts[:2] == ["schemas", "ids"]:
                for versions in s.subjects.values():
                    for entry in versions:
                        if entry["id"] == int(parts[2]):
                            return self._send(200, {"schema": entry["schema"], "schemaType": "JSON",
                                                    "references": entry["references"]})
        return self._send(404, {"error_code": 40401, "message": "not found"})

    def do_POST(self):
        s, parts = self.server, self._parts()
        s.requests.append(("POST", self.path))
        if self.headers.get("Content-Type") not in ("application/vnd.schemaregistry.v1+json", "application/json"):
            return self._send(415, {"error_code": 415, "message": "unsupported media type"})
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if not (len(parts) in (2, 3) and parts[0] == "subjects"):
            return self._send(404, {"error_code": 404, "message": "not found"})
        subject = parts[1]
        if body.get("schemaType") != "JSON":
            return self._send(422, {"error_code": 42201, "message": "schemaType must be JSON here"})
        try:
            schema = json.loads(body["schema"])
        except ValueError:
            return self._send(422, {"error_code": 42201, "message": "invalid schema"})
        refs = body.get("references") or []
        with s.lock:
            for ref in refs:
                versions = s.subjects.get(ref["subject"], [])
                if not 1 <= ref["version"] <= len(versions):
                    return self._send(422, {"error_code": 42201, "message": f"unknown reference {ref}"})
            missing = _refs(schema) - {ref["name"] for ref in refs}
            if missing:  # a real registry cannot resolve such a $ref
                return self._send(422, {"error_code": 42201, "message": f"unresolved $ref {sorted(missing)}"})
            key = json.dumps([body["schema"], refs], sort_keys=True)
            versions = s.subjects.get(subject, [])
            for v, entry in enumerate(versions, 1):
                if json.dumps([entry["schema"], entry["references"]], sort_keys=True) == key:
                    return self._send(200, {"id": entry["id"]} if len(parts) == 3 else
                                      {"subject": subject, "version": v, **entry})
            if len(parts) == 2:  # lookup of a schema the subject does not hold
                return self._send(404, {"error_code": 40403, "message": "schema not found"})
            if subject in s.refuse:
                return self._send(409, {"error_code": 409, "message": "schema being registered is incompatible"})
            schema_id = s.ids.setdefault(key, len(s.ids) + 1)
            s.subjects.setdefault(subject, []).append({"id": schema_id, "schema": body["schema"], "references": refs})
            return self._send(200, {"id": schema_id})


@pytest.fixture()
def registry():
    server = StandInRegistry()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def khabar(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "streams.cli", *args], capture_output=True, text=True, timeout=60,
                          cwd=ROOT, env={**os.environ, "KHABAR_TOPIC_PREFIX": "", **env})


def test_every_schema_file_belongs_to_one_topic_and_references_come_first():
    order = plan(SCHEMAS)
    assert sorted(t for t, _, _ in order) == sorted(ALL_TOPICS)
    assert {f for _, f, _ in order} == {p.name for p in SCHEMAS.glob("*.json")} == set(TOPIC_SCHEMAS.values())
    position = {f: i for i, (_, f, _) in enumerate(order)}
    referencing = [(f, refs) for _, f, refs in order if refs]
    assert referencing, "the event schemas $ref the enriched schema"
    for f, refs in referencing:
        assert all(position[r] < position[f] for r in refs), (f, refs)


def test_register_twice_is_idempotent(registry):
    first = khabar("schemas", "register", registry.url)
    assert first.returncode == 0, first.stderr
    second = khabar("schemas", "register", registry.url)
    assert second.returncode == 0, second.stderr
    assert first.stdout == second.stdout  # same ids, same versions
    assert sorted(registry.subjects) == sorted(f"{t}-value" for t in ALL_TOPICS)
    assert all(len(v) == 1 for v in registry.subjects.values())  # no second version
    assert len(first.stdout.splitlines()) == len(ALL_TOPICS)
    for topic, file in TOPIC_SCHEMAS.items():
        entry = registry.subjects[f"{topic}-value"][0]
        assert entry["schema"] == (SCHEMAS / file).read_text(encoding="utf-8")  # the file as written
        assert f"{topic}-value: id {entry['id']}, version 1 ({file})" in first.stdout
    refs = registry.subjects["events.sanctions-value"][0]["references"]
    assert refs == [{"name": "enriched.schema.json", "subject": "articles.enriched-value", "version": 1}]


def test_subjects_take_the_topic_prefix(registry):
    run = khabar("schemas", "register", registry.url, KHABAR_TOPIC_PREFIX="dev.")
    assert run.returncode == 0, run.stderr
    assert sorted(registry.subjects) == sorted(f"dev.{t}-value" for t in ALL_TOPICS)
    assert registry.subjects["dev.events.visits-value"][0]["references"][0]["subject"] == "dev.articles.enriched-value"


def test_a_changed_schema_is_a_new_version(registry, tmp_path):
    changed = tmp_path / "schemas"
    changed.mkdir()
    for p in SCHEMAS.glob("*.json"):
        (changed / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    assert khabar("schemas", "register", registry.url, "--schemas", str(changed)).returncode == 0
    schema = json.loads((changed / "article.schema.json").read_text(encoding="utf-8"))
    schema["description"] = schema.get("description", "") + " (changed)"
    (changed / "article.schema.json").write_text(json.dumps(schema), encoding="utf-8")
    run = khabar("schemas", "register", registry.url, "--schemas", str(changed))
    assert run.returncode == 0, run.stderr
    # the registry numbers schemas in order: one id per topic schema, then the changed one
    assert f"articles-value: id {len(TOPIC_SCHEMAS) + 1}, version 2 (article.schema.json)" in run.stdout
    assert len(registry.subjects["articles.enriched-value"]) == 1


def test_refused_schema_exits_1_with_the_registry_message(registry):
    registry.refuse.add("articles.deadletter-value")
    run = khabar("schemas", "register", registry.url)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "HTTP 409" in run.stderr and "incompatible" in run.stderr


def test_no_registry_exits_2_in_one_line():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    run = khabar("schemas", "register", f"http://127.0.0.1:{port}")
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert f"no schema registry reachable at http://127.0.0.1:{port}" in run.stderr
