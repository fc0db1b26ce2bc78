"""Serve the skill to Alexa as a self-hosted web service (Flask + flask-ask-sdk on waitress).

Every POST to /alexa is size-checked and verified on its raw bytes by
``skill.alexa.verification`` before flask-ask-sdk sees it; the SDK's own verifiers are switched
off because they deserialize first and cannot load on this machine (see ``skill.alexa.compat``).
Bad input always answers 4xx with a JSON ``{"error": ...}`` body, including what waitress
refuses before the app sees it (``GuardedChannel``), and every response carries
SECURITY_HEADERS. Logs carry the request ID, type, intent name, verification outcome and
latency, never the body, slot values, user or device IDs, or tokens.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import waitress
import waitress.server
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope
from flask import Flask, Request, Response, jsonify, request
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError, TransferEncodingNotImplemented
from waitress.receiver import ChunkedReceiver
from waitress.task import ErrorTask
from waitress.utilities import RequestEntityTooLarge as ServerBodyTooLarge
from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge

from skill.alexa.compat import import_skill_adapter
from skill.alexa.verification import (
    MAX_JSON_DEPTH,
    CertChainSource,
    VerificationError,
    json_depth,
    trust_store,
    utc_now,
    verify_request,
)

logger = logging.getLogger("skill.alexa.web")

ALEXA_PATH = "/alexa"
HEALTH_PATH = "/healthz"
MAX_BODY_BYTES = 128 * 1024
SERVER_BODY_LIMIT_BYTES = 1024 * 1024
SERVER_HEADER_LIMIT_BYTES = 64 * 1024
# waitress's defaults (100 connections, 120 s idle) let about 100 clients that trickle their
# headers lock everyone out. Slow sockets cost the server a buffer, not a thread, so allow
# many; every request must arrive whole within channel_timeout of its first byte
# (GuardedChannel), and idle connections close as soon. A kiosk or Alexa sends its request
# in milliseconds. The TLS proxy in deploy/ is the first line against many slow clients.
SERVER_SETTINGS: dict[str, Any] = {
    "connection_limit": 500,
    "channel_timeout": 20,
    "cleanup_interval": 2,
    "backlog": 1024,
    "asyncore_use_poll": True,  # select() cannot watch file descriptors above 1023
    "threads": 4,
    "max_request_header_size": SERVER_HEADER_LIMIT_BYTES,
    "max_request_body_size": SERVER_BODY_LIMIT_BYTES,
    "ident": "kyphoplasty-skill",
}
SKILL_ID_SETTING = "ALEXA_SKILL_ID"
TRUST_ROOTS_SETTING = "ALEXA_TRUST_ROOTS"
INSECURE_DEV_SETTING = "INSECURE_DEV"

# On every response, the kiosk's and the API's alike (the kiosk adds its own page CSP). The
# page needs none of these browser features, so they are all switched off.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": (
        "microphone=(), camera=(), geolocation=(), payment=(), usb=(), display-capture=()"
    ),
    "Cross-Origin-Resource-Policy": "same-origin",
}

# Anything logged from the request is cut down to these characters, so a crafted intent
# name cannot forge log lines or smuggle a long string into them.
_LOGGABLE = re.compile(r"[^A-Za-z0-9._:\-]")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the web app that answers Alexa at POST /alexa and health checks at GET /healthz.

    Settings (``config`` wins over the environment): ALEXA_SKILL_ID, ALEXA_TRUST_ROOTS (PEM
    file of trusted roots, certifi's bundle when unset), INSECURE_DEV. Tests may also pass
    SKILL (a CustomSkill), CLOCK (a ``now`` callable) and CERT_CHAINS (a CertChainSource).
    """
    settings: dict[str, Any] = {
        SKILL_ID_SETTING: os.environ.get(SKILL_ID_SETTING) or None,
        TRUST_ROOTS_SETTING: os.environ.get(TRUST_ROOTS_SETTING) or None,
        INSECURE_DEV_SETTING: False,
        "SKILL": None,
        "CLOCK": utc_now,
        "CERT_CHAINS": None,
        **(config or {}),
    }
    skill_id: str | None = settings[SKILL_ID_SETTING] or None
    insecure_dev = bool(settings[INSECURE_DEV_SETTING])
    if not skill_id and not insecure_dev:
        raise RuntimeError(
            f"{SKILL_ID_SETTING} is not set. Set it to the skill ID from the Alexa developer "
            "console (amzn1.ask.skill...) so requests meant for other skills are refused."
        )
    trust_roots: str | None = settings[TRUST_ROOTS_SETTING]
    if not insecure_dev:
        # Read the roots now so a wrong ALEXA_TRUST_ROOTS stops the start, not each request.
        trust_store(trust_roots)
    clock: Callable[[], datetime] = settings["CLOCK"]
    chains: CertChainSource = settings["CERT_CHAINS"] or CertChainSource()
    skill: CustomSkill = settings["SKILL"] or _build_skill(skill_id)
    # We deserialize once to refuse bad shapes with a 400; the adapter then reuses that.
    reader = ReadOnceSerializer(skill.serializer)
    skill.serializer = reader

    app = Flask(__name__)
    app.request_class = DepthLimitedRequest
    app.config.update(settings)
    # One byte over the limit: werkzeug silently stops reading an undeclared-length body at
    # MAX_CONTENT_LENGTH, so reading one extra byte is how _read_body sees it is too large.
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES + 1
    adapter_module = import_skill_adapter()
    # Our verification runs on the raw body first; the SDK's would deserialize first and
    # its signature check cannot load here (skill.alexa.compat).
    app.config[adapter_module.VERIFY_SIGNATURE_APP_CONFIG] = False
    app.config[adapter_module.VERIFY_TIMESTAMP_APP_CONFIG] = False
    adapter = adapter_module.SkillAdapter(skill=skill, skill_id=skill_id or "insecure-dev", app=app)
    if settings.get("KIOSK", True):
        from skill.kiosk import kiosk_from_settings

        # The kiosk and its read-only audio folder: the same answers, offline, in the clinic.
        app.register_blueprint(kiosk_from_settings(settings))

    @app.get(HEALTH_PATH)
    def healthz() -> Response:
        """Tell a load balancer the process is up."""
        return Response("ok\n", mimetype="text/plain")

    @app.post(ALEXA_PATH)
    def alexa() -> Response | tuple[Response, int]:
        """Verify the raw request, then let the skill answer it."""
        started = time.perf_counter()
        envelope: dict[str, Any] | None = None
        outcome = "not checked"
        try:
            body = _read_body()
            envelope = verify_request(
                request.headers,
                body,
                skill_id=skill_id,
                now=clock,
                insecure_dev=insecure_dev,
                trust_roots=trust_roots,
                chains=chains,
            )
            outcome = "skipped (insecure dev)" if insecure_dev else "passed"
            _check_sdk_reads(reader, body, envelope)
            answer = adapter.dispatch_request()
        except VerificationError as refusal:
            if outcome == "not checked":
                outcome = "failed"
            _log_request(envelope, outcome, 400, started, refusal.reason)
            return _error(400, refusal.reason)
        except HTTPException as failure:
            status = failure.code or 500
            _log_request(envelope, outcome, status, started, _describe(failure))
            return _error(status, _describe(failure))
        except Exception as failure:
            _log_request(envelope, outcome, 500, started, type(failure).__name__)
            raise
        _log_request(envelope, outcome, answer.status_code, started)
        return answer

    @app.after_request
    def harden(response: Response) -> Response:
        """Add the security headers to every response, keeping any a blueprint set."""
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.errorhandler(HTTPException)
    def http_error(failure: HTTPException) -> tuple[Response, int]:
        """Answer routing errors (404, 405, 413...) with JSON instead of HTML."""
        return _error(failure.code or 500, _describe(failure))

    @app.errorhandler(Exception)
    def unexpected_error(failure: Exception) -> tuple[Response, int]:
        """Answer a bug with a plain 500: no stack trace leaves the process."""
        # Only the type: the message of an arbitrary exception may quote request content.
        logger.error("Unexpected failure while answering: %s", type(failure).__name__)
        return _error(500, "The skill could not answer this request. Please try again.")

    return app


