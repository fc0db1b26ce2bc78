"""Drive the Alexa web service through Flask's test client and a real waitress server."""

from __future__ import annotations

import http.client
import io
import json
import logging
import threading
from datetime import timedelta

import pytest
from flask import request
from werkzeug.test import EnvironBuilder, run_wsgi_app

from skill.alexa.verification import CertChainSource
from skill.alexa.web import MAX_BODY_BYTES, base_urls, create_app, make_server, serve
from tests.pki import (
    CHAIN_NAMES,
    OTHER_SKILL_ID,
    SECRETS,
    SKILL_ID,
    alexa_request,
    body_of,
)


@pytest.fixture
def cert_host(pki, requests_mock):
    """Answer Amazon's certificate host with every named chain; all other traffic fails."""
    for name in CHAIN_NAMES:
        requests_mock.get(pki.cert_url(name), content=pki.chains[name])
    return requests_mock


@pytest.fixture
def config(pki, tmp_path, cert_host):
    """Settings that trust the test PKI and pin the clock to its reference time."""
    return {
        "ALEXA_SKILL_ID": SKILL_ID,
        "ALEXA_TRUST_ROOTS": str(pki.write_roots(tmp_path)),
        "CLOCK": lambda: pki.now,
        "CERT_CHAINS": CertChainSource(),
    }


@pytest.fixture
def client(config):
    """A test client for an app configured like production, but trusting the test PKI."""
    return create_app(config).test_client()


def signed(pki, envelope, chain="valid"):
    """Return (body, headers) for an envelope signed the way Alexa signs it."""
    body = body_of(envelope)
    return body, pki.signed_headers(body, chain=chain)


def launch(pki, **overrides):
    """Return a LaunchRequest envelope stamped at the PKI's reference time."""
    return alexa_request("LaunchRequest", timestamp=pki.now, **overrides)


def post(client, body, headers):
    """POST a raw body to the skill endpoint."""
    return client.post("/alexa", data=body, headers=headers)


def assert_json_error(response, status):
    """Assert a JSON error with a human sentence and nothing that looks like a trace."""
    assert response.status_code == status
    assert response.mimetype == "application/json"
    message = response.get_json()["error"]
    assert isinstance(message, str) and message.endswith(".")
    assert "Traceback" not in response.get_data(as_text=True)
    return message


# --- the happy path ---------------------------------------------------------------------


def test_signed_launch_request_gets_the_welcome(pki, client):
    response = post(client, *signed(pki, launch(pki)))
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["version"] == "1.0"
    assert answer["response"]["outputSpeech"]["type"] == "SSML"
    assert "kyphoplasty" in answer["response"]["outputSpeech"]["ssml"]
    assert answer["response"]["shouldEndSession"] is False


def test_a_skill_event_delivered_forty_minutes_late_is_accepted_quietly(pki, client):
    late = pki.now - timedelta(minutes=40)
    envelope = alexa_request("AlexaSkillEvent.SkillEnabled", timestamp=late)
    envelope["request"]["eventCreationTime"] = late.strftime("%Y-%m-%dT%H:%M:%SZ")
    response = post(client, *signed(pki, envelope))
    assert response.status_code == 200
    assert "outputSpeech" not in response.get_json()["response"]


def test_health_check_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True).strip() == "ok"


# --- bad input is 4xx, never 500 --------------------------------------------------------


def _unknown_type(pki):
    envelope = launch(pki)
    envelope["request"]["type"] = "MadeUpRequest"
    return envelope


def _intent_not_an_object(pki):
    envelope = alexa_request("IntentRequest", intent="WhatIsKyphoplastyIntent", timestamp=pki.now)
    envelope["request"]["intent"] = "WhatIsKyphoplastyIntent"
    return envelope


def _without_context(pki):
    envelope = launch(pki)
    del envelope["context"]
    return envelope


SIGNED_BAD_ENVELOPES = {
    "wrong applicationId": lambda pki: launch(pki, application_id=OTHER_SKILL_ID),
    "missing context": _without_context,
    "unknown request type": _unknown_type,
    "intent the SDK cannot read": _intent_not_an_object,
    "stale timestamp": lambda pki: alexa_request(
        "LaunchRequest", timestamp=pki.now - timedelta(seconds=151)
    ),
}


