"""Build a throwaway PKI that imitates Alexa's request signing, and the requests it signs.

The root and intermediate play Amazon's trust chain; each named chain is what the
SignatureCertChainUrl would serve, good or broken in exactly one way. Everything is made
with ``cryptography`` at test time around a reference instant, so tests can pin the clock.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SIGNING_SAN = "echo-api.amazon.com"
CERT_URL_PREFIX = "https://s3.amazonaws.com/echo.api/"
SKILL_ID = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
OTHER_SKILL_ID = "amzn1.ask.skill.99999999-8888-7777-6666-555555555555"

# Values Alexa sends that identify a person or grant access; tests assert they never
# reach a log line or an error message.
USER_ID = "amzn1.ask.account.PATIENT-USER-ID-SHOULD-NEVER-BE-LOGGED"
DEVICE_ID = "amzn1.ask.device.KITCHEN-DEVICE-ID-SHOULD-NEVER-BE-LOGGED"
API_ACCESS_TOKEN = "eyJ0eXAiOiJKV1Qi.API-ACCESS-TOKEN-SHOULD-NEVER-BE-LOGGED"
CONSENT_TOKEN = "CONSENT-TOKEN-SHOULD-NEVER-BE-LOGGED"
SECRETS = (USER_ID, DEVICE_ID, API_ACCESS_TOKEN, CONSENT_TOKEN)

CHAIN_NAMES = (
    "valid",
    "wrong_san",
    "no_san",
    "expired",
    "not_yet_valid",
    "self_signed",
    "missing_intermediate",
    "untrusted_root",
    "short_lived_intermediate",
)


@dataclass
class SigningPki:
    """Trusted roots, the named certificate chains, and the key that signs requests."""

    now: datetime
    roots: list[x509.Certificate]
    untrusted_root: x509.Certificate
    leaves: dict[str, x509.Certificate]
    chains: dict[str, bytes]
    signing_key: rsa.RSAPrivateKey = field(repr=False)

    def roots_pem(self) -> bytes:
        """Return the trusted roots as one PEM bundle."""
        return b"".join(_pem(root) for root in self.roots)

    def write_roots(self, directory: Path) -> Path:
        """Write the trusted roots to a PEM file and return its path."""
        path = directory / "alexa-test-roots.pem"
        path.write_bytes(self.roots_pem())
        return path

    def cert_url(self, chain: str = "valid") -> str:
        """Return the SignatureCertChainUrl that serves the named chain."""
        return f"{CERT_URL_PREFIX}{chain}.pem"

    def sign(self, body: bytes, algorithm: hashes.HashAlgorithm | None = None) -> str:
        """Return the base64 PKCS#1 v1.5 signature of ``body`` (SHA-256 unless told)."""
        signature = self.signing_key.sign(body, padding.PKCS1v15(), algorithm or hashes.SHA256())
        return base64.b64encode(signature).decode("ascii")

    def signed_headers(self, body: bytes, chain: str = "valid") -> dict[str, str]:
        """Return the headers Alexa would send with ``body``."""
        return {
            "SignatureCertChainUrl": self.cert_url(chain),
            "Signature-256": self.sign(body),
            "Content-Type": "application/json",
        }


@cache
def build_pki() -> SigningPki:
    """Build the PKI once per test run around the current second."""
    now = datetime.now(UTC).replace(microsecond=0)
    root_key, intermediate_key, untrusted_key, leaf_key = (_new_key() for _ in range(4))
    long_ago, far_ahead = now - timedelta(days=365), now + timedelta(days=3650)

    root = _ca(
        "Test Alexa Root CA", root_key, root_key, None, long_ago, far_ahead, path_length=None
    )
    intermediate = _ca(
        "Test Alexa Intermediate CA", intermediate_key, root_key, root, long_ago, far_ahead, 0
    )
    # Same key and issuer as the intermediate, but expiring in two hours, long before the
    # leaf it signs: a cached chain check must stop being trusted when it expires.
    short_lived_intermediate = _ca(
        "Test Alexa Short-Lived Intermediate CA", intermediate_key, root_key, root, long_ago,
        now + timedelta(hours=2), 0,
    )
    untrusted_root = _ca(
        "Untrusted Root CA", untrusted_key, untrusted_key, None, long_ago, far_ahead, None
    )

    def leaf(
        *,
        sans: tuple[str, ...] | list[str] | None = (SIGNING_SAN,),
        not_before: datetime = now - timedelta(hours=1),
        not_after: datetime = now + timedelta(days=1),
        issuer_cert: x509.Certificate | None = intermediate,
        issuer_key: rsa.RSAPrivateKey = intermediate_key,
    ) -> x509.Certificate:
        return _leaf(leaf_key, issuer_cert, issuer_key, sans, not_before, not_after)

    leaves = {
        "valid": leaf(),
        "wrong_san": leaf(sans=["echo-api.example.com"]),
        "no_san": leaf(sans=None),
        "expired": leaf(not_before=now - timedelta(days=30), not_after=now - timedelta(days=1)),
        "not_yet_valid": leaf(
            not_before=now + timedelta(days=1), not_after=now + timedelta(days=30)
        ),
        "self_signed": leaf(issuer_cert=None, issuer_key=leaf_key),
        "untrusted_root": leaf(issuer_cert=untrusted_root, issuer_key=untrusted_key),
        "short_lived_intermediate": leaf(issuer_cert=short_lived_intermediate),
    }
    leaves["missing_intermediate"] = leaves["valid"]
    chains = {name: _pem(cert) + _pem(intermediate) for name, cert in leaves.items()}
    chains["self_signed"] = _pem(leaves["self_signed"])
    chains["missing_intermediate"] = _pem(leaves["valid"])
    chains["untrusted_root"] = _pem(leaves["untrusted_root"]) + _pem(untrusted_root)
    chains["short_lived_intermediate"] = _pem(leaves["short_lived_intermediate"]) + _pem(
        short_lived_intermediate
    )
    return SigningPki(
        now=now,
        roots=[root],
        untrusted_root=untrusted_root,
        leaves=leaves,
        chains=chains,
        signing_key=leaf_key,
    )