class DepthLimitedRequest(Request):
    """A request whose JSON body is refused with a 400 when nested too deep to parse safely."""

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        """Parse the body as JSON, as Flask does, after checking how deeply it nests."""
        # Checked even when silent: like the size limit, this is a refusal, not a parse error.
        if (force or self.is_json) and json_depth(self.get_data(cache=True)) > MAX_JSON_DEPTH:
            raise BadRequest(f"The JSON body nests more than {MAX_JSON_DEPTH} levels deep.")
        return super().get_json(force=force, silent=silent, cache=cache)


def make_server(
    host: str = "127.0.0.1",
    port: int = 8080,
    insecure_dev: bool = False,
    config: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
):
    """Create (without starting) a waitress server for the app; port 0 picks a free port.

    ``settings`` override SERVER_SETTINGS, e.g. shorter timeouts in tests.
    """
    if insecure_dev:
        _refuse_non_loopback(host)
    app = create_app({**(config or {}), INSECURE_DEV_SETTING: insecure_dev})
    # The app answers bodies over MAX_BODY_BYTES with a JSON 413; the looser cap in the
    # server stops a huge body from being buffered at all.
    sockets: dict[int, Any] = {}
    server = waitress.create_server(
        app, map=sockets, host=host, port=port, **{**SERVER_SETTINGS, **(settings or {})}
    )
    for listener in sockets.values():
        if isinstance(listener, waitress.server.BaseWSGIServer):
            listener.channel_class = GuardedChannel
    return server


