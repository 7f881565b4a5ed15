"""Only KHABAR_* settings configure khabar: Faust's own environment variables are ignored.

Invariant: with BROKER_URL, WEB_PORT, PROCESSING_GUARANTEE, ... (and FAUST_*/F_*) set to other
values, the app and the worker use the KHABAR_* (or default) values."""
from __future__ import annotations

import json

import pytest

from kafkautil import BROKER, Worker, broker_or_skip, free_port, worker_env
from streams.config import Settings
from streams.stream.app import build, faust_env_names

FAUST_ENV = {
    "BROKER_URL": "kafka://faust-env.invalid:1", "WEB_PORT": "1", "WEB_HOST": "faust-env.invalid",
    "WEB_BIND": "0.0.0.0", "PROCESSING_GUARANTEE": "exactly_once", "TOPIC_PARTITIONS": "99",
    "APP_DATADIR": "/nonexistent/faust-env", "CONSUMER_AUTO_OFFSET_RESET": "latest",
    "BROKER_COMMIT_INTERVAL": "999", "APP_ENV_PREFIX": "", "PRODUCER_ACKS": "0",
}


def test_faust_settings_env_is_ignored(monkeypatch, tmp_path):
    for name, value in FAUST_ENV.items():
        monkeypatch.setenv(name, value)
    settings = Settings(broker="kafka://127.0.0.1:1", app_id="khabar-env-test", data_dir=str(tmp_path / "d"),
                        web_port=7123, partitions=3)
    conf = build(settings).app.conf
    assert [str(u) for u in conf.broker] == ["kafka://127.0.0.1:1"]
    assert conf.web_port == 7123 and conf.web_host == "127.0.0.1" and conf.web_bind == "127.0.0.1"
    assert conf.processing_guarantee.value == "at_least_once"
    assert conf.topic_partitions == 3
    assert str(conf.datadir).startswith(str(tmp_path / "d"))
    assert conf.consumer_auto_offset_reset == "earliest"
    assert conf.producer_acks == -1
    assert set(FAUST_ENV) <= set(faust_env_names())


def test_processing_guarantee_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("KHABAR_PROCESSING_GUARANTEE", "exactly_once")
    monkeypatch.setenv("PROCESSING_GUARANTEE", "at_least_once")
    settings = Settings(broker="kafka://127.0.0.1:1", app_id="khabar-eos-test", data_dir=str(tmp_path))
    assert settings.processing_guarantee == "exactly_once"
    assert build(settings).app.conf.processing_guarantee.value == "exactly_once"
    monkeypatch.setenv("KHABAR_PROCESSING_GUARANTEE", "at_most_once")
    with pytest.raises(ValueError, match="KHABAR_PROCESSING_GUARANTEE"):
        Settings()


@pytest.mark.kafka
def test_worker_ignores_faust_env(tmp_path):
    """A real worker with Faust's variables pointing elsewhere still uses the KHABAR_* broker and port."""
    broker_or_skip()
    env = worker_env(tmp_path, **FAUST_ENV, FAUST_WEB_PORT=str(free_port()), F_DATADIR="/nonexistent/f",
                     FAUST_DEBUG="1", KHABAR_LOG_LEVEL="info")
    worker = Worker(env, tmp_path / "worker.log")
    try:
        worker.wait_ready()
        health = json.loads(worker.get("/"))
        assert health["status"] == "ok" and health["app"] == env["KHABAR_APP_ID"]
    finally:
        worker.stop()
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert "ignoring Faust's own environment variables" in log and "BROKER_URL" in log
    assert "faust-env.invalid" not in log.replace("ignoring", "")  # never tried the Faust-env broker
    assert BROKER in log or env["KHABAR_BROKER"] in log


def test_store_setting(monkeypatch, tmp_path):
    """KHABAR_STORE picks the table store (Faust's URL spelling accepted); exactly_once keeps tables in memory."""
    from streams.stream.store import Store

    def store_of(**settings):
        k = build(Settings(broker="kafka://127.0.0.1:1", app_id="khabar-store-test", data_dir=str(tmp_path), **settings))
        return type(k.cooccurrence.pair_table.data), k.app.conf.tabledir

    monkeypatch.setenv("STORE", "memory://")  # Faust's own variable: ignored
    assert store_of() == (Store, tmp_path / "v1" / "tables-khabar-store-test")
    assert store_of(topic_prefix="x-")[1].name == "tables-khabar-store-test@x-"  # one directory per deployment
    monkeypatch.setenv("KHABAR_STORE", "memory://")
    assert Settings().store == "memory" and store_of(store=Settings().store)[0] is not Store
    assert store_of(processing_guarantee="exactly_once")[0] is not Store
    monkeypatch.setenv("KHABAR_STORE", "redis")
    with pytest.raises(ValueError, match="KHABAR_STORE: expected one of rocksdb, memory"):
        Settings()
