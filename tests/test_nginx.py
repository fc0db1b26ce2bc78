"""Run deploy/nginx-kyphoplasty.conf in a real nginx on loopback in front of the real app.

The shipped file is used as it is, with only its ports, upstream and certificate paths
changed for the test; every request below crosses nginx over HTTPS with a generated
certificate, and the app behind it verifies Alexa's signatures against the test PKI.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import select
import shutil
import socket
import ssl
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests_mock
from cryptography.hazmat.primitives import serialization

from skill.alexa.verification import CertChainSource
from skill.alexa.web import make_server
from skill.catalogue import PROJECT_ROOT
from tests.pki import CHAIN_NAMES, SKILL_ID, _ca, _leaf, _new_key, _pem
from tests.test_web import HEADER_ATTACKS, SIGNED_BAD_ENVELOPES, launch, signed

SITE = PROJECT_ROOT / "deploy" / "nginx-kyphoplasty.conf"
NGINX = Path(shutil.which("nginx") or "/usr/sbin/nginx")
SERVER_NAME = "skill.test"
BODY_CAP = 128 * 1024
# The shipped client_header_timeout and client_body_timeout.
CLIENT_TIMEOUT_SECONDS = 10


def free_port() -> int:
    """Return a loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def site_for_test(https_port: int, http_port: int, app_port: int, cert: Path, key: Path) -> str:
    """Return the shipped site with this test's ports and certificate, nothing else changed."""
    text = SITE.read_text(encoding="utf-8")
    changes = [
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("    listen [::]:443 ssl http2;\n", ""),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("    listen [::]:80;\n", ""),
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};"),
        ("/etc/letsencrypt/live/skill.example.org/fullchain.pem", str(cert)),
        ("/etc/letsencrypt/live/skill.example.org/privkey.pem", str(key)),
    ]
    for old, new in changes:
        assert text.count(old) == 1, f"{SITE.name} no longer has exactly one {old!r}"
        text = text.replace(old, new)
    return text


def main_config(prefix: Path) -> str:
    """Return an nginx.conf that runs in the foreground from prefix and includes the site."""
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                            "uwsgi", "scgi")
    )
    return f"""daemon off;
master_process off;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} info;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log {prefix / "access.log"};
{temp}
    include {prefix / "kyphoplasty.conf"};
}}
"""


