"""Send malformed and slow HTTP over raw loopback sockets to the real app on real waitress."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import selectors
import socket
import subprocess
import sys
import threading
import time

import pytest

from skill.alexa.web import SERVER_SETTINGS, make_server
from skill.catalogue import PROJECT_ROOT

# Long enough to tell "answered" from "waited out", far below waitress's own timeouts.
ANSWER_WITHIN_SECONDS = 5


@contextlib.contextmanager
def running(settings=None, tmp_path=None):
    """Run the app (insecure dev, loopback, kiosk on an empty audio folder) on waitress."""
    config = {"KIOSK_AUDIO_DIR": str(tmp_path)} if tmp_path else {"KIOSK": False}
    server = make_server("127.0.0.1", 0, insecure_dev=True, config=config, settings=settings)

    def run_until_closed():
        try:
            server.run()
        except OSError:
            pass  # closing the sockets from this thread is how the loop ends

    thread = threading.Thread(target=run_until_closed, name="waitress-under-test", daemon=True)
    thread.start()
    try:
        yield int(server.effective_port)
    finally:
        server.close()
        thread.join(timeout=5)
        assert not thread.is_alive()


@pytest.fixture(scope="module")
def port(tmp_path_factory):
    """One real server with the shipped settings for the module's raw-socket tests."""
    with running(tmp_path=tmp_path_factory.mktemp("audio")) as bound:
        yield bound


def exchange(port: int, raw: bytes) -> tuple[int, http.client.HTTPMessage, bytes]:
    """Send raw bytes, then read and parse whatever HTTP response comes back."""
    with socket.create_connection(("127.0.0.1", port), timeout=ANSWER_WITHIN_SECONDS) as sock:
        sock.sendall(raw)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, response.headers, response.read()


def assert_json_refusal(status, headers, body, expected_status) -> str:
    """Assert a JSON error body with a sentence and the security headers, and return it."""
    assert status == expected_status
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    message = json.loads(body)["error"]
    assert message.endswith(".") and "waitress" not in message
    return message


def post_head(path: str, *lines: str) -> bytes:
    """Return a POST request head with extra header lines, ready for a body."""
    return "\r\n".join([f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *lines, "", ""]).encode()


# --- HTTP that waitress itself refuses ----------------------------------------------------


def test_a_transfer_coding_other_than_chunked_is_a_json_400_not_a_501(port):
    raw = post_head("/alexa", "Transfer-Encoding: gzip, chunked") + b"0\r\n\r\n"
    message = assert_json_refusal(*exchange(port, raw), 400)
    assert "Transfer-Encoding: chunked" in message


def test_a_chunk_declared_larger_than_the_body_limit_is_refused_at_once(port):
    raw = post_head("/alexa", "Transfer-Encoding: chunked") + b"ffffffffffffffff\r\n{"
    message = assert_json_refusal(*exchange(port, raw), 413)
    assert "1024 KiB" in message


WAITRESS_REFUSALS = {
    "content-length not a number": (post_head("/alexa", "Content-Length: 12abc"), 400),
    "chunk size not hexadecimal": (
        post_head("/alexa", "Transfer-Encoding: chunked") + b"zz\r\n{}\r\n0\r\n\r\n", 400
    ),
    "body over the server's cap": (post_head("/alexa", "Content-Length: 2000000"), 413),
    "headers over the server's cap": (
        post_head("/alexa", "X-Padding: " + "a" * SERVER_SETTINGS["max_request_header_size"]),
        431,
    ),
    "request line not HTTP": (b"HELLO\r\n\r\n", 400),
}


@pytest.mark.parametrize(("raw", "status"), WAITRESS_REFUSALS.values(), ids=WAITRESS_REFUSALS.keys())
def test_errors_waitress_finds_itself_answer_in_json(port, raw, status):
    assert_json_refusal(*exchange(port, raw), status)


def test_a_chunked_alexa_request_in_several_chunks_is_still_answered(port):
    body = b'{"version":"1.0","request":{}}'
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:9], body[9:]))
    raw = post_head("/alexa", "Transfer-Encoding: chunked") + chunks + b"0\r\n\r\n"
    # The app, not waitress, refused it: it read the whole body and found no request type.
    assert assert_json_refusal(*exchange(port, raw), 400) == "The request has no type."


# --- JSON too deep, over the wire ---------------------------------------------------------


