"""`export-audio --format phone` under faults: kill -9, a full disk, bad input, real processes.

After each fault the folder is read back as a phone system would read it: every manifest entry
names a WAV that exists with the manifest's sha256 and size and is 8 kHz mono 8-bit G.711 by
libsndfile and by the RIFF parser in test_audio_phone (Python's `wave` cannot open format tags
6 and 7), no file under a final name is half-written, and a rerun finishes the export.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import soundfile

from skill.alexa.clips import MANIFEST
from skill.audio.export import CLIP_ID
from skill.audio.phone import CODECS, export_phone_audio
from skill.catalogue import PROJECT_ROOT, load_catalogue
from tests import test_audio_crash
from tests.test_audio_crash import (
    CRASH_POINTS,
    assert_one_clear_line,
    blocks,
    check_listed,
    grow,
    killed_after,
    killed_at_each_call,
)
from tests.test_audio_phone import read_phone_wav

# A phone clip's final name: its clip id and the first 12 hex of its sha256.
PHONE_FILE = re.compile(rf"(?P<id>{CLIP_ID.pattern}?)\.(?P<hash>[0-9a-f]{{12}})\.wav")

small_disk = test_audio_crash.small_disk  # tmpfs mounts of a given size, unmounted afterwards
changed = test_audio_crash.changed  # one answer reworded and one question retitled

# One phone export in a child process that kills itself at the nth call of an os function.
KILLED_AT = test_audio_crash.KILLED_AT_EXPORT.format(module="phone", export="export_phone_audio")


def check_wav(data: bytes, codec: str) -> bool:
    """Check a phone clip is what the phone format promises, by two independent readers."""
    import io

    info = soundfile.info(io.BytesIO(data))
    assert (info.format, info.subtype, info.samplerate, info.channels) == (
        "WAV", CODECS[codec][0], 8000, 1)
    samples = read_phone_wav(data, codec)  # format tag, 8 bits, byte rate, fact chunk
    assert len(samples) == info.frames and len(samples) / 8000 > 1.0
    return True


def read_back(folder: Path) -> list[dict]:
    """Check the folder as a phone system would and return the manifest's entries."""
    names = [path.name for path in folder.iterdir()]
    for name in names:
        named = PHONE_FILE.fullmatch(name)
        if named:  # a final name: its bytes must be whole
            digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
            assert digest.startswith(named["hash"]), f"{name} is not the file its name promises"
    if MANIFEST not in names:
        return []
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    codec = manifest["generated_with"]["format"]["codec"].removeprefix("G.711 ")
    check_listed(folder, manifest["clips"], lambda data: check_wav(data, codec))
    return manifest["clips"]


def codec_of(folder: Path) -> str:
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return manifest["generated_with"]["format"]["codec"]


def finishes(folder: Path, catalogue, codec: str = "mulaw") -> None:
    """Run the export again and check it completes, consistent and with nothing left over."""
    result = export_phone_audio(catalogue, folder, engine="espeak", codec=codec)
    assert not result.failed
    entries = read_back(folder)
    assert codec_of(folder) == f"G.711 {codec}"
    assert [(e["id"], e["text"]) for e in entries] == [(c.id, c.text) for c in catalogue.clips()]
    assert not [path.name for path in folder.iterdir() if path.name.endswith(".part")]
    assert {path.name for path in folder.glob("*.wav")} == {e["file"] for e in entries}


def phone_command(folder: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "skill", "export-audio", "--format", "phone",
                           "--engine", "espeak", *options, "--out", str(folder)],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """One full mu-law phone export of the shipped catalogue, to copy from."""
    folder = tmp_path_factory.mktemp("phone-exported") / "phone"
    result = export_phone_audio(load_catalogue("en-US"), folder, engine="espeak")
    assert not result.failed
    assert len(read_back(folder)) == len(result.rendered)
    return folder


# ---- kill -9 ----


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_kill_9_at_every_file_operation_leaves_a_consistent_phone_folder(exported, changed,
                                                                        tmp_path, point):
    catalogue = load_catalogue("en-US", responses_dir=changed)
    old = {e["id"]: e for e in read_back(exported)}
    new = {clip.id: clip for clip in catalogue.clips()}
    killed = 0
    for folder in killed_at_each_call(KILLED_AT, exported, changed, tmp_path, point, 39):
        killed += 1
        entries = read_back(folder)
        assert len(entries) == len(old), "a crash lost clips from the manifest"
        for entry in entries:  # each entry is the old clip or the new one, never a mixture
            clip = new[entry["id"]]
            assert entry == old[entry["id"]] or (entry["text"], entry["title"]) == (
                clip.text, clip.title)
        finishes(folder, catalogue)
        shutil.rmtree(folder)
    assert killed >= 1