@pytest.mark.parametrize("make", SIGNED_BAD_ENVELOPES.values(), ids=SIGNED_BAD_ENVELOPES.keys())
def test_signed_but_unacceptable_requests_answer_400(pki, client, make):
    assert_json_error(post(client, *signed(pki, make(pki))), 400)


SIGNED_BAD_BODIES = {
    "malformed JSON": b'{"version":"1.0","request":{',
    "not UTF-8": '{"version":"1.0","note":"caf\u00e9"}'.encode("latin-1"),
    "JSON but not an object": b'"LaunchRequest"',
}


@pytest.mark.parametrize("body", SIGNED_BAD_BODIES.values(), ids=SIGNED_BAD_BODIES.keys())
def test_signed_bodies_that_are_not_alexa_json_answer_400(pki, client, body):
    assert_json_error(post(client, body, pki.signed_headers(body)), 400)


def _tamper(headers, **changes):
    return headers | changes


HEADER_ATTACKS = {
    "no headers": lambda headers: {},
    "signature not base64": lambda headers: _tamper(headers, **{"Signature-256": "%%%"}),
    "signature of another body": lambda headers: _tamper(
        headers, **{"Signature-256": headers["Signature-256"][::-1]}
    ),
    "port 443abc": lambda headers: _tamper(
        headers, SignatureCertChainUrl="https://s3.amazonaws.com:443abc/echo.api/valid.pem"
    ),
    "userinfo host": lambda headers: _tamper(
        headers, SignatureCertChainUrl="https://s3.amazonaws.com@evil.com/echo.api/valid.pem"
    ),
    "legacy Signature only": lambda headers: {
        "SignatureCertChainUrl": headers["SignatureCertChainUrl"],
        "Signature": headers["Signature-256"],
    },
}


@pytest.mark.parametrize("attack", HEADER_ATTACKS.values(), ids=HEADER_ATTACKS.keys())
def test_requests_failing_signature_checks_answer_400(pki, client, attack):
    body, headers = signed(pki, launch(pki))
    assert_json_error(post(client, body, attack(headers)), 400)


@pytest.mark.parametrize("chain", ["expired", "wrong_san", "untrusted_root", "self_signed"])
def test_requests_signed_with_untrustworthy_certificates_answer_400(pki, client, chain):
    assert_json_error(post(client, *signed(pki, launch(pki), chain=chain)), 400)


def test_body_over_128_kib_by_content_length_answers_413(pki, client):
    envelope = launch(pki)
    envelope["session"]["attributes"]["padding"] = "x" * MAX_BODY_BYTES
    message = assert_json_error(post(client, *signed(pki, envelope)), 413)
    assert "128 KiB" in message


def test_body_over_128_kib_without_content_length_answers_413(pki, config):
    envelope = launch(pki)
    envelope["session"]["attributes"]["padding"] = "x" * MAX_BODY_BYTES
    body, headers = signed(pki, envelope)
    # A chunked upload declares no length: only reading the body can find it too large.
    # The test client would compute a length, so call the WSGI app with a hand-made environ.
    environ = EnvironBuilder(path="/alexa", method="POST", headers=headers).get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ.update({"wsgi.input": io.BytesIO(body), "wsgi.input_terminated": True})
    seen = {}
    app = create_app(config)
    app.before_request(lambda: seen.update(length=request.content_length))
    app_iter, status, _ = run_wsgi_app(app, environ, buffered=True)
    assert seen == {"length": None}
    assert status.startswith("413")
    assert "128 KiB" in json.loads(b"".join(app_iter))["error"]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_other_methods_on_the_endpoint_answer_405(client, method):
    assert_json_error(client.open("/alexa", method=method), 405)


def test_unknown_path_answers_404_as_json(client):
    assert_json_error(client.get("/nowhere"), 404)


# --- configuration ----------------------------------------------------------------------


