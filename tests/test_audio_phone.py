"""`export-audio --format phone`: 8 kHz mono G.711 WAV, read back by a parser written here.

The RIFF chunks are parsed and the mu-law / A-law bytes expanded by hand from ITU-T G.711,
not by the library that wrote them, so a wrong header or a wrong law cannot hide.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import resample

from skill.alexa.clips import MANIFEST
from skill.audio.phone import PHONE_LOUDNESS, export_phone_audio
from skill.catalogue import PROJECT_ROOT, load_catalogue

FORMAT_TAGS = {"mulaw": 7, "alaw": 6}


def riff_chunks(data: bytes) -> dict[str, bytes]:
    """Return a WAV file's chunks by id, checking the RIFF framing on the way."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8
    chunks, at = {}, 12
    while at < len(data):
        chunk_id, size = data[at:at + 4].decode("ascii"), struct.unpack("<I", data[at + 4:at + 8])[0]
        assert at + 8 + size <= len(data), f"chunk {chunk_id} runs past the end"
        chunks[chunk_id] = data[at + 8:at + 8 + size]
        at += 8 + size + (size & 1)  # chunks are padded to an even length
    return chunks


def expand_mulaw(codes: bytes) -> np.ndarray:
    """Return 16-bit linear samples for G.711 mu-law bytes."""
    u = ~np.frombuffer(codes, np.uint8).astype(np.int32) & 0xFF
    exponent, mantissa = (u >> 4) & 7, u & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(u & 0x80, -magnitude, magnitude)


def expand_alaw(codes: bytes) -> np.ndarray:
    """Return 16-bit linear samples for G.711 A-law bytes."""
    a = np.frombuffer(codes, np.uint8).astype(np.int32) ^ 0x55
    exponent, mantissa = (a >> 4) & 7, a & 0x0F
    magnitude = np.where(exponent == 0, (mantissa << 4) + 8,
                         ((mantissa << 4) + 0x108) << np.maximum(exponent - 1, 0))
    return np.where(a & 0x80, magnitude, -magnitude)


def read_phone_wav(data: bytes, codec: str) -> np.ndarray:
    """Check a G.711 WAV's header and return its samples as floats in [-1, 1)."""
    chunks = riff_chunks(data)
    fmt = chunks["fmt "]
    tag, channels, rate, byte_rate, align, bits = struct.unpack("<HHIIHH", fmt[:16])
    assert (tag, channels, rate, byte_rate, align, bits) == (
        FORMAT_TAGS[codec], 1, 8000, 8000, 1, 8)
    # A non-PCM format carries cbSize, and a fact chunk with the sample count.
    assert len(fmt) >= 18 and struct.unpack("<H", fmt[16:18])[0] == len(fmt) - 18
    assert struct.unpack("<I", chunks["fact"])[0] == len(chunks["data"])
    expand = expand_mulaw if codec == "mulaw" else expand_alaw
    return expand(chunks["data"]) / 32768


def level(samples: np.ndarray) -> tuple[float, float]:
    """Return BS.1770 loudness and 4x true peak at 48 kHz, by FFT resampling."""
    at_48k = resample(samples, 6 * len(samples))
    peak = 20 * np.log10(np.max(np.abs(resample(at_48k, 4 * len(at_48k)))))
    return pyloudnorm.Meter(48_000).integrated_loudness(at_48k), peak


@pytest.fixture(scope="module")
def shipped():
    return load_catalogue("en-US")


@pytest.fixture(scope="module")
def mulaw_export(tmp_path_factory, shipped):
    folder = tmp_path_factory.mktemp("phone") / "phone"
    result = export_phone_audio(shipped, folder, engine="espeak", codec="mulaw")
    assert not result.failed and len(result.rendered) == len(shipped.clips())
    return folder


@pytest.fixture(scope="module")
def alaw_export(tmp_path_factory, shipped):
    """An A-law export through the command line, to the default folder under AUDIO_DIR."""
    parent = tmp_path_factory.mktemp("audio")
    run = subprocess.run([sys.executable, "-m", "skill", "export-audio", "--format", "phone",
                          "--codec", "alaw", "--engine", "espeak"], cwd=PROJECT_ROOT,
                         capture_output=True, text=True, timeout=600,
                         env={**os.environ, "AUDIO_DIR": str(parent)})
    assert run.returncode == 0, run.stderr
    total = len(shipped.clips())
    assert f"Exported {total} of {total} clips to {parent / 'en-US' / 'phone'}" in run.stdout
    return parent / "en-US" / "phone"


@pytest.mark.parametrize("codec", ["mulaw", "alaw"])
def test_every_phone_clip_is_8_khz_mono_g711_at_the_stated_level(request, shipped, codec):
    folder = request.getfixturevalue(f"{codec}_export")
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["generated_with"]["format"]["format_tag"] == FORMAT_TAGS[codec]
    assert manifest["generated_with"]["loudness"]["integrated_lufs"] == PHONE_LOUDNESS.lufs
    assert [entry["id"] for entry in manifest["clips"]] == [clip.id for clip in shipped.clips()]
    assert {path.name for path in folder.glob("*.wav")} == {e["file"] for e in manifest["clips"]}
    levels = []
    for entry in manifest["clips"]:
        data = (folder / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["bytes"]
        samples = read_phone_wav(data, codec)
        assert len(samples) / 8000 == pytest.approx(entry["duration_s"], abs=0.001)
        assert len(samples) / 8000 > 1.0, entry["id"]
        lufs, peak = level(samples)
        assert abs(lufs - PHONE_LOUDNESS.lufs) <= 1.0, entry["id"]
        assert peak <= PHONE_LOUDNESS.ceiling_dbtp + 0.1, entry["id"]
        assert entry["loudness_lufs"] == pytest.approx(lufs, abs=0.15), entry["id"]
        levels.append(lufs)
    assert max(levels) - min(levels) <= 1.0


def test_the_hand_expansion_agrees_with_libsndfile(mulaw_export, alaw_export):
    import soundfile

    for codec, folder in (("mulaw", mulaw_export), ("alaw", alaw_export)):
        path = next(folder.glob("DrivingIntent.*.wav"))
        ours = read_phone_wav(path.read_bytes(), codec)
        theirs, rate = soundfile.read(path, dtype="float64")
        assert rate == 8000 and len(theirs) == len(ours)
        assert np.max(np.abs(theirs - ours)) < 1e-3


def test_a_second_phone_run_is_cached_and_a_changed_law_re_renders(mulaw_export, shipped,
                                                                   tmp_path):
    import shutil

    folder = Path(shutil.copytree(mulaw_export, tmp_path / "phone"))
    before = {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}
    again = export_phone_audio(shipped, folder, engine="espeak", codec="mulaw")
    assert again.rendered == [] and len(again.cached) == len(shipped.clips())
    assert {path.name: path.stat().st_mtime_ns for path in folder.iterdir()} == before
    switched = export_phone_audio(shipped, folder, engine="espeak", codec="alaw")
    assert len(switched.rendered) == len(shipped.clips())
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    for entry in manifest["clips"]:
        read_phone_wav((folder / entry["file"]).read_bytes(), "alaw")
    assert {path.name for path in folder.glob("*.wav")} == {e["file"] for e in manifest["clips"]}


def test_an_unknown_codec_is_refused(shipped, tmp_path):
    with pytest.raises(ValueError, match="unknown codec 'g729'"):
        export_phone_audio(shipped, tmp_path, codec="g729")
