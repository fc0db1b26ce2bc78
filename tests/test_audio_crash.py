"""`export-audio` under faults: kill -9 at every file operation and at timed points, a full disk.

After each fault the folder is read back as a kiosk would read it: every manifest entry's file
exists with the manifest's sha256 and size, no file under a final name is half-written, and a
rerun finishes the export.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from skill.alexa.clips import MANIFEST
from skill.audio.export import CLIP_FILE, export_audio
from skill.audio.mp3 import check_alexa_compliant
from skill.catalogue import PROJECT_ROOT, load_catalogue
from tests.test_audio_export import CHANGED_DRIVING, with_changed_text

# Runs one export in a child process that kills itself with SIGKILL at the nth call of an os
# function (before or after the call), so every write, rename and removal is a crash point.
# {module} and {export} name the export (test_audio_phone_crash runs the phone one).
KILLED_AT_EXPORT = r"""
import os, signal, sys
from skill.audio.{module} import {export}
from skill.catalogue import load_catalogue

folder, responses, point, nth = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
function, when = point.split("-")
real, calls = getattr(os, function), [0]

def crashing(*args, **kwargs):
    calls[0] += 1
    if calls[0] == nth and when == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    result = real(*args, **kwargs)
    if calls[0] == nth and when == "after":
        os.kill(os.getpid(), signal.SIGKILL)
    return result

setattr(os, function, crashing)
{export}(load_catalogue("en-US", responses_dir=responses), folder, engine="espeak")
"""
KILLED_AT = KILLED_AT_EXPORT.format(module="export", export="export_audio")

CRASH_POINTS = ["fsync-before", "replace-before", "replace-after", "unlink-before",
                "unlink-after"]


def read_back(folder: Path) -> list[dict]:
    """Check the folder as a reader would and return the manifest's entries."""
    names = [path.name for path in folder.iterdir()]
    for name in names:
        named = CLIP_FILE.fullmatch(name)
        if named and named["hash"]:  # a final name: its bytes must be whole
            digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
            assert digest.startswith(named["hash"]), f"{name} is not the file its name promises"
    if MANIFEST not in names:
        return []
    entries = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["clips"]
    check_listed(folder, entries, lambda data: check_alexa_compliant(data) == [])
    return entries


def check_listed(folder: Path, entries: list[dict], playable) -> None:
    """Check every listed file exists with the manifest's sha256 and size, and is playable."""
    for entry in entries:
        path = folder / entry["file"]
        assert path.is_file(), f"the manifest lists {entry['file']}, which is missing"
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file"]
        assert len(data) == entry["bytes"], entry["file"]
        assert playable(data), entry["file"]


def finishes(folder: Path, catalogue) -> None:
    """Run the export again and check it completes, consistent and with nothing left over."""
    result = export_audio(catalogue, folder, engine="espeak")
    assert not result.failed
    entries = read_back(folder)
    assert [(e["id"], e["text"]) for e in entries] == [(c.id, c.text) for c in catalogue.clips()]
    assert not [name.name for name in folder.iterdir() if name.name.endswith(".part")]
    listed = {entry["file"] for entry in entries}
    assert {path.name for path in folder.glob("*.mp3")} == listed  # old files all removed


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """One full espeak export of the shipped catalogue to copy from."""
    folder = tmp_path_factory.mktemp("exported") / "en-US"
    export_audio(load_catalogue("en-US"), folder, engine="espeak")
    return folder


@pytest.fixture
def changed(responses_copy):
    """A catalogue with one answer reworded and one question retitled: a typical re-export."""
    shipped = load_catalogue("en-US")
    with_changed_text(responses_copy, shipped.topic("DrivingIntent").answer, CHANGED_DRIVING)
    with_changed_text(responses_copy, 'question = "Can I drive afterwards?"',
                      'question = "May I drive after kyphoplasty?"')
    return responses_copy


def killed_at_each_call(script: str, exported: Path, changed: Path, tmp_path: Path, point: str,
                        most: int):
    """Yield the folder a re-export leaves when killed at the nth call of point, n = 1, 2, ..."""
    for nth in range(1, most + 1):
        folder = Path(shutil.copytree(exported, tmp_path / f"{point}-{nth}"))
        child = subprocess.run([sys.executable, "-c", script, str(folder), str(changed),
                                point, str(nth)], cwd=PROJECT_ROOT, capture_output=True,
                               text=True, timeout=120)
        if child.returncode == 0:
            return  # the export did fewer such calls than nth: every one has been a crash point
        assert child.returncode == -signal.SIGKILL, child.stderr
        yield folder
    pytest.fail(f"the export still called {point} after {most} calls")


