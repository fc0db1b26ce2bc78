"""Print the offline matcher's figures on every question set, against the targets."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from skill.catalogue import load_catalogue  # noqa: E402
from skill.understanding.matcher import (  # noqa: E402
    EMERGENCY,
    FALLBACK,
    OUT_OF_SCOPE,
    QuestionMatcher,
    read_question_set,
)

QUESTIONS = Path(__file__).resolve().parent / "questions"
# Issue 9's targets, on the blind sets. (name, target, True when higher is better)
TARGETS = (
    ("red-flag recall", 1.00, True),
    ("false emergencies", 0.01, False),
    ("confident wrong topic", 0.01, False),
    ("in-scope offered", 0.97, True),
    ("out-of-scope declined", 0.95, True),
)
read_questions = read_question_set


def verdict(got, expected: str) -> str:
    """Name what happened to one question: right, offered, declined, wrong or a false alarm."""
    if got.intent == EMERGENCY:
        return "right" if expected == EMERGENCY else "false emergency"
    if expected == EMERGENCY:
        return "missed red flag"
    if got.intent == FALLBACK:
        if expected == OUT_OF_SCOPE:
            return "right" if not got.choices else "offered choices"
        return "offered" if expected in got.choices else "declined"
    return "right" if got.intent == expected else "wrong"


def evaluate(matcher, rows: list[tuple[str, str]]) -> dict:
    """Match every question and tally the figures the targets speak of."""
    tally: Counter = Counter()
    latencies, misses = [], []
    for question, expected in rows:
        started = time.perf_counter()
        got = matcher.match(question)
        latencies.append((time.perf_counter() - started) * 1000)
        kind = ("emergency" if expected == EMERGENCY
                else "out-of-scope" if expected == OUT_OF_SCOPE else "in-scope")
        outcome = verdict(got, expected)
        tally[kind] += 1
        tally[f"{kind} {outcome}"] += 1
        if outcome not in ("right", "offered"):
            misses.append((question, expected, got.intent, got.choices, got.confidence))

    def share(count: int, kind: str) -> float:
        return count / tally[kind] if tally[kind] else 0.0

    others = tally["in-scope"] + tally["out-of-scope"]
    latencies.sort()
    return {
        "red-flag recall": share(tally["emergency right"], "emergency") if tally["emergency"]
        else 1.0,
        "false emergencies": (tally["in-scope false emergency"]
                              + tally["out-of-scope false emergency"]) / (others or 1),
        "confident wrong topic": (tally["in-scope wrong"] + tally["out-of-scope wrong"])
        / (len(rows) or 1),
        "in-scope offered": share(tally["in-scope right"] + tally["in-scope offered"],
                                  "in-scope"),
        "in-scope answered": share(tally["in-scope right"], "in-scope"),
        "out-of-scope declined": share(tally["out-of-scope right"], "out-of-scope"),
        "questions": len(rows),
        "counts": dict(tally),
        "latency ms p50": statistics.median(latencies),
        "latency ms p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "misses": misses,
    }


def meets(name: str, value: float, target: float, higher: bool) -> bool:
    """Tell whether a figure meets its target."""
    return value >= target if higher else value <= target


def kiosk_start_seconds(runs: int = 3) -> list[float]:
    """Time building the whole web app with its kiosk in fresh processes (matcher cached)."""
    import subprocess

    code = ("import time; s = time.perf_counter(); from skill.alexa.web import create_app; "
            "create_app({'INSECURE_DEV': True}); print(time.perf_counter() - s)")
    root = Path(__file__).resolve().parent.parent
    return sorted(float(subprocess.run([sys.executable, "-c", code], cwd=root, check=True,
                                       capture_output=True, text=True).stdout)
                  for _ in range(runs))


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
    print(f"matcher ready in {(time.perf_counter() - started) * 1000:.0f} ms "
          "(loaded from build/matcher/ when cached, trained otherwise)")
    starts = kiosk_start_seconds()
    print(f"kiosk start-up (web app, kiosk and matcher, fresh process): median "
          f"{starts[len(starts) // 2]:.2f} s, max {starts[-1]:.2f} s (target < 5 s)")
    failed = False
    for path in args.files:
        result = evaluate(matcher, read_questions(path))
        blind = path.name.startswith("en-US.blind")
        print(f"\n{path.name} ({'blind' if blind else 'development'}, "
              f"{result['questions']} questions)")
        for name, target, higher in TARGETS:
            ok = meets(name, result[name], target, higher)
            failed |= blind and not ok
            sign = ">=" if higher else "<="
            print(f"  {name:24} {result[name]:7.1%}  (target {sign} {target:.0%}) "
                  f"{'ok' if ok else 'MISSED'}")
        print(f"  {'in-scope answered':24} {result['in-scope answered']:7.1%}  "
              "(right at once, without choices)")
        print(f"  latency per question     p50 {result['latency ms p50']:.2f} ms, "
              f"p99 {result['latency ms p99']:.2f} ms")
        if args.misses and blind and not args.blind_misses:
            print("    (misses of a blind set are not listed: it must never be tuned on)")
        elif args.misses:
            for question, expected, got, choices, confidence in result["misses"]:
                offered = f" {list(choices)}" if choices else ""
                print(f"    {expected:26} -> {got:24}{offered} {confidence:.2f}  {question}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
