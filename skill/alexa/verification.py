"""Verify that a request to the skill's web service really comes from Alexa.

Implements Amazon's rules for skills hosted as a web service
(host-a-custom-skill-as-a-web-service): check the SignatureCertChainUrl before downloading
anything, download the signing chain from Amazon's certificate host, verify it to a trusted
root with ``cryptography`` (dates and the echo-api.amazon.com SAN included), verify the
``Signature-256`` header over the raw body bytes, then check the request's timestamp and
applicationId. Everything works on the raw headers and body, before anything else
deserializes the body. Every failure is a ``VerificationError`` whose reason is a fixed
sentence that is safe to log: it never quotes the body, the headers or any identifier.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import posixpath
import re
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import accumulate
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import certifi
import requests
from ask_sdk_model.request import Request
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.verification import DNSName, PolicyBuilder, Store
from cryptography.x509.verification import VerificationError as ChainError

from skill.alexa.compat import import_webservice_verifier

logger = logging.getLogger(__name__)

CERT_CHAIN_URL_HEADER = "SignatureCertChainUrl"
SIGNATURE_HEADER = "Signature-256"
CERT_HOST = "s3.amazonaws.com"
CERT_PATH_PREFIX = "/echo.api/"
SIGNING_CERT_SAN = "echo-api.amazon.com"
TIMESTAMP_TOLERANCE = timedelta(seconds=150)
# Amazon may deliver skill lifecycle events up to an hour late (skill-events-in-alexa-skills,
# "Delivery of events to the skill"); ask-sdk's TimestampVerifier allows the same list.
SKILL_EVENT_TOLERANCE = timedelta(hours=1)
SKILL_EVENT_TYPES = frozenset({
    "AlexaSkillEvent.SkillEnabled",
    "AlexaSkillEvent.SkillDisabled",
    "AlexaSkillEvent.SkillPermissionChanged",
    "AlexaSkillEvent.SkillPermissionAccepted",
    "AlexaSkillEvent.SkillAccountLinked",
})
TRUST_ROOTS_SETTING = "ALEXA_TRUST_ROOTS"

# Amazon's chains are a few KiB; the cap stops a slow or huge answer from tying up a worker.
MAX_CERT_CHAIN_BYTES = 64 * 1024
MAX_CERTS_IN_CHAIN = 8
# Alexa waits about 8 s for the whole answer, so the download must give up well before that.
CERT_DOWNLOAD_TIMEOUT = (3.05, 3.0)
CERT_DOWNLOAD_DEADLINE_SECONDS = 5.0
CERT_CACHE_SIZE = 16

_PEM_CERTIFICATE = re.compile(
    rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL
)
_KNOWN_REQUEST_TYPES = frozenset(Request.discriminator_value_class_map)

# Alexa's envelopes nest about 8 levels. Python's json recurses once per level and ask-sdk's
# attribute copy several times, so about 1,000 levels (490 in session.attributes) would raise
# RecursionError; refuse anything deeper than this before parsing.
MAX_JSON_DEPTH = 64
# A JSON string, up to its closing quote or to the end of a body that never closes it (so
# an unclosed string is consumed once, not rescanned from every later quote).
_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+(?:"|\Z)', re.DOTALL)
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))
_DEPTH_STEP = [0] * 256
for _bracket, _step in zip(b"[{]}", (1, 1, -1, -1), strict=True):
    _DEPTH_STEP[_bracket] = _step


class VerificationError(Exception):
    """A request failed verification; ``reason`` is a short sentence safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def utc_now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class CertChain:
    """A signing certificate and the intermediates that came with it."""

    leaf: x509.Certificate
    intermediates: tuple[x509.Certificate, ...]


