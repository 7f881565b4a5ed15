"""/metrics scraped by a real Prometheus server, and /stats totals that survive a worker restart.

Prometheus is Debian's `prometheus` package (installed by .ci/run); without the binary the test is
skipped, unless KHABAR_REQUIRE_PROMETHEUS=1 (CI), where that is a failure."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kafkautil import Worker, broker_or_skip, free_port, stop_process, worker_env
from streams.processing import Counts, process

pytestmark = pytest.mark.kafka
ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "articles.jsonl"
BAD = [b'{"id": "metrics-no-body", "title": "no body"}', b'{"id": "metrics-bad-json", "body": ']


def prometheus_binary() -> str:
    path = shutil.which("prometheus")
    if path is None:
        if os.environ.get("KHABAR_REQUIRE_PROMETHEUS") == "1":
            pytest.fail("prometheus binary not found (apt-get install prometheus)")
        pytest.skip("no prometheus binary (apt-get install prometheus)")
    return path


class Prometheus:
    """A real Prometheus server scraping one worker every second."""

    def __init__(self, binary: str, tmp_path: Path, target_port: int):
        self.port = free_port()
        config = tmp_path / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n"
            "scrape_configs:\n  - job_name: khabar\n    metrics_path: /metrics\n"
            f"    static_configs:\n      - targets: ['127.0.0.1:{target_port}']\n", encoding="utf-8")
        self.log = open(tmp_path / "prometheus.log", "wb")
        self.proc = subprocess.Popen([binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                                      f"--web.listen-address=127.0.0.1:{self.port}"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.wait(lambda: self._get("/-/ready"), "ready", timeout=60)

    def _get(self, path: str) -> bytes | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
                return r.read()
        except OSError:
            return None

    def query(self, promql: str) -> dict[str, float]:
        """Instant query: {label-set string: value}."""
        body = self._get("/api/v1/query?" + urllib.parse.urlencode({"query": promql}))
        if body is None:
            return {}
        data = json.loads(body)
        assert data["status"] == "success", data
        return {json.dumps(r["metric"], sort_keys=True): float(r["value"][1]) for r in data["data"]["result"]}

    def value(self, promql: str) -> float | None:
        result = self.query(promql)
        return next(iter(result.values())) if len(result) == 1 else None

    def wait(self, condition, what: str, timeout: float = 90.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"prometheus exited with {self.proc.returncode}")
            got = condition()
            if got:
                return got
            time.sleep(0.5)
        raise AssertionError(f"prometheus: {what} not seen within {timeout}s")

    def stop(self):
        stop_process(self.proc)
        self.log.close()


def produce(env: dict[str, str], data: bytes) -> None:
    run = subprocess.run([sys.executable, "-m", "streams.cli", "produce", "--quiet", "-"], input=data, env=env,
                         capture_output=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr.decode(errors="replace")


def stats_or_none(worker: Worker) -> dict | None:
    """/stats, or None while the worker is still recovering its tables (503)."""
    try:
        return json.loads(worker.get("/stats"))
    except urllib.error.HTTPError as e:
        assert e.code == 503, e
        return None


def process_count(worker: Worker) -> int:
    """khabar_articles_in_total of the running worker process, read from its /metrics directly."""
    line = next(ln for ln in worker.get("/metrics").decode().splitlines() if ln.startswith("khabar_articles_in_total"))
    return int(float(line.split()[1]))


def test_prometheus_sees_the_counts_move_and_stats_survive_a_restart(tmp_path):
    broker_or_skip()
    binary = prometheus_binary()
    lines = [ln for ln in EXAMPLES.read_bytes().splitlines() if ln.strip()] + BAD
    expected = Counts()
    for line in lines:
        process(line, counts=expected)
    assert expected.deadlettered == len(BAD) and sum(expected.events.values()) > 0

    env = worker_env(tmp_path, KHABAR_PARTITIONS="2")
    worker = Worker(env, tmp_path / "worker.log")
    prom = None
    try:
        worker.wait_ready()
        prom = Prometheus(binary, tmp_path, worker.port)
        # scraped, at zero, before any input
        assert prom.wait(lambda: prom.value('up{job="khabar"}') == 1, "target up")
        assert prom.wait(lambda: prom.value("khabar_articles_in_total") == 0, "khabar_articles_in_total 0")

        produce(env, b"\n".join(lines) + b"\n")
        prom.wait(lambda: prom.value("khabar_articles_in_total") == len(lines), f"{len(lines)} articles in")
        prom.wait(lambda: prom.value("khabar_extraction_seconds_count") == len(lines), "extraction histogram")
        assert prom.value("khabar_articles_enriched_total") == expected.enriched
        assert prom.query("khabar_articles_deadlettered_total") == {
            json.dumps({"__name__": "khabar_articles_deadlettered_total", "instance": f"127.0.0.1:{worker.port}",
                        "job": "khabar", "reason": r}, sort_keys=True): float(n) for r, n in expected.reasons.items()}
        for event_type, n in expected.events.items():
            assert prom.value(f'khabar_events_total{{type="{event_type}"}}') == n, event_type
        assert prom.value("sum(khabar_articles_in_total) - sum(khabar_articles_enriched_total)"
                          " - sum(khabar_articles_deadlettered_total)") == 0
        assert prom.value('khabar_table_keys{table="khabar-stats"}') > 0
        # every input partition is there, and the worker catches up (lag back to 0 once offsets are committed)
        lag = prom.wait(lambda: (q := prom.query('khabar_consumer_lag{topic=~".*articles"}'))
                        and len(q) == 2 and all(v == 0 for v in q.values()) and q, "articles lag 0")
        assert sorted(json.loads(k)["partition"] for k in lag) == ["0", "1"]
        before = json.loads(worker.get("/stats"))
        assert before == expected.as_dict()

        # restart: process counters start again from 0 (Prometheus sees a reset), /stats comes back from the changelog
        worker.stop()
        worker = Worker(env, tmp_path / "worker2.log")
        worker.wait_ready()
        after = prom.wait(lambda: (s := stats_or_none(worker)) and s["in"] == len(lines) and s,
                          "/stats restored", timeout=60)
        assert after == before
        prom.wait(lambda: prom.value("khabar_articles_in_total") == 0, "counter reset after restart")
        produce(env, lines[0] + b"\n")
        prom.wait(lambda: (prom.value("khabar_articles_in_total") or 0) >= 1, "counts move after restart")
        # increase() over the whole run sees both lives of the counter
        assert prom.value("increase(khabar_articles_in_total[10m])") >= len(lines) + 1
        # the totals go on from the restored ones: first life + what this process counted (at least once: a
        # rebalance right after the restart may hand this worker a message again, and it counts again)
        final = prom.wait(lambda: (s := stats_or_none(worker)) and s["in"] == len(lines) + process_count(worker)
                          and s, "/stats = restored + new")
        assert final["in"] == final["enriched"] + final["deadlettered"]
    except BaseException:
        print(worker.tail())
        raise
    finally:
        worker.stop()
        if prom is not None:
            prom.stop()


def metric_values(worker: Worker, name: str) -> dict[str, float]:
    """{label text: value} of one metric family, from the worker's /metrics."""
    out = {}
    for line in worker.get("/metrics").decode().splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            key, _, value = line.rpartition(" ")
            out[key[len(name):]] = float(value)
    return out


