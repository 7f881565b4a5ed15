"""The command line explains itself: --version, settings in `worker --help`, one-line errors for a missing
broker (exit 2), a hint when `extract` reads a terminal, quiet back-pressure logs."""
from __future__ import annotations

import logging
import os
import pty
import socket
import subprocess
import sys
import threading
from dataclasses import fields
from pathlib import Path

import pytest

from streams.config import Settings, describe
from streams.version import PIPELINE_VERSION

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "articles.jsonl"


def khabar(*args: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "streams.cli", *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, **(env or {})}, cwd=ROOT, **kwargs)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


def test_version():
    run = khabar("--version")
    assert run.returncode == 0
    assert run.stdout.startswith("khabar ") and PIPELINE_VERSION in run.stdout


def test_every_setting_has_an_env_var_default_and_help():
    rows = describe()
    assert len(rows) == len(fields(Settings))
    envs = [env for env, _, _ in rows]
    assert len(set(envs)) == len(envs) and all(e.startswith("KHABAR_") for e in envs)
    assert all(meaning for _, _, meaning in rows)
    # the declared default is the value a Settings() made without the variable gets
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KHABAR_")}
    code = "from streams.config import Settings; import dataclasses, json; " \
           "print(json.dumps({k: str(v) for k, v in dataclasses.asdict(Settings()).items()}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=clean, cwd=ROOT,
                         check=True).stdout
    import json
    values = json.loads(out)
    for f in fields(Settings):
        parse = type(getattr(Settings(), f.name))
        assert values[f.name] == str(parse(f.metadata["default"])), f.name


def test_worker_help_lists_every_setting_with_default():
    run = khabar("worker", "--help")
    assert run.returncode == 0
    lines = run.stdout.splitlines()
    for env, default, meaning in describe():
        line = next((ln for ln in lines if ln.split() and ln.split()[0] == env), None)
        assert line is not None, f"{env} missing from worker --help"
        assert meaning in line and f"(default: {default or '(empty)'})" in line, line


def test_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for env, _, _ in describe():
        assert f"`{env}`" in readme, env


@pytest.mark.parametrize("command", [["worker"], ["produce", str(EXAMPLES)]])
def test_no_broker_is_one_line_and_exit_2(command):
    broker = f"kafka://127.0.0.1:{closed_port()}"
    run = khabar(*command, env={"KHABAR_BROKER": broker, "KHABAR_TOPIC_PREFIX": "never-"})
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert broker in lines[0] and "scripts/kafka-local start" in lines[0] and "docker compose up" in lines[0]


@pytest.fixture()
def not_kafka():
    """A port that accepts connections and closes them at once: TCP is up, the Kafka bootstrap fails."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                conn.close()
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


@pytest.mark.parametrize("command", [["worker"], ["produce", str(EXAMPLES)]])
def test_failed_bootstrap_is_reported_without_traceback(command, not_kafka):
    broker = f"kafka://127.0.0.1:{not_kafka}"
    run = khabar(*command, env={"KHABAR_BROKER": broker, "KHABAR_TOPIC_PREFIX": "never-"})
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith(f"khabar {command[0]}: no Kafka broker reachable at {broker}")
    assert "bootstrap" in lines[0].lower()


def test_extract_says_it_reads_a_terminal():
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "streams.cli", "extract"], stdin=slave,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
        os.close(slave)
        os.write(master, b"\x04")  # Ctrl-D on an empty line: end of input
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(master)
    assert proc.returncode == 0, err
    assert b"reading article JSONL from stdin" in err
    assert b"0 in" in err


def test_extract_from_a_pipe_has_no_terminal_hint():
    run = khabar("extract", input=EXAMPLES.read_text(encoding="utf-8"))
    assert run.returncode == 0, run.stderr
    assert "reading article JSONL" not in run.stderr
    assert len(run.stdout.splitlines()) == len(EXAMPLES.read_text(encoding="utf-8").splitlines())


def test_producer_buffer_full_is_debug_not_warning(caplog):
    import streams.stream.app  # noqa: F401  (installs the filter)

    producer_log = logging.getLogger("faust.transport.producer")
    with caplog.at_level(logging.INFO, logger="faust.transport.producer"):
        producer_log.warning("producer buffer full size 105")  # Faust's own call
        producer_log.info("producer flush took 0.01")
        producer_log.warning("something else")
    assert [r.getMessage() for r in caplog.records] == ["something else"]
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="faust.transport.producer"):
        producer_log.warning("producer buffer full size 105")
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [("DEBUG", "producer buffer full size 105")]
