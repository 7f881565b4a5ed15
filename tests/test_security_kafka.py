"""Security as deployed: the worker and the CLI against a real broker with a SASL_SSL listener (SCRAM-SHA-512,
PLAIN) and a mutual-TLS listener, certificates from a CA made in the test (tests/securekafka.py).

Invariants: with the right KHABAR_* settings articles come out enriched; a wrong password or a CA that did
not sign the broker certificate ends the command within a bound, in one line that names the cause and the
settings; the password appears in no log line and no web view; the web views listen on loopback only."""
from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import orjson
import pytest

from conftest import ROOT, assert_valid
from kafkautil import Worker, broker_or_skip, worker_env
from securekafka import SecureBroker, start_secure_broker
from streams.config import ARTICLES, DEADLETTER, ENRICHED, Settings
from streams.stream.admin import bootstrap_servers
from streams.stream.security import client_security

pytestmark = pytest.mark.kafka

EXAMPLES = ROOT / "examples" / "articles.jsonl"
# every view of the worker (ours and Faust's own), each read after the articles went through
VIEWS = ("/", "/stats", "/metrics", "/cooccurrence/status", "/cooccurrence/windows", "/cooccurrence/top",
         "/cooccurrence/graph", "/cooccurrence/country:IRN", "/actors/country:IRN", "/graph", "/graph/",
         "/stats/", "/stats/assignment/", "/router/", "/router/topics", "/table/", "/table/khabar-stats/")


@pytest.fixture(scope="module")
def secure(tmp_path_factory) -> SecureBroker:
    broker_or_skip()  # the test broker runs, so Java and the Kafka jars are there
    broker = start_secure_broker(tmp_path_factory.mktemp("secure-kafka"))
    yield broker
    broker.stop()


def sasl_env(secure: SecureBroker, mechanism: str, user: str = "khabar", **extra: str) -> dict[str, str]:
    return {"KHABAR_BROKER": f"kafka://{secure.sasl_ssl}", "KHABAR_SECURITY_PROTOCOL": "SASL_SSL",
            "KHABAR_SASL_MECHANISM": mechanism, "KHABAR_SASL_USERNAME": user,
            "KHABAR_SASL_PASSWORD": secure.users[user], "KHABAR_SSL_CAFILE": str(secure.ca_file), **extra}


def khabar(*args: str, env: dict[str, str], timeout: float = 60) -> tuple[subprocess.CompletedProcess, float]:
    t0 = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "streams.cli", *args], env=env, capture_output=True, text=True,
                         timeout=timeout)
    return run, time.monotonic() - t0


def settings_of(env: dict[str, str]) -> Settings:
    """The Settings a khabar process with `env` gets (the test's own view of the same variables)."""
    import os
    from unittest import mock
    with mock.patch.dict(os.environ, {k: v for k, v in env.items() if k.startswith("KHABAR_")}):
        return Settings()


async def consume(settings: Settings, topics: list[str], n: int, timeout: float = 90) -> dict[str, list]:
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(*topics, bootstrap_servers=bootstrap_servers(settings.broker), group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False,
                                **client_security(settings))
    await consumer.start()
    got: dict[str, list] = {t: [] for t in topics}
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and sum(map(len, got.values())) < n:
            for tp, messages in (await consumer.getmany(timeout_ms=500)).items():
                got[tp.topic].extend(messages)
    finally:
        await consumer.stop()
    return got


def view(port: int, path: str) -> bytes:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
            return r.read()
    except urllib.error.HTTPError as e:  # an error page is a view too
        return e.read()


def listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as in /proc/net/tcp*) of the sockets listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hexport = local.rpartition(":")
            if state == "0A" and int(hexport, 16) == port:
                found.add(address)
    return found


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-512", "PLAIN"])
def test_worker_over_sasl_ssl(secure, tmp_path, mechanism):
    """Articles go in with `khabar produce` and come out enriched, over SASL_SSL; the password is in no
    log line (both runs log at debug, where aiokafka prints every request) and no view; the web server
    listens on 127.0.0.1 only."""
    password = secure.users["khabar"]
    extra = sasl_env(secure, mechanism, KHABAR_LOG_LEVEL="debug")
    if mechanism == "PLAIN":  # the secret-file variant (Docker/Kubernetes secrets)
        secret = tmp_path / "sasl-password"
        secret.write_text(password + "\n")
        extra.pop("KHABAR_SASL_PASSWORD")
        extra["KHABAR_SASL_PASSWORD_FILE"] = str(secret)
    env = worker_env(tmp_path, **extra)
    env.pop("KHABAR_WEB_HOST", None)  # the default
    prefix = env["KHABAR_TOPIC_PREFIX"]
    articles = [orjson.loads(line) for line in EXAMPLES.read_bytes().splitlines() if line.strip()]
    worker = Worker(env, tmp_path / "worker.log")
    try:
        worker.wait_ready()
        assert listening_addresses(worker.port) == {"0100007F"}  # 127.0.0.1, nothing on 0.0.0.0 or ::
        run, _ = khabar("produce", "--quiet", str(EXAMPLES), env=env)
        assert run.returncode == 0, run.stderr
        settings = settings_of(env)
        topics = [prefix + ENRICHED, prefix + DEADLETTER]
        got = asyncio.run(consume(settings, topics, len(articles)))
        enriched = [orjson.loads(m.value) for m in got[topics[0]]]
        assert sorted(r["id"] for r in enriched) == sorted(a["id"] for a in articles), worker.tail()
        assert not got[topics[1]]
        for record in enriched:
            assert_valid(ENRICHED, record)
        assert any(r["events"] for r in enriched)
        bodies = {path: view(worker.port, path) for path in VIEWS}
        assert orjson.loads(bodies["/stats"])["enriched"] == len(articles)
    finally:
        worker.stop()
    for path, body in bodies.items():
        assert password.encode() not in body, path
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert password not in log and password not in run.stderr
    assert "SaslAuthenticateRequest" in log  # the debug log really shows the authentication exchange


@pytest.mark.parametrize("command", ["worker", "produce"])
def test_wrong_password_fails_fast_and_says_why(secure, tmp_path, command):
    wrong = "not-" + secure.users["khabar"]
    env = worker_env(tmp_path, **sasl_env(secure, "SCRAM-SHA-512", KHABAR_SASL_PASSWORD=wrong))
    args = ["worker"] if command == "worker" else ["produce", "--quiet", str(EXAMPLES)]
    run, seconds = khabar(*args, env=env, timeout=60)
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "SaslAuthenticationFailed" in lines[0] and "KHABAR_SASL_PASSWORD" in lines[0]
    assert wrong not in run.stderr and secure.users["khabar"] not in run.stderr
    assert seconds < 30  # bounded: no retry loop


def test_other_users_password_is_refused(secure, tmp_path):
    env = worker_env(tmp_path, **sasl_env(secure, "PLAIN", KHABAR_SASL_PASSWORD=secure.users["mallory"]))
    run, _ = khabar("produce", "--quiet", str(EXAMPLES), env=env)
    assert run.returncode == 2 and "SaslAuthenticationFailed" in run.stderr, run.stderr


@pytest.mark.parametrize("check_hostname", ["1", "0"])
def test_broker_certificate_from_another_ca_is_refused(secure, tmp_path, check_hostname):
    env = worker_env(tmp_path, **sasl_env(secure, "SCRAM-SHA-512", KHABAR_SSL_CAFILE=str(secure.other_ca_file),
                                          KHABAR_SSL_CHECK_HOSTNAME=check_hostname))
    run, seconds = khabar("worker", env=env, timeout=60)
    assert run.returncode == 2, run.stderr
    assert "CERTIFICATE_VERIFY_FAILED" in run.stderr and "KHABAR_SSL_CAFILE" in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and seconds < 30


def test_mutual_tls(secure, tmp_path):
    """The SSL listener requires a client certificate: with KHABAR_SSL_CERTFILE/KEYFILE the articles go
    through; without, the command stops and points at KHABAR_SSL_CERTFILE."""
    base = {"KHABAR_BROKER": f"kafka://{secure.ssl}", "KHABAR_SECURITY_PROTOCOL": "SSL",
            "KHABAR_SSL_CAFILE": str(secure.ca_file)}
    env = worker_env(tmp_path, **base, KHABAR_SSL_CERTFILE=str(secure.client_cert),
                     KHABAR_SSL_KEYFILE=str(secure.client_key))
    run, _ = khabar("produce", "--quiet", str(EXAMPLES), env=env)
    assert run.returncode == 0, run.stderr
    topic = env["KHABAR_TOPIC_PREFIX"] + ARTICLES
    got = asyncio.run(consume(settings_of(env), [topic], 8, timeout=30))
    assert len(got[topic]) == len(EXAMPLES.read_bytes().strip().splitlines())
    run, seconds = khabar("produce", "--quiet", str(EXAMPLES), env=worker_env(tmp_path, **base))
    assert run.returncode == 2 and "KHABAR_SSL_CERTFILE" in run.stderr and seconds < 30, run.stderr
