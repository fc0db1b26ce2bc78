"""Check Alexa request verification against a generated PKI, and the flask-ask-sdk shim."""

from __future__ import annotations

import base64
import io
import json
from datetime import timedelta

import pytest
import requests
from ask_sdk_core.skill_builder import SkillBuilder
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.verification import Store

from skill.alexa import compat, verification
from skill.alexa.verification import (
    MAX_JSON_DEPTH,
    AlexaSdkVerifier,
    CertChainSource,
    VerificationError,
    cert_chain_url,
    json_depth,
    verify_request,
)
from tests.pki import (
    CHAIN_NAMES,
    OTHER_SKILL_ID,
    SECRETS,
    SKILL_ID,
    alexa_request,
    body_of,
)


@pytest.fixture
def roots_file(pki, tmp_path):
    """Write the test PKI's trusted roots to a PEM file, as ALEXA_TRUST_ROOTS would name."""
    return str(pki.write_roots(tmp_path))


@pytest.fixture
def cert_host(pki, requests_mock):
    """Answer Amazon's certificate host with every named chain; all other traffic fails."""
    for name in CHAIN_NAMES:
        requests_mock.get(pki.cert_url(name), content=pki.chains[name])
    return requests_mock


@pytest.fixture
def verify(pki, roots_file, cert_host):
    """Return a verify_request bound to the test PKI, a fixed clock and an empty cache."""
    chains = CertChainSource()

    def verify_with(headers, body, *, now=None, skill_id=SKILL_ID, insecure_dev=False):
        moment = now or pki.now
        return verify_request(
            headers,
            body,
            skill_id=skill_id,
            now=lambda: moment,
            insecure_dev=insecure_dev,
            trust_roots=roots_file,
            chains=chains,
        )

    return verify_with


def launch_body(pki, **overrides):
    """Return the raw body of a LaunchRequest stamped at the PKI's reference time."""
    overrides.setdefault("timestamp", pki.now)
    return body_of(alexa_request("LaunchRequest", **overrides))


def assert_rejected(verify, headers, body, reason_part, **options):
    """Assert the request is refused for the expected reason, and the reason leaks nothing."""
    with pytest.raises(VerificationError) as refused:
        verify(headers, body, **options)
    reason = refused.value.reason
    assert reason_part in reason
    for secret in SECRETS:
        assert secret not in reason
    assert body.decode("utf-8", "replace")[:40] not in reason
    return reason


# --- the happy path ---------------------------------------------------------------------


def test_signed_launch_request_is_accepted_and_parsed(pki, verify):
    body = launch_body(pki)
    envelope = verify(pki.signed_headers(body), body)
    assert envelope["request"]["type"] == "LaunchRequest"
    assert envelope["context"]["System"]["application"]["applicationId"] == SKILL_ID


@pytest.mark.parametrize(
    ("url_name", "signature_name"),
    [
        ("signaturecertchainurl", "signature-256"),
        ("SIGNATURECERTCHAINURL", "SIGNATURE-256"),
        ("signatureCertChainURL", "SiGnAtUrE-256"),
    ],
)
def test_header_names_match_in_any_letter_case(pki, verify, url_name, signature_name):
    body = launch_body(pki)
    headers = {url_name: pki.cert_url(), signature_name: pki.sign(body)}
    assert verify(headers, body)["request"]["type"] == "LaunchRequest"


# --- headers ----------------------------------------------------------------------------


def without(headers, name):
    """Return ``headers`` minus ``name``."""
    return {key: value for key, value in headers.items() if key != name}


def test_missing_cert_url_header_is_rejected(pki, verify):
    body = launch_body(pki)
    headers = without(pki.signed_headers(body), "SignatureCertChainUrl")
    assert_rejected(verify, headers, body, "no SignatureCertChainUrl header")


def test_missing_signature_header_is_rejected(pki, verify):
    body = launch_body(pki)
    headers = without(pki.signed_headers(body), "Signature-256")
    assert_rejected(verify, headers, body, "no Signature-256 header")