def test_missing_skill_id_stops_the_start_with_a_clear_message(config, monkeypatch):
    monkeypatch.delenv("ALEXA_SKILL_ID", raising=False)
    with pytest.raises(RuntimeError, match="ALEXA_SKILL_ID is not set"):
        create_app(config | {"ALEXA_SKILL_ID": None})


def test_unreadable_trust_roots_stop_the_start(config, tmp_path):
    with pytest.raises(ValueError, match="ALEXA_TRUST_ROOTS"):
        create_app(config | {"ALEXA_TRUST_ROOTS": str(tmp_path / "nowhere.pem")})


def test_insecure_dev_answers_unsigned_requests_but_still_checks_the_skill_id(pki, config):
    client = create_app(config | {"INSECURE_DEV": True}).test_client()
    stale = alexa_request("LaunchRequest", timestamp=pki.now - timedelta(hours=2))
    assert post(client, body_of(stale), {}).status_code == 200
    other = launch(pki, application_id=OTHER_SKILL_ID)
    assert_json_error(post(client, body_of(other), {}), 400)


def test_insecure_dev_needs_no_skill_id(pki, config, monkeypatch):
    monkeypatch.delenv("ALEXA_SKILL_ID", raising=False)
    client = create_app(config | {"INSECURE_DEV": True, "ALEXA_SKILL_ID": None}).test_client()
    assert post(client, body_of(launch(pki)), {}).status_code == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.com"])
def test_insecure_dev_refuses_to_listen_beyond_loopback(host):
    with pytest.raises(ValueError, match="Refusing to start in insecure dev mode"):
        serve(host, 0, insecure_dev=True)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_insecure_dev_may_listen_on_loopback(host, config):
    server = make_server(host, 0, insecure_dev=True, config=config)
    try:
        urls = base_urls(server)
        assert urls
        for url in urls:
            assert url.startswith(("http://127.0.0.1:", "http://[::1]:"))
            assert int(url.rsplit(":", 1)[1]) > 0
    finally:
        server.close()


# --- logs -------------------------------------------------------------------------------


def test_logs_of_a_conversation_name_requests_but_never_people_or_content(pki, client, caplog):
    caplog.set_level(logging.DEBUG)
    secret_words = "my neighbour said cement leaks into the lungs"
    conversation = [
        launch(pki),
        alexa_request(
            "IntentRequest",
            intent="WhatIsKyphoplastyIntent",
            slots={"question": secret_words},
            timestamp=pki.now,
            new_session=False,
        ),
        alexa_request(
            "SessionEndedRequest", reason="USER_INITIATED", timestamp=pki.now, new_session=False
        ),
    ]
    spoken = []
    for envelope in conversation:
        body, headers = signed(pki, envelope)
        response = post(client, body, headers)
        assert response.status_code == 200
        speech = (response.get_json()["response"].get("outputSpeech") or {}).get("ssml")
        spoken += [speech] if speech else []

    logged = caplog.text
    for envelope in conversation:
        assert envelope["request"]["requestId"] in logged
        assert f"type={envelope['request']['type']}" in logged
        assert envelope["session"]["sessionId"] not in logged
    assert "intent=WhatIsKyphoplastyIntent" in logged
    assert "verification=passed" in logged and "latency_ms=" in logged
    for never in [*SECRETS, secret_words, *spoken]:
        assert never not in logged
    assert len(spoken) == 2


def test_refused_requests_are_logged_with_the_reason_only(pki, client, caplog):
    caplog.set_level(logging.INFO, logger="skill.alexa.web")
    body, headers = signed(pki, launch(pki, application_id=OTHER_SKILL_ID))
    post(client, body, headers)
    (record,) = [r for r in caplog.records if r.name == "skill.alexa.web"]
    message = record.getMessage()
    assert record.levelno == logging.WARNING
    assert "status=400" in message and "different skill" in message
    for never in [*SECRETS, OTHER_SKILL_ID]:
        assert never not in message


# --- a real server on loopback ----------------------------------------------------------