def test_consumer_lag_counts_down_a_backlog(tmp_path):
    """A backlog produced before the worker starts shows as lag, which falls to 0 as it is worked off.
    The articles are long (about 3 s of extraction each here), so offsets are committed part-way through
    and the scrape sees lag > 0 between commits."""
    broker_or_skip()
    examples = [json.loads(ln) for ln in EXAMPLES.read_text(encoding="utf-8").splitlines() if ln.strip()]
    body = "\n".join(a["body"] for a in examples)
    long_body = "\n".join([body] * (150_000 // len(body)))
    backlog = [json.dumps({"id": f"lag-{i}", "title": examples[i]["title"], "body": f"{i}\n{long_body}"},
                          ensure_ascii=False).encode() for i in range(6)]
    env = worker_env(tmp_path)
    produce(env, b"\n".join(backlog) + b"\n")  # creates the input topic; the worker is not running yet
    worker = Worker(env, tmp_path / "worker.log")
    topic = env["KHABAR_TOPIC_PREFIX"] + "articles"
    key = f'{{partition="0",topic="{topic}"}}'
    seen: list[float] = []
    try:
        worker.wait_ready()
        deadline = time.time() + 240
        while time.time() < deadline:
            lag = metric_values(worker, "khabar_consumer_lag").get(key)
            if lag is not None and (not seen or seen[-1] != lag):
                seen.append(lag)
            if lag == 0 and metric_values(worker, "khabar_articles_in_total").get("") == len(backlog):
                break
            time.sleep(0.3)
    except BaseException:
        print(worker.tail())
        raise
    finally:
        worker.stop()
    print("lag seen:", seen)
    assert seen and seen[-1] == 0, seen
    assert max(seen) > 0, f"lag never above 0: {seen}"
    assert seen == sorted(seen, reverse=True), f"lag went up while nothing was produced: {seen}"
    assert max(seen) <= len(backlog)