def alexa_request(
    request_type: str = "LaunchRequest",
    *,
    timestamp: datetime,
    application_id: str | None = SKILL_ID,
    intent: str | None = None,
    slots: dict[str, str] | None = None,
    reason: str | None = None,
    new_session: bool = True,
) -> dict[str, Any]:
    """Return an Alexa request envelope shaped like the ones Alexa sends."""
    request: dict[str, Any] = {
        "type": request_type,
        "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
        "timestamp": timestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "locale": "en-US",
    }
    if intent is not None:
        request["intent"] = {
            "name": intent,
            "confirmationStatus": "NONE",
            "slots": {
                name: {"name": name, "value": value, "confirmationStatus": "NONE"}
                for name, value in (slots or {}).items()
            },
        }
    if reason is not None:
        request["reason"] = reason
        if reason == "ERROR":
            request["error"] = {"type": "INVALID_RESPONSE", "message": "An error occurred."}
    application = {"applicationId": application_id} if application_id else {}
    user = {"userId": USER_ID, "permissions": {"consentToken": CONSENT_TOKEN}}
    return {
        "version": "1.0",
        "session": {
            "new": new_session,
            "sessionId": f"amzn1.echo-api.session.{uuid.uuid4()}",
            "application": application,
            "attributes": {},
            "user": user,
        },
        "context": {
            "System": {
                "application": application,
                "user": user,
                "device": {"deviceId": DEVICE_ID, "supportedInterfaces": {}},
                "apiEndpoint": "https://api.amazonalexa.com",
                "apiAccessToken": API_ACCESS_TOKEN,
            }
        },
        "request": request,
    }


def body_of(envelope: dict[str, Any]) -> bytes:
    """Serialize an envelope the way Alexa does: compact UTF-8 JSON."""
    return json.dumps(envelope, separators=(",", ":")).encode("utf-8")


def _new_key() -> rsa.RSAPrivateKey:
    """Generate a 2048-bit RSA key, the smallest the web PKI policy accepts."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str) -> x509.Name:
    """Return a distinguished name with ``common_name``."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Kyphoplasty Voice Test PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer_key: rsa.RSAPrivateKey,
    not_before: datetime,
    not_after: datetime,
) -> x509.CertificateBuilder:
    """Start a certificate with the key identifiers the path builder needs."""
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False
        )
    )


def _ca(
    common_name: str,
    key: rsa.RSAPrivateKey,
    issuer_key: rsa.RSAPrivateKey,
    issuer: x509.Certificate | None,
    not_before: datetime,
    not_after: datetime,
    path_length: int | None,
) -> x509.Certificate:
    """Issue a CA certificate; self-signed when ``issuer`` is None."""
    subject = _name(common_name)
    issuer_name = issuer.subject if issuer is not None else subject
    return (
        _builder(subject, issuer_name, key, issuer_key, not_before, not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            True,
        )
        .sign(issuer_key, hashes.SHA256())
    )


def _leaf(
    key: rsa.RSAPrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: rsa.RSAPrivateKey,
    sans: list[str] | tuple[str, ...] | None,
    not_before: datetime,
    not_after: datetime,
) -> x509.Certificate:
    """Issue a signing certificate like Amazon's; self-signed when ``issuer`` is None."""
    subject = _name(SIGNING_SAN)
    issuer_name = issuer.subject if issuer is not None else subject
    builder = (
        _builder(subject, issuer_name, key, issuer_key, not_before, not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
    )
    if sans is not None:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name) for name in sans]), False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(certificate: x509.Certificate) -> bytes:
    """Return ``certificate`` as PEM."""
    return certificate.public_bytes(serialization.Encoding.PEM)