@pytest.fixture
def live_server(config):
    """Run the app on waitress on an ephemeral loopback port for the test's duration."""
    server = make_server("127.0.0.1", 0, config=config)

    def run_until_closed():
        try:
            server.run()
        except OSError:
            pass  # closing the sockets from this thread is how the loop ends: EBADF in select

    thread = threading.Thread(target=run_until_closed, name="waitress-under-test", daemon=True)
    thread.start()
    yield int(server.effective_port)
    server.close()
    thread.join(timeout=5)
    assert not thread.is_alive()


def post_over_http(port, body, headers, *, chunked=False):
    """POST over a real loopback socket; requests is mocked in these tests, http.client is not."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        if chunked:
            connection.request(
                "POST", "/alexa", body=iter([body]), headers=headers, encode_chunked=True
            )
        else:
            connection.request("POST", "/alexa", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


def test_real_server_answers_a_signed_launch_with_a_valid_alexa_response(pki, live_server):
    status, content_type, raw = post_over_http(live_server, *signed(pki, launch(pki)))
    assert status == 200
    assert content_type == "application/json"
    answer = json.loads(raw)
    assert answer["version"] == "1.0"
    assert answer["response"]["outputSpeech"]["ssml"].startswith("<speak>")
    assert answer["response"]["reprompt"]["outputSpeech"]["type"] == "SSML"


def test_real_server_acknowledges_a_session_ended_by_an_error(pki, live_server):
    envelope = alexa_request("SessionEndedRequest", reason="ERROR", timestamp=pki.now)
    status, _, raw = post_over_http(live_server, *signed(pki, envelope))
    assert status == 200
    assert json.loads(raw)["version"] == "1.0"


def test_real_server_refuses_an_unsigned_request_with_400(pki, live_server):
    status, content_type, raw = post_over_http(live_server, body_of(launch(pki)), {})
    assert status == 400
    assert content_type == "application/json"
    assert json.loads(raw)["error"] == "The request has no SignatureCertChainUrl header."


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_real_server_answers_an_oversized_body_with_a_json_413(pki, live_server, chunked):
    envelope = launch(pki)
    envelope["session"]["attributes"]["padding"] = "x" * MAX_BODY_BYTES
    status, content_type, raw = post_over_http(live_server, *signed(pki, envelope), chunked=chunked)
    assert status == 413
    assert content_type == "application/json"
    assert "128 KiB" in json.loads(raw)["error"]


def test_kiosk_answers_through_the_app_even_with_a_skill_id_set(tmp_path):
    app = create_app({"ALEXA_SKILL_ID": "amzn1.ask.skill.clinic", "KIOSK_AUDIO_DIR": str(tmp_path)})
    client = app.test_client()
    assert client.get("/").status_code == 200
    answer = client.post("/kiosk/ask", json={"question": "can I drive home afterwards?"})
    assert answer.status_code == 200
    assert answer.get_json()["intent"] == "DrivingIntent"


def test_each_request_is_deserialized_once(pki, config):
    from skill.alexa.handlers import build_skill

    skill = build_skill(skill_id=SKILL_ID)
    # Every way into ModelSerializer (text or parsed JSON) builds the models through read.
    real, calls = skill.serializer.read, []

    def counting(data, obj_type):
        calls.append(obj_type)
        return real(data, obj_type)

    skill.serializer.read = counting
    client = create_app({**config, "SKILL": skill, "KIOSK": False}).test_client()
    for _ in range(2):
        response = post(client, *signed(pki, launch(pki)))
        assert response.status_code == 200
    assert len(calls) == 2


# --- JSON nested too deep to parse safely -------------------------------------------------


def nested_json(levels: int, bottom: str = '"bottom"') -> str:
    """Return JSON objects nested levels deep (json.dumps itself would recurse that deep)."""
    return '{"x":' * levels + bottom + "}" * levels


def with_deep_attributes(pki, levels: int) -> bytes:
    """Return a signed-ready LaunchRequest body whose session attributes nest levels deep."""
    envelope = launch(pki)
    envelope["session"]["attributes"] = {"deep": "PLACEHOLDER"}
    return body_of(envelope).replace(b'"PLACEHOLDER"', nested_json(levels).encode())


def test_a_kiosk_question_nested_1000_deep_answers_400(client):
    body = nested_json(1000, '{"question": "Will I be asleep?"}')
    response = client.post("/kiosk/ask", data=body, content_type="application/json")
    assert "64 levels" in assert_json_error(response, 400)


def test_alexa_body_nested_1000_deep_answers_400_in_insecure_dev(config):
    client = create_app(config | {"INSECURE_DEV": True}).test_client()
    response = post(client, nested_json(1000).encode(), {})
    assert "64 levels" in assert_json_error(response, 400)


def test_signed_alexa_body_nested_1000_deep_answers_400(pki, client):
    body = nested_json(1000).encode()
    assert "64 levels" in assert_json_error(post(client, body, pki.signed_headers(body)), 400)


def test_signed_session_attributes_nested_490_deep_answer_400(pki, client):
    body = with_deep_attributes(pki, 490)
    assert "64 levels" in assert_json_error(post(client, body, pki.signed_headers(body)), 400)


def test_session_attributes_nested_50_deep_are_still_answered(pki, client):
    body = with_deep_attributes(pki, 50)
    response = post(client, body, pki.signed_headers(body))
    assert response.status_code == 200
    assert response.get_json()["version"] == "1.0"


def test_brackets_inside_a_kiosk_question_are_words_not_nesting(client):
    question = "what about [" * 100 + "{" * 100
    response = client.post("/kiosk/ask", json={"question": question[:400]})
    assert response.status_code == 200


# --- security headers on every response ---------------------------------------------------

EVERY_KIND_OF_RESPONSE = {
    "health check": ("GET", "/healthz", 200),
    "unsigned Alexa request": ("POST", "/alexa", 400),
    "wrong method": ("GET", "/alexa", 405),
    "unknown path": ("GET", "/nowhere", 404),
    "kiosk page": ("GET", "/", 200),
    "kiosk questions": ("GET", "/kiosk/questions.json", 200),
    "kiosk script": ("GET", "/kiosk/static/kiosk.js", 200),
    "kiosk question": ("POST", "/kiosk/ask", 400),
    "missing clip": ("GET", "/audio/missing.mp3", 404),
}


@pytest.mark.parametrize(
    ("method", "path", "status"), EVERY_KIND_OF_RESPONSE.values(), ids=EVERY_KIND_OF_RESPONSE.keys()
)
def test_every_response_carries_the_security_headers(client, method, path, status):
    with client.open(path, method=method) as response:
        assert response.status_code == status
        headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"
    features = {part.strip() for part in headers["Permissions-Policy"].split(",")}
    assert {"microphone=()", "camera=()", "geolocation=()"} <= features


def test_the_kiosk_page_keeps_its_own_content_security_policy(client):
    from skill.kiosk import CONTENT_SECURITY_POLICY

    assert client.get("/").headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert client.get("/healthz").headers["Content-Security-Policy"].startswith("default-src")


# --- exported audio: regular files inside the folder only ---------------------------------


def test_audio_never_follows_a_symlink_under_a_listed_name(tmp_path):
    folder = tmp_path / "audio"
    folder.mkdir()
    clip = b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 4
    (folder / "real.mp3").write_bytes(clip)
    (folder / "passwd.mp3").symlink_to("/etc/passwd")
    (folder / "alias.mp3").symlink_to(folder / "real.mp3")
    (folder / "subfolder.mp3").mkdir()
    listed = ["real.mp3", "passwd.mp3", "alias.mp3", "subfolder.mp3"]
    manifest = {"clips": [{"id": f"clip{n}", "file": name} for n, name in enumerate(listed)]}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    app = create_app({"INSECURE_DEV": True, "KIOSK_AUDIO_DIR": str(folder)})
    client = app.test_client()

    with client.get("/audio/real.mp3") as served:
        assert served.status_code == 200 and served.mimetype == "audio/mpeg"
        assert served.get_data() == clip
    for name in ("passwd.mp3", "alias.mp3", "subfolder.mp3"):
        refused = client.get(f"/audio/{name}")
        assert refused.status_code == 404, name
        assert b"root:" not in refused.get_data()
