"""Measure the kiosk page's weight and its time to first play in headless Chromium on loopback.

    .venv/bin/python bench/kiosk_page.py [--runs 5] [--audio DIR]

Weight is the HTML, CSS and JavaScript the page loads (audio excluded); the target is under
100 KB. The page's own red-flag check is timed on every question in bench/questions
(red-flags.js unpacking and compiling the rules once, then each question 5 times: 13,000
questions 50 times each took over ten minutes), and the take-home handout is printed to
PDF on A4 and Letter (pages, target at most 3, and time).

Time to first play runs from the start of navigation, through tapping the first
question as soon as the page is interactive, to its clip playing; each run is a fresh
browser context, so nothing is cached. Uses the export in DIR (default: the locale's
dist/audio folder), or exports with espeak into a temporary folder when there is none.
"""

from __future__ import annotations

import argparse
import csv
import logging
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from skill.alexa.clips import MANIFEST, audio_dir  # noqa: E402
from skill.catalogue import DEFAULT_LOCALE, load_catalogue  # noqa: E402
from skill.kiosk import kiosk_blueprint  # noqa: E402
from skill.kiosk.handout import write_handout_pdf  # noqa: E402
from tests.kiosk_support import CHROMIUM_ARGS, chromium_path, export_audio, serve  # noqa: E402

TARGET_BYTES = 100 * 1024
MAX_HANDOUT_PAGES = 3
QUESTIONS = Path(__file__).resolve().parent / "questions"
# Runs in the page: compile the shipped rules, then time each question's verdict.
RED_FLAG_TIMING = """async questions => {
    const packed = JSON.parse(document.getElementById('kiosk-data').textContent).red_flags_packed;
    const u0 = performance.now();
    const rules = await RedFlags.unpack(packed, '/nowhere');
    const unpackMs = performance.now() - u0;
    const t0 = performance.now();
    const flags = new RedFlags(rules);
    const compileMs = performance.now() - t0;
    const perQuestion = questions.map(q => {
        const start = performance.now();
        for (let i = 0; i < 5; i++) flags.find(q);
        return (performance.now() - start) / 5;
    });
    const patterns = rules.everywhere.length + rules.categories.reduce(
        (n, c) => n + c.signals.length + c.not_when.length, 0);
    return {unpackMs, compileMs, perQuestion, patterns, categories: rules.categories.length};
}"""
PAGE_TYPES = {"document": "HTML", "stylesheet": "CSS", "script": "JS"}
# Records when the first question is tapped and when its clip starts playing.
TIMING_SCRIPT = """
window.__kiosk = {};
document.addEventListener('click', () => { window.__kiosk.tap ??= performance.now(); }, true);
document.addEventListener('playing', () => { window.__kiosk.playing ??= performance.now(); }, true);
"""


