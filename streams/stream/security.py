"""Broker security from the KHABAR_SECURITY_PROTOCOL / KHABAR_SASL_* / KHABAR_SSL_* settings.

`broker_credentials` is what the Faust app gets (`broker_credentials=`); `client_security` derives the
aiokafka keyword arguments from those same credentials with Faust's own mapping, so the worker's
consumer and producer and every client khabar opens itself (topic creation, `khabar produce`, the
consumer-lag admin client, benchmarks) connect the same way."""
from __future__ import annotations

import logging
import ssl
from typing import Any

import faust
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
from faust.types.auth import CredentialsT

from streams.config import Settings, SettingsError


def ssl_context(settings: Settings) -> ssl.SSLContext:
    """Verifies the broker against KHABAR_SSL_CAFILE (else the system CAs), and its host name unless
    KHABAR_SSL_CHECK_HOSTNAME=0; presents KHABAR_SSL_CERTFILE when set (mutual TLS)."""
    try:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=settings.ssl_cafile or None)
    except (OSError, ssl.SSLError) as e:
        raise SettingsError(f"KHABAR_SSL_CAFILE {settings.ssl_cafile}: {_reason(e)}") from None
    context.check_hostname = settings.ssl_check_hostname
    if settings.ssl_certfile:
        try:
            context.load_cert_chain(settings.ssl_certfile, settings.ssl_keyfile or None,
                                    password=settings.ssl_key_password or None)
        except (OSError, ssl.SSLError) as e:
            raise SettingsError(f"KHABAR_SSL_CERTFILE {settings.ssl_certfile} / KHABAR_SSL_KEYFILE "
                                f"{settings.ssl_keyfile or '(in the certificate file)'}: {_reason(e)}") from None
    return context


def _reason(e: Exception) -> str:
    return getattr(e, "strerror", None) or getattr(e, "reason", None) or str(e)


def broker_credentials(settings: Settings) -> CredentialsT | None:
    protocol = settings.security_protocol
    if protocol == "PLAINTEXT":
        return None
    if protocol == "SSL":
        return faust.SSLCredentials(ssl_context(settings))
    # SASL_PLAINTEXT without a context, SASL_SSL with one (faust.SASLCredentials picks the protocol by it)
    return faust.SASLCredentials(username=settings.sasl_username, password=settings.sasl_secret(),
                                 mechanism=settings.sasl_mechanism,
                                 ssl_context=ssl_context(settings) if protocol == "SASL_SSL" else None)


def client_security(settings: Settings) -> dict[str, Any]:
    """aiokafka client keyword arguments (security_protocol, ssl_context, sasl_*) for these settings."""
    return dict(credentials_to_aiokafka_auth(broker_credentials(settings)))


class RedactSaslBytes(logging.Filter):
    """aiokafka logs every request and response at debug, the SASL ones with their bytes: PLAIN's carry the
    password in the clear (SCRAM's its proof and salt). Those arguments are replaced by their type name."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and any(type(a).__name__.startswith("SaslAuthenticate") for a in args):
            record.args = tuple(f"{type(a).__name__}(<redacted>)" if type(a).__name__.startswith("SaslAuthenticate")
                                else a for a in args)
        return True


_CONN_LOG = logging.getLogger("aiokafka.conn")  # where aiokafka's connections log their traffic
if not any(isinstance(f, RedactSaslBytes) for f in _CONN_LOG.filters):
    _CONN_LOG.addFilter(RedactSaslBytes())