def header_value(headers: Mapping[str, str], name: str) -> str:
    """Return the one non-empty value of header ``name``, matched case-insensitively."""
    if hasattr(headers, "getlist"):  # werkzeug's headers: already case-insensitive
        values = {value.strip() for value in headers.getlist(name)}
    else:
        wanted = name.lower()
        values = {value.strip() for key, value in headers.items() if key.lower() == wanted}
    if len(values) > 1:
        raise VerificationError(f"The request carries conflicting {name} headers.")
    value = values.pop() if values else ""
    if not value:
        raise VerificationError(f"The request has no {name} header.")
    return value


@lru_cache(maxsize=CERT_CACHE_SIZE)
def cert_chain_url(raw_url: str) -> str:
    """Check a SignatureCertChainUrl by Amazon's rules and return the URL to download."""
    # Cached: Alexa sends the same few URLs again and again, and a refusal is not cached.
    try:
        parts = urlsplit(raw_url)
    except ValueError:
        raise VerificationError("The certificate URL cannot be parsed.") from None
    if parts.scheme.lower() != "https":
        raise VerificationError("The certificate URL does not use https.")
    if "@" in parts.netloc:
        raise VerificationError("The certificate URL carries user information.")
    host, has_port, port = parts.netloc.partition(":")
    if host.lower() != CERT_HOST:
        raise VerificationError(f"The certificate URL's host is not {CERT_HOST}.")
    if has_port and port != "443":
        raise VerificationError("The certificate URL's port is not 443.")
    if parts.query or parts.fragment:
        # Amazon's URLs never carry either; refusing them keeps the checked URL and the
        # downloaded URL (also the cache key) the same thing.
        raise VerificationError("The certificate URL carries a query or fragment.")
    # Decode first so percent-encoded dots and slashes are normalized like literal ones.
    path = posixpath.normpath(unquote(parts.path)) if parts.path else ""
    if not path.startswith(CERT_PATH_PREFIX):
        raise VerificationError(
            f"The certificate URL's path does not start with {CERT_PATH_PREFIX}."
        )
    return f"https://{CERT_HOST}{quote(path)}"


def signature_bytes(raw_signature: str) -> bytes:
    """Decode the Signature-256 header, refusing anything that is not strict base64."""
    try:
        signature = base64.b64decode(raw_signature, validate=True)
    except (binascii.Error, ValueError):
        raise VerificationError("The Signature-256 header is not base64.") from None
    if not signature:
        raise VerificationError("The Signature-256 header is empty.")
    return signature


def parse_cert_chain(pem: bytes) -> CertChain:
    """Split a downloaded PEM chain into the signing certificate and its intermediates."""
    blocks = _PEM_CERTIFICATE.findall(pem)
    if not blocks:
        raise VerificationError("The certificate URL did not return a PEM certificate chain.")
    if len(blocks) > MAX_CERTS_IN_CHAIN:
        raise VerificationError("The certificate chain has too many certificates.")
    try:
        certificates = [x509.load_pem_x509_certificate(block) for block in blocks]
    except ValueError:
        raise VerificationError(
            "The certificate chain contains an unreadable certificate."
        ) from None
    return CertChain(leaf=certificates[0], intermediates=tuple(certificates[1:]))


def trust_store(path: str | None = None) -> Store:
    """Return the store of trusted roots from ``path``, $ALEXA_TRUST_ROOTS, or certifi."""
    return _trust_store_from_file(path or os.environ.get(TRUST_ROOTS_SETTING) or certifi.where())


@lru_cache(maxsize=4)
def _trust_store_from_file(path: str) -> Store:
    """Read every certificate in a PEM bundle once, skipping those cryptography refuses."""
    try:
        with open(path, "rb") as bundle:
            blocks = _PEM_CERTIFICATE.findall(bundle.read())
    except OSError as error:
        raise ValueError(
            f"Cannot read the trusted root certificates from {path}: {error.strerror}. "
            f"Check the {TRUST_ROOTS_SETTING} setting."
        ) from None
    roots = []
    for block in blocks:
        with warnings.catch_warnings():
            # certifi still ships a few roots with serial number 0 (GoDaddy and Starfield
            # G2 among them); cryptography loads them with a deprecation warning today.
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            try:
                roots.append(x509.load_pem_x509_certificate(block))
            except ValueError:
                logger.warning("Skipping a trusted root that cryptography cannot read.")
    if not roots:
        raise ValueError(
            f"{path} holds no readable certificates. Check the {TRUST_ROOTS_SETTING} setting."
        )
    return Store(roots)


