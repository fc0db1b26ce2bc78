"""Measure POST /alexa throughput and latency on loopback against a bare Flask endpoint.

One waitress server, made by skill.alexa.web.make_server as `serve` makes it, answers both
POST /alexa (the real skill behind our request verification) and POST /bare (a fixed JSON
answer added to the same Flask app), so the ratio shows what verification and the skill
cost on top of Flask and waitress. By default every request is signed with a generated test
PKI (tests/pki.py) and goes through the real verification path: certificate URL, chain to
the test root, SAN, dates, Signature-256 over the body, timestamp and applicationId. The
chain download is answered at the requests boundary (a transport adapter; nothing leaves
the process) and then cached, as in production. --insecure-dev skips signature checks.

The load comes from a separate process (this script with --load), one keep-alive
connection per concurrent client, so client and server do not share a GIL.

    .venv/bin/python bench/alexa_endpoint.py [--levels 1 4 16] [--requests 2000] [--seconds 8]
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import logging
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import requests
from flask import jsonify, request

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

TARGET_RATIO = 0.5
BARE_PATH = "/bare"
# What the skill's welcome looks like on the wire, without the skill behind it.
BARE_ANSWER = {"version": "1.0", "response": {
    "outputSpeech": {"type": "SSML", "ssml": "<speak>Hello.</speak>"},
    "reprompt": {"outputSpeech": {"type": "SSML", "ssml": "<speak>Ask me.</speak>"}},
    "shouldEndSession": False}, "sessionAttributes": {}}


class CertificateHost(requests.adapters.BaseAdapter):
    """Answer Amazon's certificate URLs with the test chains; refuse everything else."""

    def __init__(self, chains: dict[str, bytes]):
        super().__init__()
        self.chains = chains

    def send(self, prepared, **kwargs):
        if prepared.url not in self.chains:
            raise requests.ConnectionError(f"the benchmark does not serve {prepared.url}")
        response = requests.Response()
        response.status_code = 200
        response.url = prepared.url
        response.request = prepared
        response.headers["Content-Length"] = str(len(self.chains[prepared.url]))
        response.raw = io.BytesIO(self.chains[prepared.url])
        return response

    def close(self):
        pass


def request_mix(catalogue) -> list[tuple[str, str | None]]:
    """Return the request kinds the load cycles through: launch, every topic, help."""
    kinds: list[tuple[str, str | None]] = [("LaunchRequest", None)]
    kinds += [("IntentRequest", intent) for intent in catalogue.topics]
    kinds += [("IntentRequest", "AMAZON.HelpIntent")]
    return kinds


def prepared_requests(pki, signed: bool, kinds) -> list[dict]:
    """Sign (or not) one body per request kind, stamped now, ready to replay."""
    from tests.pki import alexa_request, body_of

    prepared = []
    for kind, intent in kinds:
        body = body_of(alexa_request(kind, timestamp=datetime.now(UTC), intent=intent))
        headers = pki.signed_headers(body) if signed else {"Content-Type": "application/json"}
        prepared.append({"headers": headers, "body": body.decode("utf-8")})
    return prepared


def start_server(signed: bool, folder: Path):
    """Start the real server with a bare endpoint beside /alexa; return it and the PKI."""
    from skill.alexa import web
    from skill.alexa.verification import CertChainSource
    from tests.pki import CHAIN_NAMES, SKILL_ID, build_pki

    pki = build_pki()
    session = requests.Session()
    session.mount("https://", CertificateHost({pki.cert_url(n): pki.chains[n]
                                               for n in CHAIN_NAMES}))
    session.mount("http://", CertificateHost({}))
    config = {"ALEXA_SKILL_ID": SKILL_ID,
              "ALEXA_TRUST_ROOTS": str(pki.write_roots(folder)),
              "CERT_CHAINS": CertChainSource(session=session)}

    def bare():
        """Answer a fixed JSON after reading the body, as any JSON endpoint would."""
        request.get_data()
        return jsonify(BARE_ANSWER)

    create_app = web.create_app

    def app_with_bare_endpoint(settings):
        app = create_app(settings)
        app.add_url_rule(BARE_PATH, "bare", bare, methods=["POST"])
        return app

    # make_server builds its app inside; wrapping create_app keeps its exact waitress setup.
    with mock.patch.object(web, "create_app", app_with_bare_endpoint):
        server = web.make_server("127.0.0.1", 0, insecure_dev=not signed, config=config)
    threading.Thread(target=server.run, daemon=True).start()
    return server, pki