class GuardedRequestParser(HTTPRequestParser):
    """waitress's request parser, refusing at once what it would answer 501 or wait out."""

    def __init__(self, adj) -> None:
        super().__init__(adj)
        self.started = time.time()  # the clock waitress keeps last_activity in

    def parse_header(self, header_plus: bytes) -> None:
        """Parse the headers; another transfer coding than chunked is the client's error."""
        try:
            super().parse_header(header_plus)
        except TransferEncodingNotImplemented:
            raise ParsingError("Only Transfer-Encoding: chunked is accepted") from None

    def received(self, data: bytes) -> int:
        """Take request bytes; refuse a chunk whose declared size is over the body limit."""
        consumed = super().received(data)
        body = self.body_rcv
        # waitress counts chunk bytes as they arrive, so a chunk declared 2**64 long would
        # be waited for until the connection times out instead of refused.
        limit = self.adj.max_request_body_size
        if (not self.completed and isinstance(body, ChunkedReceiver)
                and len(body) + body.chunk_remainder >= limit):
            self.error = ServerBodyTooLarge(f"exceeds max_body of {limit}")
            self.completed = True
            return len(data)
        return consumed


class JsonErrorTask(ErrorTask):
    """Answer the errors waitress finds itself (400, 413, 431...) in JSON, like the app."""

    def execute(self) -> None:
        """Write the error as {"error": ...} with the app's security headers."""
        error = self.request.error
        body = json.dumps({"error": _server_error_message(error)}).encode("utf-8")
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.response_headers.extend(SECURITY_HEADERS.items())
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class GuardedChannel(HTTPChannel):
    """A waitress connection that must deliver each request within channel_timeout."""

    parser_class = GuardedRequestParser
    error_task_class = JsonErrorTask

    def handle_read(self) -> None:
        """Read, but date the activity from the request's first byte while it is unfinished."""
        super().handle_read()
        pending = self.request
        if pending is not None and not pending.completed:
            # waitress closes channels idle for channel_timeout; a client trickling a header
            # line every few seconds is never idle, so count from when its request began.
            self.last_activity = min(self.last_activity, pending.started)


def _server_error_message(error) -> str:
    """Return a sentence for an error waitress found before the app saw the request."""
    if error.code == 413:
        return f"The request body is larger than {SERVER_BODY_LIMIT_BYTES // 1024} KiB."
    if error.code == 431:
        return f"The request headers are larger than {SERVER_HEADER_LIMIT_BYTES // 1024} KiB."
    if error.code == 400:
        return f"The request is not valid HTTP: {str(error.body).rstrip('.')}."
    return f"The server could not handle this request ({error.reason})."


def serve(host: str = "127.0.0.1", port: int = 8080, insecure_dev: bool = False) -> None:
    """Run the web service on waitress until interrupted, printing the URLs it answers."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    server = make_server(host, port, insecure_dev)
    if insecure_dev:
        banner = (
            "WARNING: INSECURE DEV MODE. Request signatures and timestamps are NOT checked; "
            "anyone who can reach this port can talk to the skill. Never expose it."
        )
        logger.warning(banner)
        print(f"\n{'!' * 78}\n{banner}\n{'!' * 78}\n", file=sys.stderr)
    lines = []
    for base in base_urls(server):
        lines += [f"Alexa endpoint: POST {base}{ALEXA_PATH}",
                  f"Health check:   GET  {base}{HEALTH_PATH}",
                  f"Clinic kiosk:   open {base}/ in a browser"]
    if not insecure_dev:
        lines.append("Alexa only calls https on port 443: put a TLS-terminating proxy in front "
                     "(deploy/nginx-kyphoplasty.conf).")
    # Flushed now: piped to a file or a service log, stdout is block-buffered and the
    # server never returns to flush it.
    print("\n".join(lines), flush=True)
    server.run()


def base_urls(server) -> list[str]:
    """Return http://host:port for every socket a waitress server listens on."""
    # A name like "localhost" can bind several sockets (IPv4 and IPv6): waitress then
    # returns a MultiSocketServer that lists them instead of one host and port.
    listening = getattr(server, "effective_listen", None) or [
        (server.effective_host, server.effective_port)
    ]
    return [f"http://{_url_host(host)}:{port}" for host, port in listening]