@pytest.mark.parametrize("name", ["SignatureCertChainUrl", "Signature-256"])
@pytest.mark.parametrize("empty", ["", "   "])
def test_empty_header_values_are_rejected(pki, verify, name, empty):
    body = launch_body(pki)
    headers = pki.signed_headers(body) | {name: empty}
    assert_rejected(verify, headers, body, f"no {name} header")


@pytest.mark.parametrize(
    "signature",
    ["not base64 at all!", "QUJD", "QUJDRA", "QUJD RA==", "QUJD\nRA==", "QUJD-_A="],
    ids=["words", "too-short-to-sign", "bad-padding", "space", "newline", "urlsafe"],
)
def test_signature_that_is_not_strict_base64_or_not_a_signature_is_rejected(pki, verify, signature):
    body = launch_body(pki)
    headers = pki.signed_headers(body) | {"Signature-256": signature}
    assert_rejected(verify, headers, body, "Signature-256")


def test_wrong_signature_is_rejected(pki, verify):
    body = launch_body(pki)
    other_body = launch_body(pki)
    headers = pki.signed_headers(body) | {"Signature-256": pki.sign(other_body)}
    assert_rejected(verify, headers, body, "does not match its Signature-256")


def test_legacy_sha1_signature_header_alone_is_rejected(pki, verify):
    body = launch_body(pki)
    headers = {
        "SignatureCertChainUrl": pki.cert_url(),
        "Signature": pki.sign(body, hashes.SHA1()),
    }
    assert_rejected(verify, headers, body, "no Signature-256 header")


def test_legacy_sha1_signature_is_never_a_fallback_for_a_bad_signature_256(pki, verify):
    body = launch_body(pki)
    headers = pki.signed_headers(body) | {
        "Signature": pki.sign(body, hashes.SHA1()),
        "Signature-256": pki.sign(b"some other body"),
    }
    assert_rejected(verify, headers, body, "does not match its Signature-256")


def test_conflicting_duplicate_headers_are_rejected(pki, verify):
    body = launch_body(pki)
    headers = pki.signed_headers(body) | {"signature-256": pki.sign(b"some other body")}
    assert_rejected(verify, headers, body, "conflicting Signature-256 headers")


# --- the certificate URL ----------------------------------------------------------------

REJECTED_CERT_URLS = {
    "http": ("http://s3.amazonaws.com/echo.api/valid.pem", "https"),
    "other host": ("https://notamazon.com/echo.api/valid.pem", "host"),
    "host suffix": ("https://s3.amazonaws.com.evil.com/echo.api/valid.pem", "host"),
    "userinfo": ("https://s3.amazonaws.com@evil.com/echo.api/valid.pem", "user information"),
    "path case": ("https://s3.amazonaws.com/EcHo.aPi/valid.pem", "path"),
    "dot-dot out": ("https://s3.amazonaws.com/echo.api/../cert", "path"),
    "encoded dot-dot": ("https://s3.amazonaws.com/echo.api/%2e%2e/cert.pem", "path"),
    "no path": ("https://s3.amazonaws.com", "path"),
    "port 563": ("https://s3.amazonaws.com:563/echo.api/valid.pem", "port"),
    "port 443abc": ("https://s3.amazonaws.com:443abc/echo.api/valid.pem", "port"),
    "port 99999": ("https://s3.amazonaws.com:99999/echo.api/valid.pem", "port"),
    "query": ("https://s3.amazonaws.com/echo.api/valid.pem?x=1", "query"),
    "empty": ("", "https"),
}


@pytest.mark.parametrize(
    ("url", "reason_part"), REJECTED_CERT_URLS.values(), ids=REJECTED_CERT_URLS.keys()
)
def test_bad_cert_urls_are_rejected_before_any_download(
    pki, verify, requests_mock, url, reason_part
):
    body = launch_body(pki)
    headers = pki.signed_headers(body) | {"SignatureCertChainUrl": url}
    # An empty value counts as a missing header; everything else fails the URL rules.
    expected = "no SignatureCertChainUrl header" if not url else reason_part
    assert_rejected(verify, headers, body, expected)
    assert requests_mock.call_count == 0


