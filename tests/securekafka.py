"""A second local broker for the security tests: scripts/kafka-local with a SASL_SSL listener (PLAIN,
SCRAM-SHA-256/512) and a mutual-TLS SSL listener, on its own ports and state dir, with a CA and
certificates made here (the `cryptography` package, a dev dependency)."""
from __future__ import annotations

import datetime
import ipaddress
import os
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kafkautil import free_port

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "kafka-local"
HOST = "127.0.0.1"


@dataclass
class CA:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _builder(subject: str, issuer: x509.Name, public_key) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=2)))


def make_ca(cn: str) -> CA:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (_builder(cn, _name(cn), key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return CA(key, cert)


def issue(ca: CA, cn: str, server: bool) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A leaf certificate signed by `ca`: a server one for 127.0.0.1/localhost, or a client one."""
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (_builder(cn, ca.cert.subject, key.public_key())
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH if server
                                                     else ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False))
    if server:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
    return key, builder.sign(ca.key, hashes.SHA256())


@dataclass
class SecureBroker:
    """Ports, files and users of the running secure broker."""

    state: Path
    env: dict[str, str]
    sasl_ssl_port: int
    ssl_port: int
    plaintext_port: int
    ca_file: Path          # the CA that signed the broker's certificate
    other_ca_file: Path    # a CA that did not
    client_cert: Path      # client certificate for the mutual-TLS listener (signed by the CA)
    client_key: Path
    users: dict[str, str]

    @property
    def sasl_ssl(self) -> str:
        return f"{HOST}:{self.sasl_ssl_port}"

    @property
    def ssl(self) -> str:
        return f"{HOST}:{self.ssl_port}"

    def stop(self) -> None:
        subprocess.run([str(SCRIPT), "stop"], env=self.env, capture_output=True, timeout=120)


def start_secure_broker(tmp: Path, users: tuple[str, ...] = ("khabar", "mallory")) -> SecureBroker:
    certs = tmp / "certs"
    certs.mkdir(parents=True)
    ca, other = make_ca("khabar test CA"), make_ca("some other CA")
    (certs / "ca.pem").write_bytes(ca.pem())
    (certs / "other-ca.pem").write_bytes(other.pem())
    store_password = secrets.token_hex(12)
    key, cert = issue(ca, "localhost", server=True)
    (certs / "broker.p12").write_bytes(pkcs12.serialize_key_and_certificates(
        b"broker", key, cert, [ca.cert], serialization.BestAvailableEncryption(store_password.encode())))
    key, cert = issue(ca, "khabar-client", server=False)
    (certs / "client.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (certs / "client.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    passwords = {name: secrets.token_hex(16) for name in users}
    ports = [free_port() for _ in range(4)]
    assert len(set(ports)) == 4
    env = {**os.environ,
           "KHABAR_KAFKA_STATE": str(tmp / "state"), "TMPDIR": str(tmp),
           "KAFKA_PORT": str(ports[0]), "KAFKA_CONTROLLER_PORT": str(ports[1]),
           "KAFKA_SASL_SSL_PORT": str(ports[2]), "KAFKA_SSL_PORT": str(ports[3]),
           "KAFKA_SSL_KEYSTORE": str(certs / "broker.p12"), "KAFKA_SSL_KEYSTORE_PASSWORD": store_password,
           "KAFKA_SSL_TRUSTSTORE": str(certs / "ca.pem"),
           "KAFKA_SASL_USERS": " ".join(f"{n}:{p}" for n, p in passwords.items()),
           "KAFKA_HEAP_OPTS": "-Xms192M -Xmx384M"}
    broker = SecureBroker(tmp / "state", env, ports[2], ports[3], ports[0], certs / "ca.pem", certs / "other-ca.pem",
                          certs / "client.pem", certs / "client.key", passwords)
    result = subprocess.run([str(SCRIPT), "start"], env=env, capture_output=True, text=True, timeout=180)
    if result.returncode != 0:
        broker.stop()
        raise AssertionError(f"secure broker did not start:\n{result.stderr[-4000:]}")
    return broker