def _build_skill(skill_id: str | None) -> CustomSkill:
    """Build the real skill; imported late so the web layer loads without the catalogue."""
    from skill.alexa.handlers import build_skill

    return build_skill(skill_id=skill_id)


def _read_body() -> bytes:
    """Return the raw body, refusing more than MAX_BODY_BYTES whatever Content-Length says."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise RequestEntityTooLarge(_too_large())
    try:
        body = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise RequestEntityTooLarge(_too_large()) from None
    if len(body) > MAX_BODY_BYTES:
        raise RequestEntityTooLarge(_too_large())
    return body


def _too_large() -> str:
    """Say how large a request may be."""
    return f"The request body is larger than {MAX_BODY_BYTES // 1024} KiB."


class ReadOnceSerializer:
    """Wrap the SDK's serializer so the envelope we checked is not deserialized again.

    The envelope read by _check_sdk_reads (from the JSON verification already parsed) is
    handed, once, to the adapter's own deserialize call for the same payload in the same
    thread, so a request is parsed and deserialized once.
    """

    def __init__(self, inner):
        self.inner = inner
        self.held = threading.local()

    def remember(self, payload: str, obj_type, parsed: Any = None):
        """Deserialize payload (or its already parsed JSON) and hold it for the next request."""
        if parsed is not None and hasattr(self.inner, "read"):
            value = self.inner.read(parsed, obj_type)
        else:
            value = self.inner.deserialize(payload=payload, obj_type=obj_type)
        self.held.entry = (payload, obj_type, value)
        return value

    def deserialize(self, payload, obj_type):
        """Return the held envelope for this payload, or deserialize it afresh."""
        entry = getattr(self.held, "entry", None)
        self.held.entry = None
        if entry is not None and entry[1] is obj_type and entry[0] == payload:
            return entry[2]
        return self.inner.deserialize(payload=payload, obj_type=obj_type)

    def serialize(self, obj):
        """Serialize as the SDK does."""
        return self.inner.serialize(obj)


def _check_sdk_reads(reader: ReadOnceSerializer, body: bytes, envelope: dict[str, Any]) -> None:
    """Refuse with 400 a verified body the SDK cannot deserialize, before it answers 500."""
    try:
        reader.remember(body.decode("utf-8"), RequestEnvelope, envelope)
    except Exception:  # the SDK raises several types here; all mean "not Alexa's format"
        raise VerificationError("The request does not match Alexa's request format.") from None


def _error(status: int, message: str) -> tuple[Response, int]:
    """Return a JSON error body with a human message."""
    return jsonify(error=message), status


def _describe(failure: HTTPException) -> str:
    """Return the human description of an HTTP error."""
    return failure.description or failure.name


def _loggable(value: object) -> str:
    """Return a short, single-line, log-safe form of a request field."""
    if not isinstance(value, str) or not value:
        return "-"
    return _LOGGABLE.sub("?", value)[:120]


def _log_request(
    envelope: dict[str, Any] | None,
    outcome: str,
    status: int,
    started: float,
    reason: str | None = None,
) -> None:
    """Log one line per request: IDs and names only, never content or personal data."""
    alexa_request = (envelope or {}).get("request") or {}
    intent = alexa_request.get("intent") if isinstance(alexa_request, dict) else None
    latency_ms = (time.perf_counter() - started) * 1000
    logger.log(
        logging.INFO if status < 400 else logging.WARNING,
        "alexa request_id=%s type=%s intent=%s verification=%s status=%d latency_ms=%.1f%s",
        _loggable(alexa_request.get("requestId")),
        _loggable(alexa_request.get("type")),
        _loggable(intent.get("name") if isinstance(intent, dict) else None),
        outcome,
        status,
        latency_ms,
        f" reason={reason!r}" if reason else "",
    )


def _refuse_non_loopback(host: str) -> None:
    """Stop insecure dev mode from listening anywhere but this machine."""
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(
            f"Refusing to start in insecure dev mode on {host}: without signature checks "
            "anyone who can reach it could talk to the skill. Use 127.0.0.1 or ::1."
        )


def _url_host(host: str) -> str:
    """Bracket IPv6 literals for use in a URL."""
    return f"[{host}]" if ":" in host else host