ACCEPTED_CERT_URLS = {
    "scheme case": "HTTPS://s3.amazonaws.com/echo.api/valid.pem",
    "host case": "https://S3.AMAZONAWS.COM/echo.api/valid.pem",
    "port 443": "https://s3.amazonaws.com:443/echo.api/valid.pem",
    "dot-dot back in": "https://s3.amazonaws.com/echo.api/../echo.api/valid.pem",
}


@pytest.mark.parametrize("url", ACCEPTED_CERT_URLS.values(), ids=ACCEPTED_CERT_URLS.keys())
def test_equivalent_cert_urls_are_accepted_and_fetched_normalized(pki, verify, cert_host, url):
    body = launch_body(pki)
    headers = pki.signed_headers(body) | {"SignatureCertChainUrl": url}
    assert verify(headers, body)["request"]["type"] == "LaunchRequest"
    assert cert_host.last_request.url == pki.cert_url("valid")


def test_cert_url_normalization_matches_posix_semantics():
    normalized = cert_chain_url("https://s3.amazonaws.com/echo.api/../echo.api/x")
    assert normalized == "https://s3.amazonaws.com/echo.api/x"


# --- downloading the chain --------------------------------------------------------------


def test_cert_download_404_is_rejected(pki, verify, cert_host):
    cert_host.get(pki.cert_url(), status_code=404, text="Not Found")
    body = launch_body(pki)
    assert_rejected(verify, pki.signed_headers(body), body, "did not return the chain")


@pytest.mark.parametrize(
    "timeout", [requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout]
)
def test_cert_download_timeout_is_rejected(pki, verify, cert_host, timeout):
    cert_host.get(pki.cert_url(), exc=timeout)
    body = launch_body(pki)
    assert_rejected(verify, pki.signed_headers(body), body, "timed out")


def test_cert_download_connection_failure_is_rejected(pki, verify, cert_host):
    cert_host.get(pki.cert_url(), exc=requests.exceptions.ConnectionError)
    body = launch_body(pki)
    assert_rejected(verify, pki.signed_headers(body), body, "could not be downloaded")


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_cert_download_redirect_is_refused_not_followed(pki, verify, cert_host, status):
    # The redirect target serves a perfectly valid chain: following it would pass.
    target = pki.cert_url("redirect-target")
    cert_host.get(target, content=pki.chains["valid"])
    cert_host.get(pki.cert_url(), status_code=status, headers={"Location": target})
    body = launch_body(pki)
    assert_rejected(verify, pki.signed_headers(body), body, "redirect")
    assert [request.url for request in cert_host.request_history] == [pki.cert_url()]


def test_cert_chain_declared_too_large_is_refused_without_reading_it(pki, verify, cert_host):
    declared = str(verification.MAX_CERT_CHAIN_BYTES + 1)
    cert_host.get(pki.cert_url(), content=pki.chains["valid"], headers={"Content-Length": declared})
    body = launch_body(pki)
    assert_rejected(verify, pki.signed_headers(body), body, "too large")


def test_oversized_cert_chain_without_length_is_cut_off_while_streaming(pki, verify, cert_host):
    oversized = pki.chains["valid"] + b"\n" * (16 * verification.MAX_CERT_CHAIN_BYTES)
    stream = _CountingStream(oversized)
    cert_host.get(pki.cert_url(), body=stream)
    body = launch_body(pki)
    assert_rejected(verify, pki.signed_headers(body), body, "too large")
    # Reading stopped soon after the cap instead of draining the whole answer.
    assert stream.bytes_read <= verification.MAX_CERT_CHAIN_BYTES + 8192