@pytest.mark.parametrize("path", ["/kiosk/ask", "/alexa"])
def test_json_nested_1000_deep_answers_a_json_400_over_http(port, path):
    body = ('{"question": ' + "[" * 1000 + '"Will I be asleep?"' + "]" * 1000 + "}").encode()
    raw = post_head(path, "Content-Type: application/json", f"Content-Length: {len(body)}")
    message = assert_json_refusal(*exchange(port, raw + body), 400)
    assert "64 levels" in message


# --- slow clients -------------------------------------------------------------------------


def trickle(sockets: list[socket.socket], rounds: int, pause: float) -> None:
    """Send each socket one more header line per round, never finishing the request."""
    for number in range(rounds):
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.sendall(f"X-Trickle-{number}: still typing\r\n".encode())
        time.sleep(pause)


def open_slow_clients(port: int, count: int) -> list[socket.socket]:
    """Open count connections that each start a request and send no more yet."""
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=ANSWER_WITHIN_SECONDS)
        sock.sendall(post_head("/alexa").rstrip(b"\r\n") + b"\r\n")
        sockets.append(sock)
    return sockets


def test_120_slow_clients_do_not_lock_out_the_kiosk_or_the_endpoint(tmp_path):
    with running(tmp_path=tmp_path) as port:
        slow = open_slow_clients(port, 120)
        trickler = threading.Thread(target=trickle, args=(slow, 8, 0.5), daemon=True)
        trickler.start()
        try:
            for _ in range(4):
                started = time.monotonic()
                connection = http.client.HTTPConnection(
                    "127.0.0.1", port, timeout=ANSWER_WITHIN_SECONDS
                )
                try:
                    connection.request("GET", "/healthz")
                    assert connection.getresponse().read() == b"ok\n"
                    connection.request(
                        "POST", "/kiosk/ask", body=json.dumps({"question": "Will I be asleep?"}),
                        headers={"Content-Type": "application/json"},
                    )
                    answer = connection.getresponse()
                    assert answer.status == 200
                    assert json.loads(answer.read())["intent"]
                finally:
                    connection.close()
                assert time.monotonic() - started < ANSWER_WITHIN_SECONDS
                time.sleep(0.5)
        finally:
            trickler.join(timeout=10)
            for sock in slow:
                sock.close()


def test_a_request_still_unfinished_after_channel_timeout_is_cut_off(tmp_path):
    timeout = 2
    with running({"channel_timeout": timeout, "cleanup_interval": 1}) as port:
        (slow,) = open_slow_clients(port, 1)
        started = time.monotonic()
        closed_after = None
        slow.settimeout(0.25)
        # A line every 0.25 s keeps it busy, so only the request's age can close it.
        while time.monotonic() - started < timeout + 6:
            try:
                slow.sendall(b"X-Trickle: still typing\r\n")
                if slow.recv(1024) == b"":
                    closed_after = time.monotonic() - started
                    break
            except TimeoutError:
                continue
            except OSError:
                closed_after = time.monotonic() - started
                break
        slow.close()
    assert closed_after is not None, "the trickling client was never disconnected"
    assert closed_after >= timeout - 0.5



# --- the URLs `make run` prints -----------------------------------------------------------


def test_serve_prints_its_urls_when_stdout_is_a_pipe(tmp_path):
    env = {**os.environ, "KIOSK_AUDIO_DIR": str(tmp_path)}
    env.pop("PYTHONUNBUFFERED", None)  # the server must flush by itself, as under `make run`
    # Unbuffered on this side, so select() sees every line the server has written.
    process = subprocess.Popen(
        [sys.executable, "-m", "skill", "serve", "--insecure-dev", "--port", "0"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        bufsize=0)
    lines: list[str] = []
    try:
        with selectors.DefaultSelector() as waiting:
            waiting.register(process.stdout, selectors.EVENT_READ)
            deadline = time.monotonic() + 30
            while not any(line.startswith("Clinic kiosk:") for line in lines):
                assert process.poll() is None, "the server stopped"
                assert waiting.select(timeout=deadline - time.monotonic()), (
                    f"no URLs on a pipe within 30 s; got {lines!r}")
                lines.append(process.stdout.readline().decode())
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
    urls = [line.split()[-1] for line in lines if line.startswith("Health check:")]
    assert urls and urls[0].startswith("http://127.0.0.1:") and urls[0].endswith("/healthz")
    port = int(urls[0].rsplit(":", 1)[1].split("/")[0])
    assert port > 0
