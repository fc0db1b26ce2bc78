"""Run the Makefile's first-hour checks as a new user would: missing Chromium, old Node."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from skill.catalogue import PROJECT_ROOT

MAKEFILE = PROJECT_ROOT / "Makefile"


def make(*args: str, cwd: Path = PROJECT_ROOT, env: dict[str, str] | None = None,
         timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run make with args and return what it printed, both streams together."""
    return subprocess.run(["make", "--no-print-directory", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def alone(tmp_path: Path) -> Path:
    """Copy the Makefile, and nothing else, into an empty folder; return the folder."""
    folder = tmp_path / "fresh"
    folder.mkdir()
    shutil.copy(MAKEFILE, folder / "Makefile")
    return folder


def test_make_test_stops_at_once_naming_the_install_command_when_it_cannot_install(tmp_path):
    folder = alone(tmp_path)
    result = make("test", "CHROMIUM=/nonexistent/chromium", "APT_GET=", cwd=folder)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "Run: sudo apt-get update && sudo apt-get install -y chromium" in output
    # Nothing was installed first: no virtualenv, no pip, no npm.
    assert not (folder / ".venv").exists()
    assert "pip" not in output and "npm" not in output and "venv" not in output


def test_make_test_installs_what_is_missing_with_apt_when_it_can(tmp_path):
    folder = alone(tmp_path)
    browser, calls = tmp_path / "chromium", tmp_path / "apt-calls"
    # Removing the real Chromium would break every other test on this machine: this stands
    # in for apt-get only, recording its calls and "installing" as it is asked to.
    apt = tmp_path / "apt-get"
    apt.write_text(f'#!/bin/sh\necho "$*" >> {calls}\n'
                   f'[ "$1" = install ] && printf "#!/bin/sh\\n" > {browser} && chmod +x {browser}\n'
                   "exit 0\n")
    apt.chmod(0o755)
    result = make("browser", f"CHROMIUM={browser}", f"APT_GET={apt}", cwd=folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Installing Debian's chromium" in result.stdout
    assert calls.read_text().splitlines() == ["update -qq", "install -y -qq chromium"]


def test_nothing_is_installed_when_chromium_and_nginx_are_there(tmp_path):
    result = make("browser", "APT_GET=/nonexistent/apt-get", cwd=alone(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def _expected_apt_get() -> str:
    if os.geteuid() == 0:
        return "apt-get"
    sudo = subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False)
    return "sudo apt-get" if sudo.returncode == 0 else ""


def test_apt_get_is_used_as_root_or_with_passwordless_sudo_only(tmp_path):
    show = "show-apt: ; @echo '[$(APT_GET)]'"
    result = make("--eval", show, "show-apt", cwd=alone(tmp_path))
    assert result.stdout.strip() == f"[{_expected_apt_get()}]"


def test_a_user_without_root_or_sudo_is_told_the_command(tmp_path):
    folder = alone(tmp_path)
    command = ["make", "--no-print-directory", "browser", "CHROMIUM=/nonexistent/chromium"]
    if os.geteuid() == 0:
        # 'nobody' has neither root nor sudo: the Makefile must work that out by itself.
        folder.chmod(0o755)
        tmp_path.chmod(0o755)
        command = ["runuser", "-u", "nobody", "--", *command]
    elif _expected_apt_get():
        pytest.skip("this user has passwordless sudo: the install case above applies")
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "Run: sudo apt-get update && sudo apt-get install -y chromium" in result.stdout


def node_reporting(tmp_path: Path, version: str) -> dict[str, str]:
    """Return an environment whose `node` reports version, to run the check against."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # Only the version check is exercised; installing an old Node here would replace the
    # machine's. (tests/test_virtual_alexa.py and test_lambda_package.py run the real one.)
    fake = bin_dir / "node"
    major = version.split(".")[0]
    fake.write_text(f'#!/bin/sh\ncase "$*" in --version) echo v{version};; *) echo {major};; esac\n')
    fake.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}


def test_the_real_node_gets_one_line():
    real = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True)
    result = make("-s", "node")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [result.stdout.strip()]
    assert result.stdout.startswith(f"Node.js {real.stdout.strip()}:")


@pytest.mark.parametrize(
    ("version", "status", "says"),
    [
        ("18.19.0", 0, "the tests and `make package` work; `serverless deploy` needs Node 20"),
        ("20.11.1", 0, "the tests, `make package` and `serverless deploy` work"),
        ("16.20.2", 2, "too old: the tests need 18 or newer"),
    ],
)
def test_the_node_check_says_what_this_version_can_do(tmp_path, version, status, says):
    result = make("-s", "node", env=node_reporting(tmp_path, version))
    assert result.returncode == status
    (line,) = result.stdout.splitlines()
    assert line.startswith(f"Node.js v{version}") and says in line