def check_cert_chain(chain: CertChain, store: Store, now: datetime) -> list[x509.Certificate]:
    """Check the signing certificate's dates, SAN, key and chain to a trusted root at ``now``.

    Returns the verified path, leaf first and trusted root last.
    """
    leaf = chain.leaf
    # The policy verifier below checks dates and SAN too; checking them first gives each
    # failure its own plain reason instead of the verifier's message, which quotes
    # certificate fields an attacker chooses.
    if now < leaf.not_valid_before_utc:
        raise VerificationError("The signing certificate is not valid yet.")
    if now > leaf.not_valid_after_utc:
        raise VerificationError("The signing certificate has expired.")
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        raise VerificationError(
            "The signing certificate has no subject alternative name."
        ) from None
    if SIGNING_CERT_SAN not in san.get_values_for_type(x509.DNSName):
        raise VerificationError(f"The signing certificate is not issued to {SIGNING_CERT_SAN}.")
    if not isinstance(leaf.public_key(), RSAPublicKey):
        raise VerificationError("The signing certificate does not carry an RSA key.")
    verifier = (
        PolicyBuilder().store(store).time(now).build_server_verifier(DNSName(SIGNING_CERT_SAN))
    )
    try:
        return verifier.verify(leaf, list(chain.intermediates))
    except ChainError:
        raise VerificationError(
            "The signing certificate does not chain to a trusted root."
        ) from None


def check_body_signature(leaf: x509.Certificate, signature: bytes, body: bytes) -> None:
    """Check the RSA PKCS#1 v1.5 SHA-256 signature over the raw body bytes."""
    public_key = leaf.public_key()
    if not isinstance(public_key, RSAPublicKey):
        raise VerificationError("The signing certificate does not carry an RSA key.")
    try:
        public_key.verify(signature, body, PKCS1v15(), SHA256())
    except InvalidSignature:
        raise VerificationError("The request body does not match its Signature-256.") from None


def json_depth(data: bytes) -> int:
    """Return how deeply arrays and objects nest in JSON text, without parsing it."""
    # Brackets inside strings do not count; C-speed steps only, as this runs on every body.
    brackets = _JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets), initial=0))


def parse_envelope(body: bytes) -> dict[str, Any]:
    """Parse the body as an Alexa request envelope of a request type Alexa sends."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise VerificationError("The request body is not UTF-8 text.") from None
    if json_depth(body) > MAX_JSON_DEPTH:
        raise VerificationError(
            f"The request body nests JSON more than {MAX_JSON_DEPTH} levels deep."
        )
    try:
        envelope = json.loads(text)
    except ValueError:
        raise VerificationError("The request body is not valid JSON.") from None
    if not isinstance(envelope, dict):
        raise VerificationError("The request body is not a JSON object.")
    request = envelope.get("request")
    if not isinstance(request, dict):
        raise VerificationError("The request envelope has no request object.")
    for field in ("type", "requestId", "timestamp"):
        if not isinstance(request.get(field), str):
            raise VerificationError(f"The request has no {field}.")
    if request["type"] not in _KNOWN_REQUEST_TYPES:
        raise VerificationError("The request type is not one Alexa sends.")
    return envelope


def request_timestamp(envelope: Mapping[str, Any]) -> datetime:
    """Return the request's timestamp as an aware datetime."""
    try:
        stamp = datetime.fromisoformat(envelope["request"]["timestamp"])
    except (KeyError, TypeError, ValueError):
        raise VerificationError("The request timestamp is not an ISO 8601 time.") from None
    if stamp.tzinfo is None:
        raise VerificationError("The request timestamp has no time zone.")
    return stamp