def measure_once(browser, base: str) -> dict:
    """Load the page cold, tap the first question, and time it and weigh the page."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(TIMING_SCRIPT)
    page = context.new_page()
    responses = []
    # A lambda, not responses.append: Playwright tags every handler with an attribute, which
    # a built-in method cannot carry.
    page.on("response", lambda response: responses.append(response))
    page.goto(base + "/", wait_until="domcontentloaded")
    page.locator("button.question").first.click()
    page.wait_for_function("() => window.__kiosk.playing !== undefined", timeout=15_000)
    timing = page.evaluate("""() => ({
        ready: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
        tap: window.__kiosk.tap, playing: window.__kiosk.playing })""")
    page.wait_for_load_state("load")
    # Weighed once the page has loaded: a body read inside the response handler, while the
    # next script was still arriving, left red-flags.js out of the total.
    weights = dict.fromkeys(PAGE_TYPES.values(), 0)
    foreign = [response.url for response in responses if not response.url.startswith(base)]
    for response in responses:
        kind = PAGE_TYPES.get(response.request.resource_type)
        if kind:
            weights[kind] += len(response.body())
    context.close()
    if foreign:
        raise SystemExit(f"The kiosk reached beyond this machine: {foreign}")
    return {**timing, "weights": weights}


def red_flag_timing(browser, base: str) -> dict:
    """Time the page's red-flag check on every question in the bench's question sets."""
    questions = []
    for path in sorted(QUESTIONS.glob("*.tsv")):
        with path.open(encoding="utf-8", newline="") as rows:
            questions += [row["question"] for row in csv.DictReader(rows, delimiter="\t")]
    page = browser.new_page()
    page.goto(base + "/")
    result = page.evaluate(RED_FLAG_TIMING, questions)
    page.close()
    return {**result, "questions": len(questions)}


def handout_pages(catalogue, paper: str, folder: Path) -> tuple[int, float]:
    """Print the handout to PDF; return its page count and the seconds it took."""
    import subprocess

    start = time.perf_counter()
    # Its own thread: Playwright's sync API refuses to nest inside another one's loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        out = pool.submit(write_handout_pdf, catalogue, folder / f"{paper}.pdf", paper).result()
    seconds = time.perf_counter() - start
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    pages = next(int(line.split()[1]) for line in info.splitlines() if line.startswith("Pages:"))
    return pages, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cold loads to time (default 5)")
    parser.add_argument("--audio", type=Path, help="exported audio folder (with manifest.json)")
    parser.add_argument("--locale", default=DEFAULT_LOCALE)
    args = parser.parse_args(argv)

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    catalogue = load_catalogue(args.locale)
    folder = args.audio or audio_dir(args.locale)
    with tempfile.TemporaryDirectory() as scratch:
        if not (folder / MANIFEST).exists():
            print(f"No export in {folder}; exporting with espeak into a temporary folder.")
            folder = export_audio(catalogue, Path(scratch))
        app = Flask("kiosk_bench")
        app.register_blueprint(kiosk_blueprint(catalogue, folder))
        with serve(app) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(chromium_path()),
                                                 args=CHROMIUM_ARGS)
            measure_once(browser, base)  # warm the server and the browser's own start-up
            runs = [measure_once(browser, base) for _ in range(args.runs)]
            flags = red_flag_timing(browser, base)
            browser.close()
        handouts = {paper: handout_pages(catalogue, paper, Path(scratch))
                    for paper in ("A4", "Letter")}

    weights = runs[-1]["weights"]
    total = sum(weights.values())
    parts = " + ".join(f"{kind} {size / 1024:.1f} KB" for kind, size in weights.items())
    verdict = "OK" if total < TARGET_BYTES else "OVER TARGET"
    print(f"Page weight (HTML+CSS+JS, no audio): {total / 1024:.1f} KB = {parts}; "
          f"target < {TARGET_BYTES // 1024} KB: {verdict}")
    first_play = statistics.median(r["playing"] for r in runs)
    ready = statistics.median(r["ready"] for r in runs)
    tap_to_play = statistics.median(r["playing"] - r["tap"] for r in runs)
    print(f"Time to first play (navigation start -> first clip playing), median of {args.runs} "
          f"cold loads on loopback: {first_play:.0f} ms "
          f"(page interactive at {ready:.0f} ms; tap -> playing {tap_to_play:.0f} ms)")
    times = sorted(flags["perQuestion"])
    print(f"Red-flag check in the page: {flags['patterns']} patterns in "
          f"{flags['categories']} categories unpacked in {flags['unpackMs']:.1f} ms and "
          f"compiled in {flags['compileMs']:.1f} ms; "
          f"per question over "
          f"{flags['questions']} questions: p50 {statistics.median(times) * 1000:.0f} us, "
          f"p99 {times[int(len(times) * 0.99)] * 1000:.0f} us, max {times[-1] * 1000:.0f} us")
    for paper, (pages, seconds) in handouts.items():
        verdict = "OK" if pages <= MAX_HANDOUT_PAGES else "OVER TARGET"
        print(f"Handout PDF ({paper}): {pages} pages, target <= {MAX_HANDOUT_PAGES}: {verdict}; "
              f"written in {seconds:.1f} s")
    fits = all(pages <= MAX_HANDOUT_PAGES for pages, _ in handouts.values())
    return 0 if total < TARGET_BYTES and fits else 1


if __name__ == "__main__":
    sys.exit(main())