def test_kill_9_at_timed_points_of_a_first_phone_export(tmp_path):
    command = [sys.executable, "-m", "skill", "export-audio", "--format", "phone", "--engine",
               "espeak", "--out"]
    started = time.monotonic()
    subprocess.run([*command, str(tmp_path / "timing")], cwd=PROJECT_ROOT, check=True,
                   capture_output=True, timeout=300)
    whole = time.monotonic() - started
    folder = tmp_path / "phone"
    killed = 0
    # Crash after a spread of delays, each run starting over on what the crashed one left.
    for fraction in (0.2, 0.45, 0.7, 0.9):
        killed += killed_after([*command, str(folder)], whole * fraction)
        if folder.exists():
            read_back(folder)
    assert killed >= 2
    finishes(folder, load_catalogue("en-US"))


# ---- a full disk ----


@pytest.mark.parametrize("room", ["8k", "400k", "1500k", "all the clips but no manifest"])
def test_a_full_disk_on_a_first_phone_export_is_one_line_and_resumes(small_disk, exported,
                                                                     room):
    size = f"{blocks(exported, '*.wav') + 4}k" if room.startswith("all") else room
    point = small_disk(size)
    folder = point / "phone"
    run = phone_command(folder)
    assert_one_clear_line(run, folder)
    read_back(folder)
    grow(point, "16m")
    finishes(folder, load_catalogue("en-US"))


@pytest.mark.parametrize("spare_kib", [4, 300, 1200])
def test_a_full_disk_while_switching_law_keeps_the_previous_phone_export(small_disk, exported,
                                                                         spare_kib):
    point = small_disk(f"{blocks(exported) + 8 + spare_kib}k")
    folder = Path(shutil.copytree(exported, point / "phone"))
    before = (folder / MANIFEST).read_bytes()
    run = phone_command(folder, "--codec", "alaw")  # every clip is rendered again
    assert_one_clear_line(run, folder)
    # The phone line has no text to fall back on: the previous export stands, whole.
    assert (folder / MANIFEST).read_bytes() == before
    assert len(read_back(folder)) == len(json.loads(before)["clips"])
    grow(point, "16m")
    finishes(folder, load_catalogue("en-US"), codec="alaw")


def test_a_full_disk_on_a_forced_phone_export_keeps_every_clip(small_disk, exported):
    point = small_disk(f"{blocks(exported) + 8 + 4}k")
    folder = Path(shutil.copytree(exported, point / "phone"))
    before = {e["id"]: (e["file"], e["sha256"]) for e in read_back(folder)}
    run = phone_command(folder, "--force")
    assert_one_clear_line(run, folder)
    assert {e["id"]: (e["file"], e["sha256"]) for e in read_back(folder)} == before


# ---- bad input ----


@pytest.mark.parametrize("option, value", [("--format", "mp4"), ("--codec", "g729")])
def test_an_unknown_format_or_codec_is_one_line_naming_it(tmp_path, option, value):
    arguments = ["--format", "phone", option, value] if option == "--codec" else [option, value]
    run = subprocess.run([sys.executable, "-m", "skill", "export-audio", *arguments, "--out",
                          str(tmp_path / "phone")], cwd=PROJECT_ROOT, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 2 and run.stdout == ""
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if "error" in line]
    assert errors == [f"python -m skill export-audio: error: argument {option}: invalid "
                      f"choice: '{value}' (choose from "
                      + ", ".join(f"'{name}'" for name in (
                          ("alexa", "phone") if option == "--format" else CODECS)) + ")"]
    assert not (tmp_path / "phone").exists()


def test_a_file_in_the_way_of_the_phone_folder_is_one_line(tmp_path):
    (tmp_path / "audio").write_text("in the way")
    folder = tmp_path / "audio" / "phone"
    run = phone_command(folder)
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.strip() == f"Cannot create the output folder {folder}: Not a directory"


@pytest.fixture
def read_only(small_disk, exported):
    """A read-only file system holding a copy of the phone export."""
    point = small_disk("8m")
    shutil.copytree(exported, point / "phone")
    subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True)
    return point


def test_a_read_only_phone_folder_is_one_line_and_left_as_it_was(read_only):
    folder = read_only / "phone"
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    for target, message in ((folder, f"Cannot write to the output folder {folder}"),
                            (read_only / "new", f"Cannot create the output folder "
                                                f"{read_only / 'new'}")):
        run = phone_command(target)
        assert run.returncode == 1 and run.stdout == ""
        assert run.stderr.strip() == f"{message}: Read-only file system"
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before
    read_back(folder)


def test_a_damaged_phone_manifest_re_renders_what_it_cannot_vouch_for(exported, tmp_path):
    folder = Path(shutil.copytree(exported, tmp_path / "phone"))
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    missing, wrong_type, moved = manifest["clips"][:3]
    del missing["loudness_lufs"]
    wrong_type["true_peak_dbtp"] = "loud"
    # A clip moved by hand under another name, with the manifest edited to match.
    (folder / moved["file"]).rename(folder / "moved.wav")
    moved["file"] = "moved.wav"
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    run = phone_command(folder)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    assert "3 rendered, 31 cached" in run.stdout
    entries = read_back(folder)
    assert all(isinstance(e["true_peak_dbtp"], float) for e in entries)
    (folder / "moved.wav").unlink()  # not named as this export names files, so left alone
    finishes(folder, load_catalogue("en-US"))