def check_timestamp(
    envelope: Mapping[str, Any], now: datetime, tolerance: timedelta | None = None
) -> None:
    """Refuse a request stamped more than ``tolerance`` away from ``now``, either way.

    By default 150 s, or an hour for the skill events Amazon may deliver late.
    """
    if tolerance is None:
        late_event = envelope["request"].get("type") in SKILL_EVENT_TYPES
        tolerance = SKILL_EVENT_TOLERANCE if late_event else TIMESTAMP_TOLERANCE
    if abs(now - request_timestamp(envelope)) > tolerance:
        raise VerificationError("The request timestamp is too far from the current time.")


def check_application_id(envelope: Mapping[str, Any], skill_id: str) -> None:
    """Refuse a request whose context.System.application.applicationId is not our skill."""
    try:
        application_id = envelope["context"]["System"]["application"]["applicationId"]
    except (KeyError, TypeError):
        raise VerificationError(
            "The request has no context.System.application.applicationId."
        ) from None
    if application_id != skill_id:
        raise VerificationError("The request is for a different skill.")


@dataclass(frozen=True)
class _PassedCheck:
    """A chain that passed ``check_cert_chain`` against ``store``, and when that holds."""

    chain: CertChain
    store: Store
    not_before: datetime
    not_after: datetime

    def covers(self, chain: CertChain, store: Store, now: datetime) -> bool:
        """Tell whether the same check of the same chain would pass again at ``now``."""
        return (
            self.chain is chain and self.store is store and self.not_before <= now <= self.not_after
        )


class CertChainSource:
    """Download signing chains from Amazon's certificate host and cache them by URL.

    A chain that passed its check is remembered with the dates every certificate on its
    verified path allows; each request re-checks its own time against those dates, and only
    a time outside them (or a different trust store) runs the full path check again.
    """

    def __init__(
        self,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = CERT_DOWNLOAD_TIMEOUT,
        max_bytes: int = MAX_CERT_CHAIN_BYTES,
        cache_size: int = CERT_CACHE_SIZE,
    ) -> None:
        self._session = session or requests.Session()
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._cache_size = cache_size
        self._cache: OrderedDict[str, CertChain] = OrderedDict()
        self._passed: dict[str, _PassedCheck] = {}
        self._lock = threading.Lock()

    def checked_chain(self, url: str, store: Store, now: datetime) -> CertChain:
        """Return the chain at a checked URL once it chains to ``store`` at ``now``."""
        chain = self.chain_for(url)
        passed = self._passed.get(url)
        if passed is not None and passed.covers(chain, store, now):
            return chain
        try:
            path = check_cert_chain(chain, store, now)
        except VerificationError:
            self.forget(url)
            raise
        check = _PassedCheck(
            chain=chain,
            store=store,
            not_before=max(cert.not_valid_before_utc for cert in path),
            not_after=min(cert.not_valid_after_utc for cert in path),
        )
        with self._lock:
            if self._cache.get(url) is chain:
                self._passed[url] = check
        return chain

    def chain_for(self, url: str) -> CertChain:
        """Return the parsed chain at an already checked URL, from the cache if present."""
        with self._lock:
            if url in self._cache:
                self._cache.move_to_end(url)
                return self._cache[url]
        # Download outside the lock: one slow download must not hold up other requests.
        chain = parse_cert_chain(self._download(url))
        with self._lock:
            self._cache[url] = chain
            while len(self._cache) > self._cache_size:
                dropped, _ = self._cache.popitem(last=False)
                self._passed.pop(dropped, None)
        return chain

    def forget(self, url: str) -> None:
        """Drop a chain that failed its checks so the next request downloads it afresh."""
        with self._lock:
            self._cache.pop(url, None)
            self._passed.pop(url, None)

    def _download(self, url: str) -> bytes:
        """Fetch the chain without following redirects, within the size and time limits."""
        deadline = time.monotonic() + CERT_DOWNLOAD_DEADLINE_SECONDS
        try:
            with self._session.get(
                url,
                timeout=self._timeout,
                allow_redirects=False,
                stream=True,
                verify=_ca_bundle(),
            ) as response:
                if response.is_redirect or 300 <= response.status_code < 400:
                    raise VerificationError("The certificate host answered with a redirect.")
                if response.status_code != 200:
                    raise VerificationError("The certificate host did not return the chain.")
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > self._max_bytes:
                    raise VerificationError("The certificate chain is too large.")
                received = bytearray()
                for chunk in response.iter_content(chunk_size=8192):
                    received += chunk
                    if len(received) > self._max_bytes:
                        raise VerificationError("The certificate chain is too large.")
                    if time.monotonic() > deadline:
                        raise VerificationError("Downloading the certificate chain timed out.")
                return bytes(received)
        except requests.Timeout:
            raise VerificationError("Downloading the certificate chain timed out.") from None
        except requests.RequestException:
            raise VerificationError("The certificate chain could not be downloaded.") from None