class _CountingStream(io.BytesIO):
    """A response body with no declared length that remembers how much was read."""

    bytes_read = 0

    def read(self, size=-1, /):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def test_not_a_pem_chain_is_rejected(pki, verify, cert_host):
    cert_host.get(pki.cert_url(), content=b"<html>Access Denied</html>")
    body = launch_body(pki)
    assert_rejected(verify, pki.signed_headers(body), body, "did not return a PEM")


@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"])
def test_download_trusts_the_ca_bundle_named_in_the_environment(
    pki, verify, cert_host, roots_file, monkeypatch, variable
):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.setenv(variable, roots_file)
    body = launch_body(pki)
    verify(pki.signed_headers(body), body)
    assert cert_host.last_request.verify == roots_file


# --- the chain of trust -----------------------------------------------------------------

BROKEN_CHAINS = {
    "expired": "has expired",
    "not_yet_valid": "not valid yet",
    "wrong_san": "not issued to echo-api.amazon.com",
    "no_san": "no subject alternative name",
    "self_signed": "does not chain to a trusted root",
    "missing_intermediate": "does not chain to a trusted root",
    "untrusted_root": "does not chain to a trusted root",
}


@pytest.mark.parametrize(("chain", "reason_part"), BROKEN_CHAINS.items(), ids=BROKEN_CHAINS.keys())
def test_broken_chains_are_rejected(pki, verify, chain, reason_part):
    body = launch_body(pki)
    assert_rejected(verify, pki.signed_headers(body, chain=chain), body, reason_part)


@pytest.mark.parametrize("chain", ["expired", "not_yet_valid", "wrong_san", "no_san"])
def test_cryptography_policy_alone_also_refuses_bad_leaves(pki, chain):
    # Our own date and SAN checks run first for clearer reasons; this proves the
    # underlying policy verifier would refuse these leaves even without them.
    parsed = verification.parse_cert_chain(pki.chains[chain])
    policy = (
        verification.PolicyBuilder()
        .store(Store(pki.roots))
        .time(pki.now)
        .build_server_verifier(verification.DNSName(verification.SIGNING_CERT_SAN))
    )
    with pytest.raises(verification.ChainError):
        policy.verify(parsed.leaf, list(parsed.intermediates))


def test_default_trust_roots_come_from_certifi_and_load_without_warnings(monkeypatch):
    monkeypatch.delenv(verification.TRUST_ROOTS_SETTING, raising=False)
    assert isinstance(verification.trust_store(), Store)


def test_unreadable_trust_roots_setting_names_the_setting(tmp_path):
    with pytest.raises(ValueError, match="ALEXA_TRUST_ROOTS"):
        verification.trust_store(str(tmp_path / "missing.pem"))


def test_trust_roots_setting_in_the_environment_is_honoured(pki, roots_file, monkeypatch):
    monkeypatch.setenv(verification.TRUST_ROOTS_SETTING, roots_file)
    parsed = verification.parse_cert_chain(pki.chains["valid"])
    verification.check_cert_chain(parsed, verification.trust_store(), pki.now)


# --- the signed body --------------------------------------------------------------------


def test_body_changed_by_one_byte_is_rejected(pki, verify):
    body = launch_body(pki)
    headers = pki.signed_headers(body)
    # Still valid JSON after the change, so only the signature can catch it.
    tampered = body.replace(b'"locale":"en-US"', b'"locale":"en-UK"')
    assert sum(a != b for a, b in zip(body, tampered, strict=True)) == 1
    assert_rejected(verify, headers, tampered, "does not match its Signature-256")


@pytest.mark.parametrize(
    ("offset_seconds", "accepted"),
    [(-151, False), (151, False), (-149, True), (149, True), (-150, True), (0, True)],
)
def test_timestamp_must_be_within_150_seconds(pki, verify, offset_seconds, accepted):
    body = launch_body(pki, timestamp=pki.now + timedelta(seconds=offset_seconds))
    headers = pki.signed_headers(body)
    if accepted:
        assert verify(headers, body)["request"]["type"] == "LaunchRequest"
    else:
        assert_rejected(verify, headers, body, "timestamp is too far")


