"""A fresh clone needs nothing beside it: no code, build file or test reaches outside the repo."""

from __future__ import annotations

import re
import subprocess

from skill.alexa.model import LEAFLET, leaflet_problems
from skill.catalogue import PROJECT_ROOT

# A path that climbs out of the project: "../shared", or the project root's parent.
OUTSIDE = re.compile(r"\.\./shared|PROJECT_ROOT\.parent\b|\bshared/source\b")


def tracked_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, check=True,
                            capture_output=True, text=True).stdout.split()
    return [name for name in listed
            if name.endswith((".py", ".toml", ".yml", ".sh", ".js", ".json", ".cfg"))
            or name in ("Makefile", ".ci/run")]


def test_nothing_reaches_outside_the_repo():
    offenders = []
    for name in tracked_files():
        if name == "tests/test_self_contained.py":
            continue
        text = (PROJECT_ROOT / name).read_text(encoding="utf-8", errors="replace")
        offenders += [f"{name}: {m.group(0)}" for m in OUTSIDE.finditer(text)]
    assert offenders == []


def test_the_leaflet_ships_in_the_repo(catalogue):
    assert LEAFLET.is_relative_to(PROJECT_ROOT)
    assert LEAFLET.is_file()
    assert leaflet_problems(catalogue, LEAFLET) == []


def test_a_missing_leaflet_says_where_it_was_looked_for(catalogue, tmp_path):
    missing = tmp_path / "leaflet.txt"
    [problem] = leaflet_problems(catalogue, missing)
    assert str(missing) in problem and "LEAFLET_PATH" in problem