def _ca_bundle() -> str | bool:
    """Return the CA bundle for the download: $REQUESTS_CA_BUNDLE, $SSL_CERT_FILE, or certifi."""
    # requests honours REQUESTS_CA_BUNDLE by itself but ignores SSL_CERT_FILE.
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE") or True


_default_chain_source = CertChainSource()


def verify_request(
    headers: Mapping[str, str],
    body: bytes,
    *,
    skill_id: str | None,
    now: Callable[[], datetime] = utc_now,
    insecure_dev: bool = False,
    trust_roots: str | None = None,
    chains: CertChainSource | None = None,
) -> dict[str, Any]:
    """Verify a raw Alexa request and return its parsed envelope, or raise VerificationError.

    ``insecure_dev`` skips only the signature and timestamp checks, for local tools that
    cannot sign; the envelope shape and (when ``skill_id`` is set) the applicationId are
    still checked. ``trust_roots`` is a PEM file path; by default $ALEXA_TRUST_ROOTS or
    certifi's bundle.
    """
    if not skill_id and not insecure_dev:
        raise ValueError("Set the skill ID: without it any skill's requests would be accepted.")
    moment = now()
    if not insecure_dev:
        _check_signature(headers, body, moment, trust_roots, chains or _default_chain_source)
    envelope = parse_envelope(body)
    if not insecure_dev:
        check_timestamp(envelope, moment)
    if skill_id:
        check_application_id(envelope, skill_id)
    return envelope


def _check_signature(
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    trust_roots: str | None,
    chains: CertChainSource,
) -> None:
    """Check the certificate URL, chain and body signature, downloading only a valid URL."""
    url = cert_chain_url(header_value(headers, CERT_CHAIN_URL_HEADER))
    signature = signature_bytes(header_value(headers, SIGNATURE_HEADER))
    store = trust_store(trust_roots)
    chain = chains.checked_chain(url, store, now)
    check_body_signature(chain.leaf, signature, body)


_sdk_verifier = import_webservice_verifier()


class AlexaSdkVerifier(_sdk_verifier.AbstractVerifier):
    """Run ``verify_request`` as an ask-sdk verifier, e.g. in SkillAdapter(verifiers=[...]).

    The SDK deserializes the body before it calls verifiers and turns deserialization errors
    into HTTP 500, so ``skill.alexa.web`` calls ``verify_request`` on the raw body instead; this
    class is for code that must plug into the SDK's own pipeline.
    """

    def __init__(self, *, skill_id: str | None, **options: Any) -> None:
        self._skill_id = skill_id
        self._options = options

    def verify(self, headers, serialized_request_env, deserialized_request_env):
        """Verify the request; ask-sdk calls this by keyword, so the names are fixed."""
        try:
            verify_request(
                headers,
                serialized_request_env.encode("utf-8"),
                skill_id=self._skill_id,
                **self._options,
            )
        except VerificationError as error:
            raise _sdk_verifier.VerificationException(error.reason) from None
