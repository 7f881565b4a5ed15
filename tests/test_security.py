"""Broker security settings without a broker: validation, the one mapping to Faust and aiokafka, masking,
and the loopback default of the web views (tests/test_security_kafka.py runs them against a real broker)."""
from __future__ import annotations

import logging
import os
import ssl
import subprocess
import sys

import pytest

from conftest import ROOT
from securekafka import issue, make_ca
from streams.config import MASK, Settings, SettingsError
from streams.stream.app import build
from streams.stream.security import RedactSaslBytes, broker_credentials, client_security

SECRET = "s3cret-Pa55"


def sasl(**kw) -> Settings:
    return Settings(**{"security_protocol": "SASL_SSL", "sasl_username": "khabar", "sasl_password": SECRET, **kw})


def test_plaintext_is_the_default_and_needs_nothing():
    assert client_security(Settings(security_protocol="PLAINTEXT")) == {"security_protocol": "PLAINTEXT"}
    assert broker_credentials(Settings(security_protocol="PLAINTEXT")) is None


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"])
def test_sasl_ssl_maps_to_aiokafka_and_faust_alike(mechanism, tmp_path):
    settings = sasl(sasl_mechanism=mechanism)
    kwargs = client_security(settings)
    assert kwargs["security_protocol"] == "SASL_SSL" and kwargs["sasl_mechanism"] == mechanism
    assert kwargs["sasl_plain_username"] == "khabar" and kwargs["sasl_plain_password"] == SECRET
    context = kwargs["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    conf = build(Settings(**{**vars(settings), "data_dir": str(tmp_path), "broker": "kafka://127.0.0.1:1"})).app.conf
    assert conf.broker_credentials.protocol.value == "SASL_SSL"
    assert conf.broker_credentials.mechanism.value == mechanism
    assert conf.broker_credentials.password == SECRET


def test_sasl_plaintext_has_no_tls():
    kwargs = client_security(sasl(security_protocol="SASL_PLAINTEXT"))
    assert kwargs["security_protocol"] == "SASL_PLAINTEXT" and kwargs["ssl_context"] is None


def test_ssl_with_ca_client_certificate_and_no_hostname_check(tmp_path):
    ca = make_ca("unit CA")
    key, cert = issue(ca, "client", server=False)
    from cryptography.hazmat.primitives import serialization
    (tmp_path / "ca.pem").write_bytes(ca.pem())
    (tmp_path / "client.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "client.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"keypw")))
    settings = Settings(security_protocol="SSL", ssl_cafile=str(tmp_path / "ca.pem"),
                        ssl_certfile=str(tmp_path / "client.pem"), ssl_keyfile=str(tmp_path / "client.key"),
                        ssl_key_password="keypw", ssl_check_hostname=False)
    kwargs = client_security(settings)
    assert kwargs["security_protocol"] == "SSL"
    context = kwargs["ssl_context"]
    assert not context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED
    assert [c["subject"] for c in context.get_ca_certs()] == [((("commonName", "unit CA"),),)]
    with pytest.raises(SettingsError, match="KHABAR_SSL_CERTFILE"):  # wrong key password
        client_security(Settings(**{**vars(settings), "ssl_key_password": "wrong"}))
    with pytest.raises(SettingsError, match="KHABAR_SSL_CAFILE"):
        client_security(Settings(security_protocol="SSL", ssl_cafile=str(tmp_path / "missing.pem")))


def test_password_file_is_read_and_its_newline_dropped(tmp_path):
    (tmp_path / "pw").write_text(SECRET + "\n")
    settings = sasl(sasl_password="", sasl_password_file=str(tmp_path / "pw"))
    assert client_security(settings)["sasl_plain_password"] == SECRET
    with pytest.raises(SettingsError, match="KHABAR_SASL_PASSWORD_FILE"):
        client_security(sasl(sasl_password="", sasl_password_file=str(tmp_path / "absent")))


@pytest.mark.parametrize("kw, message", [
    ({"security_protocol": "TLS"}, "KHABAR_SECURITY_PROTOCOL must be one of"),
    ({"sasl_mechanism": "GSSAPI"}, "KHABAR_SASL_MECHANISM must be one of"),
    ({"sasl_password": ""}, "needs KHABAR_SASL_USERNAME and KHABAR_SASL_PASSWORD"),
    ({"security_protocol": "SSL"}, "KHABAR_SASL_USERNAME, KHABAR_SASL_PASSWORD set, but"),
    ({"security_protocol": "SASL_PLAINTEXT", "ssl_cafile": "ca.pem"}, "KHABAR_SSL_CAFILE set, but"),
    ({"ssl_keyfile": "k.pem"}, "KHABAR_SSL_KEYFILE needs KHABAR_SSL_CERTFILE"),
])
def test_settings_that_cannot_work_are_refused(kw, message):
    with pytest.raises(SettingsError, match=message):
        sasl(**kw)


def test_secrets_are_masked_in_repr():
    text = repr(sasl(ssl_key_password="key-" + SECRET))
    assert SECRET not in text and text.count(MASK) == 2 and "sasl_username='khabar'" in text
    assert "sasl_password=''" in repr(Settings(security_protocol="PLAINTEXT", sasl_password=""))


def test_bad_setting_is_one_line_exit_2():
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHABAR_")}
    env.update(KHABAR_SECURITY_PROTOCOL="SASL_SSL", KHABAR_SASL_USERNAME="khabar", KHABAR_SASL_PASSWORD=SECRET,
               KHABAR_SSL_CAFILE="/nonexistent/ca.pem", PYTHONPATH=str(ROOT))
    run = subprocess.run([sys.executable, "-m", "streams.cli", "produce", "-"], input="", capture_output=True,
                         text=True, env=env, timeout=60)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "khabar produce: KHABAR_SSL_CAFILE /nonexistent/ca.pem: No such file or directory"]


def test_sasl_bytes_are_redacted_from_aiokafka_debug_log():
    class SaslAuthenticateRequest_v1:
        def __repr__(self):
            return f"SaslAuthenticateRequest_v1(sasl_auth_bytes=b'khabar\\x00khabar\\x00{SECRET}')"

    record = logging.LogRecord("aiokafka.conn", logging.DEBUG, __file__, 1, "Request to %s:%d %d: %s",
                               ("127.0.0.1", 9094, 3, SaslAuthenticateRequest_v1()), None)
    assert RedactSaslBytes().filter(record)
    assert SECRET not in record.getMessage() and "SaslAuthenticateRequest_v1(<redacted>)" in record.getMessage()
    assert any(isinstance(f, RedactSaslBytes) for f in logging.getLogger("aiokafka.conn").filters)


def test_web_views_bind_to_loopback_by_default(tmp_path):
    """Without KHABAR_WEB_HOST the worker's web server binds 127.0.0.1 (the kafka test checks the socket)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHABAR_")}
    code = "from streams.config import Settings; print(Settings().web_host)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    assert out.stdout.strip() == "127.0.0.1"
    conf = build(Settings(broker="kafka://127.0.0.1:1", data_dir=str(tmp_path), web_host="127.0.0.1")).app.conf
    assert conf.web_bind == "127.0.0.1"
    conf = build(Settings(broker="kafka://127.0.0.1:1", data_dir=str(tmp_path), web_host="0.0.0.0")).app.conf
    assert conf.web_bind == "0.0.0.0"  # KHABAR_WEB_HOST changes it