@pytest.mark.parametrize(
    ("request_type", "offset_minutes", "accepted"),
    [
        ("AlexaSkillEvent.SkillEnabled", -59, True),
        ("AlexaSkillEvent.SkillPermissionChanged", 59, True),
        ("AlexaSkillEvent.SkillDisabled", -61, False),
        ("AlexaSkillEvent.SkillEnabled", 61, False),
        # Only the lifecycle events Amazon delivers late get the hour.
        ("AlexaSkillEvent.ProactiveSubscriptionChanged", -10, False),
        ("IntentRequest", -10, False),
    ],
)
def test_skill_events_may_be_up_to_an_hour_late(
    pki, verify, request_type, offset_minutes, accepted
):
    stamp = pki.now + timedelta(minutes=offset_minutes)
    body = body_of(alexa_request(request_type, timestamp=stamp))
    headers = pki.signed_headers(body)
    if accepted:
        assert verify(headers, body)["request"]["type"] == request_type
    else:
        assert_rejected(verify, headers, body, "timestamp is too far")


SIGNED_BAD_BODIES = {
    "malformed JSON": (b'{"version":"1.0","request":', "not valid JSON"),
    "not UTF-8": ('{"version":"1.0","note":"caf\u00e9"}'.encode("latin-1"), "not UTF-8"),
    "JSON array": (b"[]", "not a JSON object"),
    "no request": (b'{"version":"1.0"}', "no request object"),
    "unknown type": (
        json.dumps(
            {"request": {"type": "MadeUpRequest", "requestId": "r", "timestamp": "x"}}
        ).encode(),
        "not one Alexa sends",
    ),
    "bad timestamp": (
        json.dumps(
            {"request": {"type": "LaunchRequest", "requestId": "r", "timestamp": "soon"}}
        ).encode(),
        "not an ISO 8601 time",
    ),
}


@pytest.mark.parametrize(
    ("body", "reason_part"), SIGNED_BAD_BODIES.values(), ids=SIGNED_BAD_BODIES.keys()
)
def test_signed_but_malformed_bodies_are_rejected(pki, verify, body, reason_part):
    assert_rejected(verify, pki.signed_headers(body), body, reason_part)


def test_wrong_application_id_is_rejected(pki, verify):
    body = launch_body(pki, application_id=OTHER_SKILL_ID)
    reason = assert_rejected(verify, pki.signed_headers(body), body, "different skill")
    assert OTHER_SKILL_ID not in reason


def test_missing_context_is_rejected(pki, verify):
    envelope = alexa_request("LaunchRequest", timestamp=pki.now)
    del envelope["context"]
    body = body_of(envelope)
    assert_rejected(verify, pki.signed_headers(body), body, "no context.System.application")


def test_a_skill_id_is_required_unless_insecure_dev(pki, verify):
    body = launch_body(pki)
    with pytest.raises(ValueError, match="skill ID"):
        verify(pki.signed_headers(body), body, skill_id=None)


# --- the chain cache --------------------------------------------------------------------


def test_chain_is_downloaded_once_and_reused(pki, verify, cert_host):
    for _ in range(3):
        body = launch_body(pki)
        verify(pki.signed_headers(body), body)
    assert cert_host.call_count == 1


def test_cached_chain_is_refused_once_its_certificate_expires(pki, verify, cert_host):
    body = launch_body(pki)
    verify(pki.signed_headers(body), body)
    later = pki.leaves["valid"].not_valid_after_utc + timedelta(minutes=1)
    later_body = launch_body(pki, timestamp=later)
    assert_rejected(verify, pki.signed_headers(later_body), later_body, "has expired", now=later)
    # The refusal came from the cached chain, not from a fresh download.
    assert cert_host.call_count == 1


@pytest.fixture
def path_checks(monkeypatch):
    """Count how often the full chain-to-root check runs."""
    built = []
    real_builder = verification.PolicyBuilder

    def counting_builder():
        built.append(1)
        return real_builder()

    monkeypatch.setattr(verification, "PolicyBuilder", counting_builder)
    return built


