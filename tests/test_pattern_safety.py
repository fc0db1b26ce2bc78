"""Patterns from responses/ that backtrack catastrophically are found, and safe ones pass."""

from __future__ import annotations

import re

import pytest

from skill.catalogue import pattern_safety
from skill.catalogue.pattern_safety import probes, slow_patterns

# Each hangs on some question the kiosk accepts: nested repeats, overlapping alternatives,
# repeats that can split the same text many ways.
CATASTROPHIC = [
    r"^(a+)+$",
    r"(\w+\s?)*$",
    r"(a|aa)+b",
    r"(x+x+)+y",
    r"( ?[a-z]+)+$",
    r"(\d+)*x",
    r"\b(\w+ ?)+\bfever!",
    r"(chest|pain|\w+)+ now!",
    r".*.*.*=",
]
# Shapes the red-flag file uses: bounded word repeats, lookaheads, alternations.
SAFE = [
    r"chest (pain|pains|hurts?|tight\w*)",
    r"([\w']+ ){0,8}?\b(months?|years?) (ago|back)\b",
    r"\bwhat (if|happens if) (?!(this|it) (is|s)\b)([\w']+ ){0,7}\w+",
    r"(pain|pressure) .{0,30}\b(my|his|her) chest",
    r"(pain|pains)+ x",
]


@pytest.fixture(autouse=True)
def fresh_memory(monkeypatch):
    """Forget what earlier loads probed, so each test runs the child itself."""
    monkeypatch.setattr(pattern_safety, "_checked", {})


def test_catastrophic_patterns_are_found_and_safe_ones_pass():
    # Interleaved: a pattern after a hung one is still probed.
    mixed = [p for pair in zip(CATASTROPHIC, SAFE * 2, strict=False) for p in pair]
    assert slow_patterns(mixed) == [p for p in mixed if p in CATASTROPHIC]


def test_every_shipped_pattern_passes(catalogue):
    shipped = [p.pattern for p in (*catalogue.red_flag_exceptions, *catalogue.emergency_patterns,
                                   *(p for f in catalogue.red_flags for p in f.not_when),
                                   *catalogue.out_of_scope_patterns)]
    assert len(shipped) > 100
    assert slow_patterns(shipped) == []


def test_probes_pump_the_patterns_own_words_to_a_questions_length():
    made = list(probes(r"\b(legs? )+(gave way|numb)"))
    assert any(re.fullmatch(r"(legs )+[legs !]*", p) and len(p) >= 24 * 5 for p in made)
    assert max(map(len, made)) == pattern_safety.QUESTION_CHARS
    assert any(p.endswith("!") for p in made)


def test_a_repeated_check_asks_no_child(monkeypatch):
    assert slow_patterns([r"^(a+)+$", "ok"]) == [r"^(a+)+$"]
    started = pattern_safety.PatternCheck._start

    def start(check, patterns):
        assert not patterns, f"probed {patterns} again"
        started(check, patterns)
    monkeypatch.setattr(pattern_safety.PatternCheck, "_start", start)
    assert slow_patterns(["ok", r"^(a+)+$"]) == [r"^(a+)+$"]