def run_load(url: str, requests_file: Path, concurrency: int, total: int,
             seconds: float) -> dict:
    """Run the load in a separate process and return its measurements."""
    command = [sys.executable, __file__, "--load", url, str(requests_file),
               "--concurrency", str(concurrency), "--requests", str(total),
               "--seconds", str(seconds)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if result.returncode != 0:
        raise SystemExit(f"load generator failed:\n{result.stderr}")
    return json.loads(result.stdout)


def load(url: str, requests_file: Path, concurrency: int, total: int, seconds: float) -> dict:
    """Send up to `total` requests over `concurrency` keep-alive connections for `seconds`."""
    parts = urlsplit(url)
    bodies = json.loads(requests_file.read_text())
    issued = iter(range(total))
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[str] = []

    def client() -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        mine, bad = [], []
        try:
            for _ in range(5):  # warm the connection and the server's caches
                send(connection, bodies[0])
            while time.perf_counter() < deadline:
                with lock:
                    number = next(issued, None)
                if number is None:
                    break
                prepared = bodies[number % len(bodies)]
                started = time.perf_counter()
                status = send(connection, prepared)
                mine.append(time.perf_counter() - started)
                if status != 200:
                    bad.append(str(status))
        finally:
            connection.close()
            with lock:
                latencies.extend(mine)
                failures.extend(bad)

    def send(connection: http.client.HTTPConnection, prepared: dict) -> int:
        connection.request("POST", parts.path, body=prepared["body"].encode("utf-8"),
                           headers=prepared["headers"])
        response = connection.getresponse()
        response.read()
        return response.status

    deadline = time.perf_counter() + seconds
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": len(ordered), "failures": len(failures),
        "failure_statuses": sorted(set(failures))[:5], "seconds": elapsed,
        "throughput": len(ordered) / elapsed if elapsed else 0.0,
        "p50_ms": statistics.median(ordered) * 1000 if ordered else float("nan"),
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        if ordered else float("nan"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 4, 16],
                        help="concurrent clients (default: %(default)s)")
    parser.add_argument("--requests", type=int, default=2000,
                        help="most requests per endpoint and level (default: %(default)s)")
    parser.add_argument("--seconds", type=float, default=8.0,
                        help="most seconds per endpoint and level (default: %(default)s)")
    parser.add_argument("--insecure-dev", action="store_true",
                        help="skip signature and timestamp checks (as `serve --insecure-dev`)")
    parser.add_argument("--load", nargs=2, metavar=("URL", "REQUESTS_JSON"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--concurrency", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.load:
        print(json.dumps(load(args.load[0], Path(args.load[1]), args.concurrency,
                              args.requests, args.seconds)))
        return 0

    from skill.alexa.web import ALEXA_PATH, base_urls
    from skill.catalogue import load_catalogue

    # Queueing is what the high concurrency levels measure; waitress warns on every item.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    signed = not args.insecure_dev
    mode = ("signed requests, real verification (test PKI, chain download answered "
            "in-process and cached)" if signed else "insecure dev (no signature checks)")
    with tempfile.TemporaryDirectory() as folder:
        server, pki = start_server(signed, Path(folder))
        base = base_urls(server)[0]
        kinds = request_mix(load_catalogue("en-US"))
        print(f"POST /alexa vs bare Flask on one waitress server ({server.adj.threads} threads), "
              f"{mode}; {len(kinds)} request kinds in rotation; at most {args.requests} "
              f"requests or {args.seconds:g} s per endpoint and level.")
        print(f"{'clients':>7} {'endpoint':<7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
              f"{'requests':>8} {'failed':>6}")
        ratios = {}
        try:
            for level in args.levels:
                requests_file = Path(folder) / "requests.json"
                # Signed afresh for each level so timestamps stay within Alexa's 150 s.
                requests_file.write_text(json.dumps(prepared_requests(pki, signed, kinds)))
                results = {}
                for name, path in (("bare", BARE_PATH), ("alexa", ALEXA_PATH)):
                    results[name] = run_load(f"{base}{path}", requests_file, level,
                                             args.requests, args.seconds)
                    r = results[name]
                    print(f"{level:>7} {name:<7} {r['throughput']:>8.0f} {r['p50_ms']:>8.2f} "
                          f"{r['p99_ms']:>8.2f} {r['requests']:>8} {r['failures']:>6}"
                          + (f"  statuses {r['failure_statuses']}" if r["failures"] else ""))
                ratios[level] = results["alexa"]["throughput"] / results["bare"]["throughput"]
        finally:
            server.close()
    for level, ratio in ratios.items():
        verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
        print(f"{level:>2} clients: /alexa throughput is {ratio:.2f}x the bare endpoint's "
              f"({verdict} the target of >= {TARGET_RATIO}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
