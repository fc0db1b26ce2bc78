"""Shared fixtures: the real catalogue, the real skill, and envelopes as Alexa sends them."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from skill.alexa.handlers import build_skill
from skill.catalogue import RESPONSES_DIR, load_catalogue
from skill.understanding.conversation import Conversation
from tests.pki import build_pki

ENVELOPES = Path(__file__).parent / "envelopes"


@pytest.fixture(scope="session")
def catalogue():
    """The shipped en-US catalogue with the example clinic."""
    return load_catalogue("en-US")


@pytest.fixture(scope="session")
def skill(catalogue):
    """The real ask-sdk-core skill built from the shipped catalogue."""
    return build_skill(catalogue)


@pytest.fixture
def conversation(skill, catalogue):
    """A fresh session with the real skill."""
    return Conversation(skill, catalogue)


@pytest.fixture
def envelope():
    """Return a deep copy of a golden request envelope by name."""
    def load(name: str) -> dict:
        return copy.deepcopy(json.loads((ENVELOPES / f"{name}.json").read_text()))
    return load


@pytest.fixture
def responses_copy(tmp_path):
    """A writable copy of responses/ for tests that break the catalogue on purpose."""
    target = tmp_path / "responses"
    shutil.copytree(RESPONSES_DIR, target)
    return target


@pytest.fixture(scope="session")
def pki():
    """One generated test PKI for the whole run: RSA key generation is the slow part."""
    return build_pki()