def server_certificate(directory: Path) -> tuple[Path, Path, bytes]:
    """Write a certificate for SERVER_NAME signed by a fresh root; return paths and root PEM."""
    now = datetime.now(UTC)
    root_key, leaf_key = _new_key(), _new_key()
    root = _ca("Test TLS root", root_key, root_key, None, now - timedelta(days=1),
               now + timedelta(days=2), None)
    leaf = _leaf(leaf_key, root, root_key, [SERVER_NAME], now - timedelta(days=1),
                 now + timedelta(days=1))
    cert, key = directory / "fullchain.pem", directory / "privkey.pem"
    cert.write_bytes(_pem(leaf) + _pem(root))
    key.write_bytes(leaf_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return cert, key, _pem(root)


@contextlib.contextmanager
def app_on_loopback(pki, roots: Path):
    """Run the real app, in production mode trusting the test PKI, on waitress."""
    with requests_mock.Mocker() as amazon:
        # Amazon's certificate host is out of reach: answer it with the test chains.
        for name in CHAIN_NAMES:
            amazon.get(pki.cert_url(name), content=pki.chains[name])
        server = make_server("127.0.0.1", 0, config={
            "ALEXA_SKILL_ID": SKILL_ID, "ALEXA_TRUST_ROOTS": str(roots),
            "CLOCK": lambda: pki.now, "CERT_CHAINS": CertChainSource(), "KIOSK": False,
        })
        thread = threading.Thread(target=_run_until_closed, args=(server,), daemon=True)
        thread.start()
        try:
            yield int(server.effective_port)
        finally:
            server.close()
            thread.join(timeout=5)


def _run_until_closed(server) -> None:
    with contextlib.suppress(OSError):  # closing the sockets is how the loop ends
        server.run()


@contextlib.contextmanager
def nginx_in(prefix: Path, https_port: int):
    """Start nginx with prefix/nginx.conf and wait until it accepts on https_port."""
    process = subprocess.Popen(
        [str(NGINX), "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
         "-e", str(prefix / "error.log")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode(errors="replace")
                raise AssertionError(f"nginx stopped at start:\n{output}")
            with contextlib.suppress(OSError), socket.create_connection(
                    ("127.0.0.1", https_port), timeout=1):
                break
            assert time.monotonic() < deadline, "nginx did not start listening within 10 s"
            time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


class Front:
    """nginx on loopback: where to reach it and how to trust its certificate."""

    def __init__(self, https_port: int, http_port: int, root_pem: bytes, log: Path):
        self.https_port, self.http_port, self.log = https_port, http_port, log
        self.tls = ssl.create_default_context(cadata=root_pem.decode())

    def request(self, method: str, path: str, body=None, headers=None, *, chunked=False):
        """Send one HTTPS request through nginx; return (status, headers, body bytes)."""
        connection = _NamedHTTPSConnection(
            "127.0.0.1", self.https_port, timeout=15, context=self.tls)
        try:
            connection.request(method, path, body=body, headers=headers or {},
                               encode_chunked=chunked)
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def tls_socket(self) -> ssl.SSLSocket:
        """Open a non-blocking TLS connection to nginx and send nothing yet."""
        raw = socket.create_connection(("127.0.0.1", self.https_port), timeout=5)
        sock = self.tls.wrap_socket(raw, server_hostname=SERVER_NAME)
        sock.setblocking(False)
        return sock


class _NamedHTTPSConnection(http.client.HTTPSConnection):
    """Connect to an address but check the certificate against the name nginx serves."""

    def connect(self) -> None:
        """Open the TCP connection, then TLS for SERVER_NAME."""
        http.client.HTTPConnection.connect(self)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=SERVER_NAME)


@pytest.fixture(scope="module")
def front(pki, tmp_path_factory):
    """The real app behind the shipped nginx site on loopback, for the whole module."""
    prefix = tmp_path_factory.mktemp("nginx")
    roots = pki.write_roots(prefix)
    cert, key, root_pem = server_certificate(prefix)
    https_port, http_port = free_port(), free_port()
    with app_on_loopback(pki, roots) as app_port:
        (prefix / "kyphoplasty.conf").write_text(
            site_for_test(https_port, http_port, app_port, cert, key))
        (prefix / "nginx.conf").write_text(main_config(prefix))
        with nginx_in(prefix, https_port):
            yield Front(https_port, http_port, root_pem, prefix / "access.log")


def assert_json_error(status, headers, body, expected) -> str:
    """Assert a JSON error with a sentence, sent over HSTS, and return the sentence."""
    assert status == expected
    assert headers["Content-Type"] == "application/json"
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert headers["X-Content-Type-Options"] == "nosniff"
    message = json.loads(body)["error"]
    assert message.endswith(".")
    return message


# --- what Alexa sends arrives intact ------------------------------------------------------


def test_nginx_runs_the_shipped_site_as_it_is():
    output = subprocess.run([str(NGINX), "-v"], capture_output=True, text=True).stderr
    assert "nginx/1." in output
    assert "http2" in SITE.read_text() and "Strict-Transport-Security" in SITE.read_text()


def test_a_signed_launch_through_nginx_gets_the_welcome_over_https(pki, front):
    body, headers = signed(pki, launch(pki))
    status, response_headers, raw = front.request("POST", "/alexa", body, headers)
    assert status == 200
    assert response_headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    assert response_headers["X-Content-Type-Options"] == "nosniff"
    assert response_headers.get_all("X-Content-Type-Options") == ["nosniff"]
    answer = json.loads(raw)
    assert "kyphoplasty" in answer["response"]["outputSpeech"]["ssml"]


def test_a_chunked_signed_launch_through_nginx_is_answered(pki, front):
    body, headers = signed(pki, launch(pki))
    status, _, raw = front.request("POST", "/alexa", iter([body[:50], body[50:]]), headers,
                                   chunked=True)
    assert status == 200
    assert json.loads(raw)["version"] == "1.0"


@pytest.mark.parametrize("make", SIGNED_BAD_ENVELOPES.values(), ids=SIGNED_BAD_ENVELOPES.keys())
def test_signed_but_unacceptable_requests_through_nginx_answer_400(pki, front, make):
    assert_json_error(*front.request("POST", "/alexa", *signed(pki, make(pki))), 400)


@pytest.mark.parametrize("attack", HEADER_ATTACKS.values(), ids=HEADER_ATTACKS.keys())
def test_requests_failing_signature_checks_through_nginx_answer_400(pki, front, attack):
    body, headers = signed(pki, launch(pki))
    assert_json_error(*front.request("POST", "/alexa", body, attack(headers)), 400)


@pytest.mark.parametrize("chain", ["expired", "wrong_san", "untrusted_root", "self_signed"])
def test_untrustworthy_signing_chains_through_nginx_answer_400(pki, front, chain):
    assert_json_error(*front.request("POST", "/alexa", *signed(pki, launch(pki), chain=chain)),
                      400)


def test_plain_http_is_sent_to_https(front):
    connection = http.client.HTTPConnection("127.0.0.1", front.http_port, timeout=5)
    try:
        connection.request("GET", "/kiosk", headers={"Host": SERVER_NAME})
        response = connection.getresponse()
        assert response.status == 301
        assert response.getheader("Location") == f"https://{SERVER_NAME}/kiosk"
    finally:
        connection.close()


# --- the body cap -------------------------------------------------------------------------


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_128_kib_is_refused_by_nginx_with_a_json_413(pki, front, chunked, caplog):
    caplog.set_level(logging.INFO, logger="skill.alexa.web")
    envelope = launch(pki)
    envelope["session"]["attributes"]["padding"] = "x" * BODY_CAP
    body, headers = signed(pki, envelope)
    payload = iter([body]) if chunked else body
    reply = front.request("POST", "/alexa", payload, headers, chunked=chunked)
    assert "128 KiB" in assert_json_error(*reply, 413)
    assert not [r for r in caplog.records if r.name == "skill.alexa.web"], "the app saw the body"


# --- slow clients -------------------------------------------------------------------------


def _ended(sock: ssl.SSLSocket) -> bool:
    """Tell whether nginx has ended a connection whose request is unfinished."""
    if sock.pending() == 0 and not select.select([sock], [], [], 0)[0]:
        return False
    try:
        sock.recv(4096)  # the end of the stream, or an error response: either ends it
    except ssl.SSLWantReadError:
        return False  # only TLS housekeeping (a session ticket) arrived
    except OSError:
        pass  # reset or TLS alert
    return True


def test_slow_clients_are_cut_off_while_alexa_is_still_answered(pki, front):
    started = time.monotonic()
    tricklers = []
    for _ in range(120):
        sock = front.tls_socket()
        sock.sendall(f"POST /alexa HTTP/1.1\r\nHost: {SERVER_NAME}\r\n".encode())
        tricklers.append(sock)
    staller = front.tls_socket()
    staller.sendall(f"POST /alexa HTTP/1.1\r\nHost: {SERVER_NAME}\r\nContent-Length: 100\r\n"
                    "Content-Type: application/json\r\n\r\n{".encode())
    closed_at: dict[int, float] = {}
    answered = 0
    try:
        while time.monotonic() - started < CLIENT_TIMEOUT_SECONDS + 5 and len(closed_at) < 121:
            for number, sock in enumerate([*tricklers, staller]):
                if number in closed_at:
                    continue
                if _ended(sock):
                    closed_at[number] = time.monotonic() - started
                elif sock is not staller:
                    with contextlib.suppress(OSError):
                        sock.sendall(b"X-Trickle: still typing\r\n")
            if answered < 3:
                status, _, raw = front.request("POST", "/alexa", *signed(pki, launch(pki)))
                assert status == 200 and json.loads(raw)["version"] == "1.0"
                answered += 1
            time.sleep(1)
    finally:
        for sock in [*tricklers, staller]:
            sock.close()
    assert answered == 3
    assert len(closed_at) == 121, f"{121 - len(closed_at)} slow clients were never cut off"
    # A header line every second resets nothing: the whole header had 10 s.
    assert min(closed_at.values()) >= CLIENT_TIMEOUT_SECONDS - 1
    assert max(closed_at.values()) <= CLIENT_TIMEOUT_SECONDS + 4
