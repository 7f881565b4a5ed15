"""Bad input at the edges: tombstones, non-string ids, unreadable files, the same id twice.

Invariant: every input line/message ends up enriched or dead-lettered with a reason a user can read,
and `khabar extract` tells "cannot read the file" (exit 2) apart from "some lines failed" (exit 1)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys

import orjson
import pytest

from conftest import ROOT, assert_valid, broker_less_khabar
from streams.config import DEADLETTER, ENRICHED
from streams.processing import Counts, process

ARTICLE = {"id": "dup-1", "source": "test", "url": None, "published_at": "2024-05-06", "title": "سفر",
           "body": "وزیر امور خارجه روسیه دیروز وارد تهران شد و با وزیر امور خارجه ایران دیدار کرد."}


def _dead(outputs) -> dict:
    assert [o.topic for o in outputs] == [DEADLETTER]
    assert_valid("articles.deadletter", outputs[0].value)
    return outputs[0].value


def test_tombstone_is_its_own_dead_letter_reason():
    counts = Counts()
    dead = _dead(process(None, key=b"a-1", topic="articles", partition=2, offset=7, counts=counts))
    assert dead["reason"] == "null_message"
    assert "tombstone" in dead["message"] and "JSON" in dead["message"]  # says what arrived and what is expected
    assert dead["key"] == "a-1" and dead["payload"] is None and dead["payload_base64"] is None
    assert dead["source"] == {"topic": "articles", "partition": 2, "offset": 7}
    assert counts.as_dict()["deadletter_reasons"] == {"null_message": 1}


@pytest.mark.parametrize("bad_id", [17, 1.5, True, ["a"], {"x": 1}])
def test_non_string_id_is_invalid_id(bad_id):
    dead = _dead(process(orjson.dumps({"id": bad_id, "body": "متن"})))
    assert dead["reason"] == "invalid_id"
    assert "string" in dead["message"]


def test_string_id_still_enriched():
    assert [o.topic for o in process(orjson.dumps({"id": "17", "body": "متن"}))] == [ENRICHED]


def _extract(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "streams.cli", "extract", *args], input=stdin, env=env,
                          capture_output=True, timeout=300)


def _assert_cannot_read(result: subprocess.CompletedProcess, what: str) -> None:
    assert result.returncode == 2, result.stderr.decode()
    assert result.stdout == b""
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0] and what in lines[0], lines


def test_extract_missing_file_exits_2(tmp_path):
    _assert_cannot_read(_extract(str(tmp_path / "nope.jsonl")), "no such file")


def test_extract_directory_exits_2(tmp_path):
    _assert_cannot_read(_extract(str(tmp_path)), "is a directory")


def test_extract_unopenable_file_exits_2(tmp_path):
    # a socket cannot be opened as a file, even by root (ENXIO); chmod 000 would not stop root
    path = tmp_path / "sock.jsonl"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
        _assert_cannot_read(_extract(str(path)), "cannot read")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_extract_unreadable_file_exits_2(tmp_path):
    path = tmp_path / "secret.jsonl"
    path.write_bytes(orjson.dumps(ARTICLE) + b"\n")
    path.chmod(0)
    _assert_cannot_read(_extract(str(path)), "cannot read")


def test_extract_same_id_twice_marks_the_second_and_dead_letters_keep_exit_1():
    lines = [orjson.dumps(ARTICLE), orjson.dumps(ARTICLE), b"null", b'{"id": 3, "body": "x"}']
    result = _extract("-", stdin=b"\n".join(lines) + b"\n")
    assert result.returncode == 1, result.stderr.decode()
    enriched = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in enriched] == ["dup-1", "dup-1"]
    assert "duplicate_of" not in enriched[0] and enriched[1]["duplicate_of"] == "dup-1"
    for r in enriched:
        assert_valid("articles.enriched", r)
    dead = [orjson.loads(line) for line in result.stderr.splitlines() if line.startswith(b"{")]
    assert [d["reason"] for d in dead] == ["not_an_object", "invalid_id"]


@pytest.fixture()
def khabar(tmp_path):
    return broker_less_khabar(tmp_path, "khabar-bad-input-test")


async def test_agent_tombstone_and_same_id_twice(khabar):
    async with khabar.enrich.test_context() as agent:
        await agent.put(orjson.dumps(ARTICLE), key=b"dup-1")
        await agent.put(None, key=b"gone")
        await agent.put(orjson.dumps(ARTICLE), key=b"dup-1")
    enriched = [o.value for o in khabar.sent if o.topic == ENRICHED]
    dead = [o.value for o in khabar.sent if o.topic == DEADLETTER]
    assert [r["id"] for r in enriched] == ["dup-1", "dup-1"]
    assert "duplicate_of" not in enriched[0] and enriched[1]["duplicate_of"] == "dup-1"
    assert [(d["reason"], d["key"]) for d in dead] == [("null_message", "gone")]
    for r in enriched:
        assert_valid("articles.enriched", r)
    assert khabar.totals().as_dict()["in"] == 3  # from the changelog-backed stats table
