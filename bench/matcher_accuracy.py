"""Print the offline matcher's accuracy, rejection, red-flag recall and latency per file."""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from skill.catalogue import load_catalogue  # noqa: E402
from skill.matcher import EMERGENCY, FALLBACK, OUT_OF_SCOPE, QuestionMatcher  # noqa: E402

QUESTIONS = Path(__file__).resolve().parent / "questions"
TARGETS = {"emergency recall": 1.0, "in-scope accuracy": 0.95, "out-of-scope rejection": 0.90}


def read_questions(path: Path) -> list[tuple[str, str]]:
    """Read a question<TAB>expected file."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [(row["question"], row["expected"]) for row in rows]


def evaluate(matcher: QuestionMatcher, rows: list[tuple[str, str]]) -> dict:
    """Match every question and tally the figures the targets speak of."""
    tally: Counter = Counter()
    latencies, misses = [], []
    for question, expected in rows:
        started = time.perf_counter()
        got = matcher.match(question)
        latencies.append((time.perf_counter() - started) * 1000)
        want = FALLBACK if expected == OUT_OF_SCOPE else expected
        kind = ("emergency" if expected == EMERGENCY
                else "out-of-scope" if expected == OUT_OF_SCOPE else "in-scope")
        tally[kind] += 1
        if got.intent == want:
            tally[kind + " right"] += 1
        else:
            misses.append((question, expected, got.intent, got.confidence))
            if got.intent != FALLBACK:
                # Worse than declining: the patient hears a confident answer to another question.
                tally["wrong answers"] += 1
    rate = lambda kind: tally[kind + " right"] / tally[kind] if tally[kind] else 1.0  # noqa: E731
    return {
        "emergency recall": rate("emergency"),
        "in-scope accuracy": rate("in-scope"),
        "out-of-scope rejection": rate("out-of-scope"),
        "wrong answers": tally["wrong answers"],
        "questions": len(rows),
        "counts": dict(tally),
        "latency ms p50": statistics.median(latencies),
        "latency ms max": max(latencies),
        "misses": misses,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="*", type=Path,
                        default=sorted(QUESTIONS.glob("en-US*.tsv")))
    parser.add_argument("--misses", action="store_true",
                        help="list every question it got wrong (development sets only)")
    parser.add_argument("--blind-misses", action="store_true",
                        help="also list a blind set's misses (once read, it is no longer blind)")
    args = parser.parse_args()
    started = time.perf_counter()
    matcher = QuestionMatcher(load_catalogue("en-US"))
    print(f"matcher built in {(time.perf_counter() - started) * 1000:.0f} ms")
    failed = False
    for path in args.files:
        result = evaluate(matcher, read_questions(path))
        print(f"\n{path.name}: {result['counts']}")
        for name, target in TARGETS.items():
            ok = result[name] >= target
            failed |= not ok
            verdict = "ok" if ok else "MISSED"
            print(f"  {name:24} {result[name]:7.1%}  (target {target:.0%}) {verdict}")
        print(f"  wrong topic answered     {result['wrong answers']:4d} of "
              f"{result['questions']} questions (the rest of the misses declined)")
        print(f"  latency per question     p50 {result['latency ms p50']:.2f} ms, "
              f"max {result['latency ms max']:.2f} ms")
        if args.misses and "blind" in path.name and not args.blind_misses:
            print("    (misses of a blind set are not listed: it must never be tuned on)")
        elif args.misses:
            for question, expected, got, confidence in result["misses"]:
                print(f"    {expected:28} -> {got:28} {confidence:.2f}  {question}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