def killed_after(command: list[str], seconds: float) -> bool:
    """Run an export, kill -9 it if it is still running after seconds; tell whether it was."""
    child = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        child.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        return True
    return False


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_kill_9_at_every_file_operation_leaves_a_consistent_folder(exported, changed, tmp_path,
                                                                  point):
    catalogue = load_catalogue("en-US", responses_dir=changed)
    old = {e["id"]: e for e in read_back(exported)}
    new_texts = {clip.id: clip.text for clip in catalogue.clips()}
    killed = 0
    for folder in killed_at_each_call(KILLED_AT, exported, changed, tmp_path, point, 59):
        killed += 1
        entries = read_back(folder)
        assert entries, "a crash lost the manifest"
        for entry in entries:  # each entry is the old clip or the new one, never a mixture
            assert entry == old[entry["id"]] or entry["text"] == new_texts[entry["id"]]
        finishes(folder, catalogue)
    assert killed >= 1


def test_kill_9_at_timed_points_of_a_first_export(tmp_path):
    catalogue = load_catalogue("en-US")
    command = [sys.executable, "-m", "skill", "export-audio", "--engine", "espeak", "--out"]
    started = time.monotonic()
    subprocess.run([*command, str(tmp_path / "timing")], cwd=PROJECT_ROOT, check=True,
                   capture_output=True, timeout=120)
    whole = time.monotonic() - started
    folder = tmp_path / "en-US"
    # Crash after a spread of delays, each run resuming what the crashed one left behind.
    for fraction in (0.15, 0.3, 0.45, 0.55, 0.65, 0.75, 0.85, 0.92, 0.97):
        killed_after([*command, str(folder)], whole * fraction)
        if folder.exists():
            read_back(folder)
    finishes(folder, catalogue)


# ---- a full disk ----


@pytest.fixture
def small_disk(tmp_path):
    """Mount tmpfs file systems of a given size under tmp_path; unmount them all afterwards."""
    mounted = []

    def mount(size: str) -> Path:
        point = tmp_path / f"disk-{len(mounted)}"
        point.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)],
                       check=True, capture_output=True, text=True)
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", str(point)], check=True)


def grow(point: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(point)], check=True)


def export_command(folder: Path, environment=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "skill", "export-audio", "--engine", "espeak",
                           "--out", str(folder)], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=120, env=environment)


def assert_one_clear_line(run: subprocess.CompletedProcess, folder: Path) -> None:
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith(f"Cannot write {folder}/") and "No space left on device" in last


@pytest.mark.parametrize("size", ["8k", "40k", "200k", "600k", "1200k", "1700k"])
def test_a_full_disk_on_a_first_export_is_one_line_and_resumes(small_disk, size):
    point = small_disk(size)
    folder = point / "en-US"
    run = export_command(folder)
    assert_one_clear_line(run, folder)
    read_back(folder)
    grow(point, "8m")
    finishes(folder, load_catalogue("en-US"))


def renamed_clinic(tmp_path: Path) -> dict[str, str]:
    """Return an environment whose clinic has a new name, so every clip's tag changes."""
    settings = tmp_path / "clinic.toml"
    text = (PROJECT_ROOT / "responses" / "clinic.toml").read_text(encoding="utf-8")
    assert text.count('name = "Example Spine Clinic"') == 1
    settings.write_text(text.replace('name = "Example Spine Clinic"',
                                     'name = "Riverside Spine Clinic"'), encoding="utf-8")
    return {**os.environ, "CLINIC_SETTINGS": str(settings)}


def blocks(folder: Path, pattern: str | None = None) -> int:
    """Return the KiB a folder's files (or those matching pattern) take on tmpfs, in 4 KiB pages."""
    files = folder.glob(pattern) if pattern else folder.iterdir()
    return sum(-(-path.stat().st_size // 4096) * 4 for path in files)


@pytest.mark.parametrize("spare_kib", [4, 60, 400, 1200])
def test_a_full_disk_while_re_exporting_keeps_the_previous_export(small_disk, exported,
                                                                  tmp_path, spare_kib):
    point = small_disk(f"{blocks(exported) + 8 + spare_kib}k")
    folder = Path(shutil.copytree(exported, point / "en-US"))
    before = (folder / MANIFEST).read_bytes()
    environment = renamed_clinic(tmp_path)
    run = export_command(folder, environment)
    assert_one_clear_line(run, folder)
    # The previous manifest, or one listing the clips finished before the disk filled and the
    # earlier files of the rest: either way no clip whose words are unchanged goes unlisted.
    catalogue = load_catalogue("en-US", clinic_path=Path(environment["CLINIC_SETTINGS"]))
    old_texts = {e["id"]: e["text"] for e in json.loads(before)["clips"]}
    unchanged = {clip.id for clip in catalogue.clips() if clip.text == old_texts[clip.id]}
    assert len(unchanged) > 20 and unchanged <= {e["id"] for e in read_back(folder)}
    grow(point, "8m")
    finishes(folder, catalogue)
    assert json.loads((folder / MANIFEST).read_text())["album"].startswith("Riverside")