def test_a_passed_chain_check_is_reused_while_its_dates_hold(pki, verify, path_checks):
    for minutes in (0, 1, 60):
        moment = pki.now + timedelta(minutes=minutes)
        body = launch_body(pki, timestamp=moment)
        verify(pki.signed_headers(body), body, now=moment)
    assert len(path_checks) == 1


def test_a_reused_check_ends_when_the_intermediate_expires(pki, verify, path_checks):
    body = launch_body(pki)
    verify(pki.signed_headers(body, chain="short_lived_intermediate"), body)
    # The leaf is good for a day, but the intermediate that signed it only for two hours.
    later = pki.now + timedelta(hours=3)
    later_body = launch_body(pki, timestamp=later)
    headers = pki.signed_headers(later_body, chain="short_lived_intermediate")
    assert_rejected(verify, headers, later_body, "does not chain to a trusted root", now=later)
    assert len(path_checks) == 2


def test_a_reused_check_does_not_carry_over_to_other_trust_roots(pki, cert_host, tmp_path):
    chains = CertChainSource()
    trusted = pki.write_roots(tmp_path)
    other = tmp_path / "other-roots.pem"
    other.write_bytes(pki.untrusted_root.public_bytes(Encoding.PEM))
    body = launch_body(pki)
    headers = pki.signed_headers(body)

    def verify_against(roots):
        return verify_request(headers, body, skill_id=SKILL_ID, now=lambda: pki.now,
                              trust_roots=str(roots), chains=chains)

    verify_against(trusted)
    with pytest.raises(VerificationError, match="does not chain to a trusted root"):
        verify_against(other)


def test_cache_is_bounded(pki, requests_mock):
    chains = CertChainSource(cache_size=2)
    urls = [pki.cert_url(f"rotation-{n}") for n in range(3)]
    for url in urls:
        requests_mock.get(url, content=pki.chains["valid"])
        chains.chain_for(url)
    chains.chain_for(urls[0])
    assert requests_mock.call_count == 4


# --- insecure development mode ----------------------------------------------------------


def test_insecure_dev_skips_signature_and_timestamp_only(pki, verify, cert_host):
    stale = launch_body(pki, timestamp=pki.now - timedelta(hours=1))
    assert verify({}, stale, insecure_dev=True)["request"]["type"] == "LaunchRequest"
    assert cert_host.call_count == 0


def test_insecure_dev_still_checks_application_id_when_set(pki, verify):
    body = launch_body(pki, application_id=OTHER_SKILL_ID)
    assert_rejected(verify, {}, body, "different skill", insecure_dev=True)


def test_insecure_dev_without_skill_id_accepts_any_application(pki, verify):
    body = launch_body(pki, application_id=OTHER_SKILL_ID)
    assert verify({}, body, insecure_dev=True, skill_id=None)["request"]["type"] == "LaunchRequest"


def test_insecure_dev_still_checks_json_shape(pki, verify):
    assert_rejected(verify, {}, b"{not json", "not valid JSON", insecure_dev=True)


# --- flask-ask-sdk on this machine ------------------------------------------------------


def test_skill_adapter_imports_on_this_machine():
    adapter_module = compat.import_skill_adapter()
    assert adapter_module.SkillAdapter.__name__ == "SkillAdapter"


def test_stand_in_is_used_only_because_oscrypto_cannot_load():
    compat.import_skill_adapter()
    try:
        import oscrypto._openssl._libcrypto  # noqa: F401
    except Exception as error:  # oscrypto fails with its own exception type, not ImportError
        assert compat._is_oscrypto_version_failure(error)
        assert compat.stand_in_used()
    else:
        assert not compat.stand_in_used()


