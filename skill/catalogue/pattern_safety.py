"""Refuse regular expressions from responses/ that backtrack catastrophically.

Red-flag signals, their not_when phrases and decline patterns run on every question, in
Python's `re` and in the kiosk page's JavaScript. Both engines backtrack, and both need the
lookaheads the patterns use, so a linear-time engine (RE2) cannot run them. Instead every
pattern is run here, before it is used, on strings made to trip nested or overlapping
repeats: its own words and a few letters pumped up to a question's length, ending in a
character that makes the match fail. A pattern that needs more than BUDGET_SECONDS for all
of them would hang a question; `^(a+)+$` needs 27 s for one 30-character question.

The probes run in a child interpreter so a hung match is killed rather than waited for,
from any thread. This file runs as that child (`python -I -S pattern_safety.py`) and so
imports nothing but the standard library.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

# The kiosk refuses longer questions (skill.kiosk MAX_QUESTION_CHARS), and Alexa's
# utterances are shorter still.
QUESTION_CHARS = 500
# Nested repeats double the work with each repetition of what they can split two ways:
# 24 repetitions are millions of steps, far past the budget, and still a short question.
REPETITIONS = 24
# Every probe of one pattern together. Safe patterns need about 0.1-3 ms.
BUDGET_SECONDS = 0.4
# A fresh interpreter on a busy machine.
STARTUP_SECONDS = 10.0
# Letters, digits, apostrophes and spaces: what red-flag text is made of.
PUMPS = ("a", "a ", "aa ", "ab", " ", "'", "0", "0 ")
# Probed at a question's full length too, for repeats that are slow but not exponential.
LONG_PUMPS = ("a", "a ", " ")
# How many of a pattern's own words to pump.
WORDS = 12
# How a probe ends: as it is, or with a character almost no pattern accepts.
ENDINGS = ("", "!")
# Patterns already probed, and whether they passed: reloading a catalogue costs nothing.
_checked: dict[str, bool] = {}


def probes(pattern: str) -> Iterator[str]:
    """Yield the strings a pattern must get through quickly."""
    literal = re.sub(r"\\.", " ", pattern)
    words = list(dict.fromkeys(re.findall(r"[a-z0-9']+", literal.lower())))[:WORDS]
    for pump in (*PUMPS, *words, *(f"{w} " for w in words)):
        yield from _pumped(pump, min(QUESTION_CHARS, max(2 * REPETITIONS, len(pump) * REPETITIONS)))
    for pump in LONG_PUMPS:
        yield from _pumped(pump, QUESTION_CHARS)


def _pumped(pump: str, length: int) -> Iterator[str]:
    """Yield pump repeated to length, with each ending."""
    body = pump * (length // len(pump) + 1)
    for ending in ENDINGS:
        yield body[: length - len(ending)] + ending


def slow_patterns(patterns: Sequence[str], budget: float = BUDGET_SECONDS) -> list[str]:
    """Return the patterns that take longer than budget on their probes, in order."""
    with PatternCheck(patterns, budget) as check:
        return check.slow(patterns)


class PatternCheck:
    """Probe patterns in a child started at once, so the caller's own work overlaps it."""

    def __init__(self, patterns: Sequence[str], budget: float = BUDGET_SECONDS) -> None:
        self.budget = budget
        self.child: subprocess.Popen | None = None
        self.running: list[str] = []
        self._start([p for p in dict.fromkeys(patterns) if p not in _checked])

    def slow(self, patterns: Sequence[str]) -> list[str]:
        """Return which of patterns (those started with, or any others) are too slow."""
        while True:
            if self.child is not None:
                done = _count_passed(self.child.stdout.fileno(), len(self.running), self.budget)
                self.close()
                for pattern in self.running[:done]:
                    _checked[pattern] = True
                if done < len(self.running):
                    _checked[self.running[done]] = False
                left = self.running[done + 1:]
            else:
                left = []
            left += [p for p in dict.fromkeys(patterns) if p not in _checked and p not in left]
            if not left:
                return [p for p in patterns if not _checked[p]]
            self._start(left)

    def _start(self, patterns: list[str]) -> None:
        self.running = patterns
        if not patterns:
            return
        self.child = subprocess.Popen(
            [sys.executable, "-I", "-S", str(Path(__file__).resolve())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
        try:
            self.child.stdin.write(json.dumps(patterns).encode())
            self.child.stdin.close()
        except OSError:
            self.close()
            raise

    def close(self) -> None:
        """Stop the child, finished or not."""
        if self.child is not None:
            self.child.kill()
            self.child.wait()
            self.child.stdout.close()
            self.child = None

    def __enter__(self) -> PatternCheck:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _count_passed(output: int, total: int, budget: float) -> int:
    """Count the child's lines until one pattern is late; return how many passed."""
    # Read the descriptor itself: a buffered reader could hold lines the selector never sees.
    lines = -1  # the child says "ready" first, so a slow start is not blamed on a pattern
    with selectors.DefaultSelector() as selector:
        selector.register(output, selectors.EVENT_READ)
        deadline = time.monotonic() + STARTUP_SECONDS
        while lines < total:
            if not selector.select(max(0.0, deadline - time.monotonic())):
                if lines < 0:
                    raise RuntimeError("the pattern check's child process did not start")
                return lines
            chunk = os.read(output, 4096)
            if not chunk:
                raise RuntimeError("the pattern check's child process stopped early")
            lines += chunk.count(b"\n")
            deadline = time.monotonic() + budget
    return total


def _probe_stdin() -> None:
    """Run as the child: probe each pattern from stdin, printing a line as each passes."""
    patterns = json.load(sys.stdin)
    print("ready", flush=True)
    for pattern in patterns:
        try:
            compiled = re.compile(pattern)
        except re.error:  # the loader reports it; nothing to time
            compiled = re.compile("")
        for probe in probes(pattern):
            for _ in compiled.finditer(probe):
                pass
        print(flush=True)


if __name__ == "__main__":
    _probe_stdin()
