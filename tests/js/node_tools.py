"""Find Node and the npm tools pinned in package.json, or fail saying how to install them.

The `node` tests fail rather than skip when the tools are missing: a skipped Lambda or
conversation test looks green while nothing was checked.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = PROJECT_ROOT / "node_modules"
INSTALL_COMMAND = "npm ci --no-audit --no-fund"


def node() -> str:
    """Return the path of the node executable."""
    found = shutil.which("node")
    if not found:
        pytest.fail("Node.js is not on PATH: install Node 20 (Debian: apt-get install nodejs npm), "
                    f"then run `{INSTALL_COMMAND}` in {PROJECT_ROOT}.", pytrace=False)
    return found


def npm_package(name: str) -> Path:
    """Return an installed npm package's folder, checking it is the version package.json pins."""
    node()
    pinned = json.loads((PROJECT_ROOT / "package.json").read_text(encoding="utf-8"))
    wanted = pinned["devDependencies"][name]
    folder = NODE_MODULES / name
    manifest = folder / "package.json"
    if not manifest.is_file():
        pytest.fail(f"npm package {name} is not installed: run `{INSTALL_COMMAND}` in "
                    f"{PROJECT_ROOT}.", pytrace=False)
    installed = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    if installed != wanted:
        pytest.fail(f"npm package {name} is {installed} but package.json pins {wanted}: run "
                    f"`{INSTALL_COMMAND}` in {PROJECT_ROOT}.", pytrace=False)
    return folder


def npm_bin(package: str, command: str) -> Path:
    """Return the executable an installed npm package provides (never npx: it may download)."""
    npm_package(package)
    path = NODE_MODULES / ".bin" / command
    if not path.exists():
        pytest.fail(f"{path} is missing: run `{INSTALL_COMMAND}` in {PROJECT_ROOT}.",
                    pytrace=False)
    return path
