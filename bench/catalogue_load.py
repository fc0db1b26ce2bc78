"""Time loading responses/ in fresh interpreters: a full load, an answer-only load, a refusal.

Each run is a new `python -I` process, as `python -m skill` and a kiosk start are, timed
from the first import to the loaded catalogue: with the shape check (pydantic) and the
backtracking check of every pattern for a full load, with the shape check only for an
answer-only load. The refusal is a copy of responses/ with `^(a+)+$` as a red-flag signal.

    .venv/bin/python bench/catalogue_load.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The whole check must add well under this to a load (issue 10).
TARGET_CHECK_MS = 1000

RUN = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
started = time.perf_counter()
from skill.catalogue import CatalogueError, load_catalogue
try:
    load_catalogue(responses_dir=sys.argv[2] or None, with_samples=sys.argv[3] == "full")
    outcome = "loaded"
except CatalogueError as error:
    outcome = error.problems[0]
print(json.dumps({"ms": (time.perf_counter() - started) * 1000, "outcome": outcome}))
"""


def run_once(responses: str, mode: str) -> dict:
    """Load once in a fresh interpreter and return its time and outcome."""
    result = subprocess.run([sys.executable, "-I", "-c", RUN, str(PROJECT_ROOT), responses, mode],
                            capture_output=True, text=True, timeout=120, check=True)
    return json.loads(result.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters per case")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        slow = Path(folder) / "responses"
        shutil.copytree(PROJECT_ROOT / "responses", slow)
        red_flags = slow / "red-flags" / "en-US.toml"
        red_flags.write_text(red_flags.read_text(encoding="utf-8").replace(
            "signals = [\n", 'signals = [\n  "^(a+)+$",\n', 1), encoding="utf-8")
        cases = {"full load": ("", "full"), "answer-only load": ("", "answers"),
                 "refuse ^(a+)+$ (full load)": (str(slow), "full")}
        print(f"Catalogue load, median of {args.runs} fresh `python -I` runs "
              f"(Python {sys.version.split()[0]})")
        for name, (responses, mode) in cases.items():
            runs = [run_once(responses, mode) for _ in range(args.runs)]
            median = statistics.median(r["ms"] for r in runs)
            print(f"{name:<28} {median:8.1f} ms  {runs[0]['outcome'][-110:]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