def test_sdk_request_verifier_cannot_silently_pass(pki):
    sdk_verifier = compat.import_webservice_verifier()
    request_verifier = sdk_verifier.RequestVerifier()
    # The SDK downloads with urllib (no network here), so hand it the chain through its
    # cache: this drives its real chain validation, which is where the stand-in sits.
    request_verifier._cert_cache[pki.cert_url()] = pki.chains["valid"]
    body = launch_body(pki)
    expected = (
        compat.CertificateValidatorUnavailable
        if compat.stand_in_used()
        else sdk_verifier.VerificationException
    )
    with pytest.raises(expected):
        request_verifier.verify(
            headers=pki.signed_headers(body),
            serialized_request_env=body.decode("utf-8"),
            deserialized_request_env=None,
        )


def test_certvalidator_stand_in_does_not_leak_into_sys_modules():
    import sys

    compat.import_skill_adapter()
    if compat.stand_in_used():
        assert "certvalidator" not in sys.modules


def _launch_skill():
    """Build a one-handler skill that greets on launch."""
    builder = SkillBuilder()

    @builder.request_handler(can_handle_func=lambda handler_input: True)
    def greet(handler_input):
        return handler_input.response_builder.speak("Hello.").response

    return builder.create()


def test_sdk_pipeline_with_our_verifier_accepts_signed_and_refuses_unsigned(
    pki, roots_file, cert_host
):
    sdk_verifier = compat.import_webservice_verifier()
    from ask_sdk_webservice_support.webservice_handler import WebserviceSkillHandler

    handler = WebserviceSkillHandler(
        skill=_launch_skill(),
        verify_signature=False,
        verify_timestamp=False,
        verifiers=[
            AlexaSdkVerifier(
                skill_id=SKILL_ID,
                now=lambda: pki.now,
                trust_roots=roots_file,
                chains=CertChainSource(),
            )
        ],
    )
    body = launch_body(pki)
    answer = handler.verify_request_and_dispatch(
        http_request_headers=pki.signed_headers(body), http_request_body=body.decode("utf-8")
    )
    assert answer["response"]["outputSpeech"]["ssml"] == "<speak>Hello.</speak>"
    with pytest.raises(sdk_verifier.VerificationException, match="no SignatureCertChainUrl header"):
        handler.verify_request_and_dispatch(
            http_request_headers={}, http_request_body=body.decode("utf-8")
        )


def test_signature_bytes_rejects_base64_with_trailing_garbage():
    good = base64.b64encode(b"x" * 256).decode()
    assert verification.signature_bytes(good) == b"x" * 256
    with pytest.raises(VerificationError, match="not base64"):
        verification.signature_bytes(good + "!")


# --- how deep a body nests, counted before parsing ----------------------------------------

JSON_DEPTHS = {
    "scalar": (b'"LaunchRequest"', 0),
    "flat object": (b'{"a": 1, "b": [1, 2]}', 2),
    "brackets inside strings": (b'{"q": "[[[{{{"}', 1),
    "escaped quote before brackets": (b'{"q": "\\"[[["}', 1),
    "escaped backslash then a real array": (b'{"q": "\\\\", "r": [[1]]}', 3),
    "unclosed string swallows the rest": (b'["[[[[', 1),
    "closing brackets first": (b"]]]]", 0),
    "1000 arrays": (b"[" * 1000 + b"]" * 1000, 1000),
}


@pytest.mark.parametrize(("body", "depth"), JSON_DEPTHS.values(), ids=JSON_DEPTHS.keys())
def test_json_depth_counts_nesting_outside_strings(body, depth):
    assert json_depth(body) == depth


def test_json_depth_scans_an_unclosed_string_of_escaped_quotes_once():
    # Rescanning from every later quote would take minutes on this 128 KiB body.
    body = b'["' + b'\\"[' * 43_000
    assert json_depth(body) == 1


def test_envelope_nested_deeper_than_the_limit_is_refused_before_parsing(pki, verify):
    body = b'{"a":' * (MAX_JSON_DEPTH + 1) + b"1" + b"}" * (MAX_JSON_DEPTH + 1)
    assert_rejected(verify, pki.signed_headers(body), body, f"{MAX_JSON_DEPTH} levels deep")
