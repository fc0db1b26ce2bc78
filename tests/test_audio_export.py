"""`export-audio`: the real catalogue through real espeak-ng to Alexa-ready MP3s, cached by content."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from skill.__main__ import main
from skill.alexa.clips import MANIFEST
from skill.audio import EspeakEngine, GTTSEngine, SpeechError
from skill.audio.engines import FliteEngine
from skill.audio.export import (
    CLIP_FILE,
    PLAYLIST,
    TRANSCRIPT,
    ClipSpeaker,
    ExportError,
    Progress,
    album_name,
    clip_file_name,
    engine_settings,
    export_audio,
)
from skill.audio.mp3 import check_alexa_compliant, describe, read_frames, read_id3v2_text
from skill.catalogue import PROJECT_ROOT, load_catalogue
from skill.speech import to_ssml
from tests.test_audio_engines import BATCHEXECUTE, batchexecute_reply, gtts_like_mp3, spoken_texts


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


def clip_files(folder: Path) -> set[str]:
    return {path.name for path in folder.glob("*.mp3")}


def clip_ids_on_disk(folder: Path) -> set[str]:
    """Return the clip ids named by the MP3 files in folder."""
    return {CLIP_FILE.fullmatch(name)["id"] for name in clip_files(folder)}


def file_of(folder: Path, clip_id: str) -> str:
    """Return the file the manifest lists for a clip."""
    return {e["id"]: e["file"] for e in manifest_of(folder)["clips"]}[clip_id]


def assert_consistent(folder: Path) -> None:
    """No partial or empty files, and every manifest entry names a file with its hash."""
    assert not [path.name for path in folder.iterdir() if path.name.endswith(".part")]
    assert not [path.name for path in folder.glob("*.mp3") if path.stat().st_size == 0]
    for entry in manifest_of(folder)["clips"]:
        data = (folder / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["id"]
        assert len(data) == entry["bytes"], entry["id"]
        assert entry["file"] == clip_file_name(entry["id"], data)


@pytest.fixture(scope="module")
def shipped():
    """The shipped catalogue, loaded once for this module's one full export."""
    return load_catalogue("en-US")


@pytest.fixture(scope="module")
def exported(tmp_path_factory, shipped):
    """One full export of the shipped catalogue with real espeak-ng, as <parent>/en-US."""
    folder = tmp_path_factory.mktemp("audio") / "en-US"
    progress = io.StringIO()
    result = export_audio(shipped, folder, engine="espeak", progress=progress)
    return folder, result, progress.getvalue()


@pytest.fixture
def export_copy(exported, tmp_path):
    """A private copy of the full export, for tests that run the export again."""
    return Path(shutil.copytree(exported[0], tmp_path / "audio" / "en-US"))


def with_changed_text(responses: Path, old: str, new: str) -> None:
    path = responses / "en-US.toml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should appear once in the catalogue"
    path.write_text(text.replace(old, new), encoding="utf-8")


CHANGED_DRIVING = "Please ask your care team before you drive, even a short way home."


# ---- the full export ----


def test_full_export_renders_every_clip_once(exported, shipped):
    folder, result, progress = exported
    ids = [clip.id for clip in shipped.clips()]
    assert len(ids) >= 20
    assert result.rendered == ids and not result.cached and not result.failed
    assert clip_files(folder) == {entry["file"] for entry in manifest_of(folder)["clips"]}
    assert clip_ids_on_disk(folder) == set(ids)
    assert re.fullmatch(r"DrivingIntent\.[0-9a-f]{12}\.mp3", file_of(folder, "DrivingIntent"))
    assert file_of(folder, "ProcedureStepsIntent.step-3").startswith("ProcedureStepsIntent.step-3.")
    assert f"[ 1/{len(ids)}] {ids[0]}: rendered with espeak" in progress


def test_every_frame_of_every_clip_is_alexa_compliant(exported):
    folder = exported[0]
    for entry in manifest_of(folder)["clips"]:
        data = (folder / entry["file"]).read_bytes()
        frames = read_frames(data)
        assert frames, entry["id"]
        for frame in frames:
            assert (frame.version, frame.layer, frame.bit_rate, frame.sample_rate,
                    frame.channel_mode, frame.vbr_header) == (
                "2", 3, 48_000, 16_000, "mono", None), f"{entry['id']} frame at {frame.offset}"
        assert check_alexa_compliant(data) == [], entry["id"]
        assert 0.5 < describe(data).duration <= 240


def test_manifest_describes_each_file_exactly(exported, shipped):
    folder = exported[0]
    manifest = manifest_of(folder)
    assert manifest["locale"] == "en-US"
    assert manifest["generated_with"]["engine"] == "espeak"
    assert manifest["generated_with"]["pipeline_version"] >= 1
    clips = shipped.clips()
    assert [entry["id"] for entry in manifest["clips"]] == [clip.id for clip in clips]
    for clip, entry in zip(clips, manifest["clips"], strict=True):
        data = (folder / entry["file"]).read_bytes()
        assert entry["file"] == f"{clip.id}.{entry['sha256'][:12]}.mp3"
        assert (entry["intent"], entry["title"], entry["text"], entry["source"]) == (
            clip.intent, clip.title, clip.text, clip.source)
        assert entry["engine"] == "espeak"
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["duration_s"] == pytest.approx(describe(data).duration, abs=0.001)
        assert re.fullmatch(r"[0-9a-f]{64}", entry["content_key"])
        tags = read_id3v2_text(data)
        assert tags["TIT2"] == clip.title
        assert tags["TALB"] == album_name(shipped) == "Example Spine Clinic - Kyphoplasty questions"
        assert tags["TXXX:content-key"] == entry["content_key"]


def test_playlist_lists_each_answer_with_its_duration(exported, shipped):
    folder = exported[0]
    lines = (folder / PLAYLIST).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#EXTM3U"
    entries = {entry["file"]: entry for entry in manifest_of(folder)["clips"]}
    pairs = list(zip(lines[2::2], lines[3::2], strict=True))
    for extinf, file in pairs:
        seconds, title = re.fullmatch(r"#EXTINF:(\d+),(.+)", extinf).groups()
        assert title == entries[file]["title"]
        assert int(seconds) == max(1, round(entries[file]["duration_s"]))
    files = [file for _, file in pairs]
    # The procedure plays step by step; its joined whole would say everything twice.
    assert file_of(folder, "ProcedureStepsIntent.step-1") in files
    assert file_of(folder, "ProcedureStepsIntent") not in files
    assert file_of(folder, "DrivingIntent") in files


def test_transcript_has_every_question_and_answer_by_group(exported, shipped):
    text = (exported[0] / TRANSCRIPT).read_text(encoding="utf-8")
    flat = " ".join(text.split())
    for topic in shipped.topics.values():
        assert topic.question in text
        assert " ".join(topic.answer.split()) in flat
        for number, step in enumerate(topic.steps, 1):
            assert f"{number}. {step}" in flat
    headings = [label for label in shipped.groups.values() if label in text]
    assert headings and [text.index(h) for h in headings] == sorted(text.index(h) for h in headings)


def test_respelling_reaches_espeak(tmp_path, shipped):
    heard = []

    class Listening:
        name = "espeak"

        def synthesize(self, text):
            heard.append(text)
            return EspeakEngine().synthesize(text)

    export_audio(shipped, tmp_path, engine="espeak", espeak=Listening())
    said = " ".join(heard).lower()
    assert "kyfohplasty" in said and "kyphoplasty" not in said


# ---- loudness ----


def independent_level(data: bytes) -> tuple[float, float]:
    """Measure an MP3 as a listener's player decodes it: BS.1770 loudness and 4x true peak."""
    import miniaudio
    import numpy as np
    import pyloudnorm
    from scipy.signal import resample

    # At 48 kHz, as BS.1770 defines it, by FFT resampling (the export uses polyphase filters;
    # miniaudio's own resampler is linear and reads 0.5 LU low).
    decoded = miniaudio.decode(data, miniaudio.SampleFormat.FLOAT32, nchannels=1,
                               sample_rate=16_000)
    samples = np.asarray(decoded.samples, dtype=np.float64)
    at_48k = resample(samples, 3 * len(samples))
    lufs = pyloudnorm.Meter(48_000).integrated_loudness(at_48k)
    peak = 20 * np.log10(np.max(np.abs(resample(at_48k, 4 * len(at_48k)))))
    return lufs, peak


def test_every_clip_is_at_alexas_loudness_under_the_peak_ceiling(exported):
    folder = exported[0]
    manifest = manifest_of(folder)
    assert manifest["generated_with"]["loudness"]["integrated_lufs"] == -14.0
    assert manifest["generated_with"]["loudness"]["true_peak_ceiling_dbtp"] == -3.0
    levels = []
    for entry in manifest["clips"]:
        lufs, peak = independent_level((folder / entry["file"]).read_bytes())
        assert -15.0 <= lufs <= -13.0, entry["id"]
        assert peak <= -3.0 + 0.1, entry["id"]  # 0.1: another resampler than the export's
        assert entry["loudness_lufs"] == pytest.approx(lufs, abs=0.1), entry["id"]
        assert entry["true_peak_dbtp"] == pytest.approx(peak, abs=0.2), entry["id"]
        levels.append(lufs)
    assert max(levels) - min(levels) <= 1.0


def test_a_new_loudness_target_re_renders_and_is_met(export_copy, shipped):
    from skill.audio.loudness import LoudnessTarget

    quieter = LoudnessTarget(lufs=-18.0, ceiling_dbtp=-3.0)
    result = export_audio(shipped, export_copy, engine="espeak", loudness=quieter)
    assert result.rendered == [clip.id for clip in shipped.clips()]
    for entry in manifest_of(export_copy)["clips"]:
        lufs, peak = independent_level((export_copy / entry["file"]).read_bytes())
        assert -19.0 <= lufs <= -17.0 and peak <= -2.95, entry["id"]
    again = export_audio(shipped, export_copy, engine="espeak", loudness=quieter)
    assert again.rendered == [] and len(again.cached) == len(shipped.clips())
    assert_consistent(export_copy)


def test_the_limiter_keeps_true_peaks_under_its_ceiling():
    import numpy as np

    from skill.audio.loudness import limited, true_peak_dbtp

    rate = 16_000
    time = np.arange(rate) / rate
    # Clicks on a quiet tone, and an inter-sample peak (a tone at a quarter of the rate, phased).
    signal = 0.1 * np.sin(2 * np.pi * 300 * time)
    signal[::1600] = 0.9
    signal += 0.5 * np.sin(2 * np.pi * 4000 * time + np.pi / 4) * (time > 0.5)
    assert true_peak_dbtp(signal, rate) > -1.0
    out = limited(signal, rate, -6.0, gain_db=3.0)
    assert true_peak_dbtp(out, rate) <= -6.0 + 0.1
    # Away from the clicks the tone keeps its gain: the limiter only works near the peaks.
    quiet = slice(800 - 100, 800 + 100)
    assert np.allclose(out[quiet], signal[quiet] * 10 ** (3 / 20), rtol=1e-3)


def test_the_level_the_leveling_hands_on_is_the_files_own(shipped):
    from skill.audio.export import mp3_level
    from skill.audio.loudness import ALEXA_LOUDNESS
    from skill.audio.mp3 import to_alexa_mp3
    from skill.audio.phone import PHONE_LOUDNESS, phone_level, to_phone_wav

    # The export takes the leveling's own reading of each file instead of decoding it again.
    wav = EspeakEngine().synthesize(shipped.respell(shipped.topic("DrivingIntent").answer))
    for convert, level_of, target in ((to_alexa_mp3, mp3_level, ALEXA_LOUDNESS),
                                      (to_phone_wav, phone_level, PHONE_LOUDNESS)):
        handed_on: list[tuple] = []
        made = convert(wav, loudness=target,
                       measured=lambda *seen, into=handed_on: into.append(seen))
        assert handed_on == [(made, level_of(made))]
        assert abs(handed_on[0][1].lufs - target.lufs) <= 0.5


def test_silence_cannot_be_brought_to_a_loudness():
    from skill.audio import AudioError, Pcm
    from skill.audio.loudness import ALEXA_LOUDNESS
    from skill.audio.mp3 import to_alexa_mp3

    with pytest.raises(AudioError, match="silent"):
        to_alexa_mp3(Pcm(bytes(32_000), 16_000), loudness=ALEXA_LOUDNESS)


# ---- the cache ----


def test_second_run_renders_nothing(export_copy, shipped):
    before = {path.name: path.stat().st_mtime_ns for path in export_copy.iterdir()}
    result = export_audio(shipped, export_copy, engine="espeak")
    assert result.rendered == [] and len(result.cached) == len(shipped.clips())
    assert result.seconds < 1.0
    after = {path.name: path.stat().st_mtime_ns for path in export_copy.iterdir()}
    assert after == before  # not even the manifest is rewritten


def test_changing_one_answer_rerenders_that_clip_only(export_copy, shipped, responses_copy):
    old = shipped.topic("DrivingIntent").answer
    with_changed_text(responses_copy, old, CHANGED_DRIVING)
    changed = load_catalogue("en-US", responses_dir=responses_copy)
    untouched = {path.name: path.read_bytes() for path in export_copy.glob("*.mp3")}
    old_file = file_of(export_copy, "DrivingIntent")
    result = export_audio(changed, export_copy, engine="espeak")
    assert result.rendered == ["DrivingIntent"]
    assert len(result.cached) == len(shipped.clips()) - 1
    entry = {e["id"]: e for e in manifest_of(export_copy)["clips"]}["DrivingIntent"]
    assert entry["text"] == CHANGED_DRIVING
    for name, data in untouched.items():
        if name != old_file:
            assert (export_copy / name).read_bytes() == data, name
    # The new audio has a new name; the old file goes once the new manifest is in place.
    assert entry["file"] != old_file and not (export_copy / old_file).exists()
    assert clip_files(export_copy) == set(untouched) - {old_file} | {entry["file"]}
    assert_consistent(export_copy)


def test_a_new_title_retags_without_rendering(export_copy, shipped, responses_copy):
    with_changed_text(responses_copy, 'question = "Can I drive afterwards?"',
                      'question = "May I drive after kyphoplasty?"')
    changed = load_catalogue("en-US", responses_dir=responses_copy)
    result = export_audio(changed, export_copy, engine="espeak")
    assert result.rendered == []
    data = (export_copy / file_of(export_copy, "DrivingIntent")).read_bytes()
    assert read_id3v2_text(data)["TIT2"] == "May I drive after kyphoplasty?"
    assert check_alexa_compliant(data) == []
    assert_consistent(export_copy)


def test_force_rerenders_everything(export_copy, shipped):
    result = export_audio(shipped, export_copy, engine="espeak", force=True)
    assert result.rendered == [clip.id for clip in shipped.clips()] and not result.cached
    assert_consistent(export_copy)


def test_another_engine_is_another_cache_key(shipped):
    spoken = shipped.respell(shipped.topic("DrivingIntent").answer)
    from skill.audio.export import content_key

    keys = {content_key(spoken, name, engine_settings(name, "en-US"))
            for name in ("auto", "offline", "gtts", "flite", "espeak")}
    assert len(keys) == 5


def test_clips_gone_from_the_catalogue_are_removed(export_copy, responses_copy):
    toml = responses_copy / "en-US.toml"
    text = toml.read_text(encoding="utf-8")
    block = re.compile(r'^\[\[topic\]\]\nintent = "DrivingIntent"\n.*?(?=^\[\[|^\[(?!topic\.)|\Z)',
                       re.DOTALL | re.MULTILINE)
    toml.write_text(block.sub("", text, count=1), encoding="utf-8")
    smaller = load_catalogue("en-US", responses_dir=responses_copy)
    assert "DrivingIntent" not in smaller.topics
    (export_copy / "music.mp3").write_bytes(gtts_like_mp3())  # not ours: must be left alone
    result = export_audio(smaller, export_copy, engine="espeak")
    assert result.removed == ["DrivingIntent"] and result.rendered == []
    assert "DrivingIntent" not in clip_ids_on_disk(export_copy)
    assert (export_copy / "music.mp3").exists()
    assert "DrivingIntent" not in {e["id"] for e in manifest_of(export_copy)["clips"]}
    assert "DrivingIntent." not in (export_copy / PLAYLIST).read_text()
    assert "Removed clips no longer in the catalogue: DrivingIntent." in result.summary()


# ---- interruption ----


class InterruptedOnThird:
    """espeak-ng that stops like Ctrl-C on its third clip."""

    name = "espeak"

    def __init__(self):
        self.calls = 0

    def synthesize(self, text):
        self.calls += 1
        if self.calls == 3:
            raise KeyboardInterrupt
        return EspeakEngine().synthesize(text)


def test_an_interrupted_export_leaves_a_consistent_folder_and_resumes(tmp_path, shipped):
    folder = tmp_path / "en-US"
    with pytest.raises(KeyboardInterrupt):
        export_audio(shipped, folder, engine="espeak", espeak=InterruptedOnThird())
    first_two = [clip.id for clip in shipped.clips()[:2]]
    assert clip_ids_on_disk(folder) == set(first_two)
    assert [entry["id"] for entry in manifest_of(folder)["clips"]] == first_two
    assert_consistent(folder)
    (folder / ".DrivingIntent.mp3.k1ll3d.part").write_bytes(b"half a clip")  # from a kill -9

    result = export_audio(shipped, folder, engine="espeak")
    assert result.cached == first_two
    assert len(result.rendered) == len(shipped.clips()) - 2 and not result.failed
    assert len(manifest_of(folder)["clips"]) == len(shipped.clips())
    assert_consistent(folder)


def test_an_interruption_while_writing_leaves_no_partial_file(tmp_path, shipped, monkeypatch):
    import skill.files as files

    real_fsync, calls = files.os.fsync, []

    def fsync_then_interrupt(fd):
        calls.append(fd)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", fsync_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        export_audio(shipped, tmp_path, engine="espeak")
    monkeypatch.setattr(files.os, "fsync", real_fsync)
    assert len(clip_files(tmp_path)) == 2
    assert_consistent(tmp_path)


# ---- gTTS and the automatic fallback, against a fake of Google's endpoint ----


def test_gtts_export_records_gtts_and_sends_respelled_text(requests_mock, tmp_path, shipped):
    requests_mock.post(BATCHEXECUTE, text=batchexecute_reply(gtts_like_mp3(0.6)))
    result = export_audio(shipped, tmp_path, engine="gtts")
    assert not result.failed and len(result.rendered) == len(shipped.clips())
    manifest = manifest_of(tmp_path)
    assert {entry["engine"] for entry in manifest["clips"]} == {"gtts"}
    assert manifest["generated_with"]["settings"] == {"gtts": {"lang": "en", "tld": "com"}}
    for entry in manifest["clips"]:
        assert check_alexa_compliant((tmp_path / entry["file"]).read_bytes()) == []
    said = " ".join(spoken_texts(requests_mock.request_history)).lower()
    assert "kyfohplasty" in said and "kyphoplasty" not in said


def flite_installed() -> None:
    assert FliteEngine.available(), (
        "Debian's flite (slt voice) is not installed; install it with "
        "`sudo apt-get install -y flite` (.ci/run does) and run the tests again.")


def test_auto_falls_back_to_flite_and_stops_asking_google(requests_mock, tmp_path, shipped):
    flite_installed()
    requests_mock.post(BATCHEXECUTE, exc=requests.exceptions.ConnectionError("no route"))
    sleeps, progress = [], io.StringIO()
    result = export_audio(shipped, tmp_path, engine="auto", progress=progress,
                          gtts=GTTSEngine(sleep=sleeps.append))
    assert requests_mock.call_count == 4  # one clip's tries, then never again this run
    assert sleeps == [1.0, 2.0, 4.0]
    assert len(result.fell_back) == len(shipped.clips()) and not result.failed
    entries = manifest_of(tmp_path)["clips"]
    assert {entry["engine"] for entry in entries} == {"flite"}
    assert list(manifest_of(tmp_path)["generated_with"]["settings"]) == ["gtts", "flite", "espeak"]
    for entry in entries:
        data = (tmp_path / entry["file"]).read_bytes()
        assert check_alexa_compliant(data) == [] and read_id3v2_text(data)["TXXX:engine"] == "flite"
    assert "could not reach Google TTS" in entries[0]["fallback"]
    assert all("unreachable earlier in this run" in entry["fallback"] for entry in entries[1:])
    assert progress.getvalue().count("Google TTS cannot be reached") == 1
    assert "uses flite without trying Google again" in progress.getvalue()
    assert f"{len(shipped.clips())} fell back," in result.summary()

    # Kept as they are on the next run (Google may still be away); --force asks again.
    again = export_audio(shipped, tmp_path, engine="auto", gtts=GTTSEngine(sleep=sleeps.append))
    assert again.rendered == [] and requests_mock.call_count == 4
    assert "--force" in again.summary()


def test_auto_keeps_asking_google_after_a_429(requests_mock):
    flite_installed()
    requests_mock.post(BATCHEXECUTE, status_code=429, reason="Too Many Requests")
    speaker = ClipSpeaker("auto", engine_settings("auto", "en-US"),
                          gtts=GTTSEngine(attempts=2, sleep=lambda seconds: None))
    for text in ("Can I drive?", "Will it hurt?"):
        spoken = speaker.speak(text)
        assert spoken.engine == "flite" and "429" in spoken.fallback
    assert requests_mock.call_count == 4  # both clips tried Google twice


def test_espeak_is_the_last_resort_when_flite_fails(requests_mock):
    class BrokenFlite(FliteEngine):
        def synthesize(self, text):
            raise SpeechError("flite failed: on purpose")

    requests_mock.post(BATCHEXECUTE, status_code=403, reason="Forbidden")
    speaker = ClipSpeaker("auto", {"gtts": {}, "flite": {"voice": "slt"}, "espeak": {}},
                          gtts=GTTSEngine(attempts=1), flite=BrokenFlite())
    spoken = speaker.speak("Can I drive?")
    assert spoken.engine == "espeak"
    assert spoken.fallback.startswith("gTTS failed: ") and "; flite failed: " in spoken.fallback


def test_with_pip_alone_the_offline_export_is_spoken_by_espeak(tmp_path, shipped):
    # No flite on PATH: what `make run` sees on a machine without the Debian package.
    bare = tmp_path / "bin"
    bare.mkdir()
    folder = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "skill", "export-audio", "--engine", "offline",
                          "--out", str(folder)], cwd=PROJECT_ROOT, capture_output=True,
                         text=True, timeout=300, env={**os.environ, "PATH": str(bare)})
    assert run.returncode == 0, run.stderr
    manifest = manifest_of(folder)
    assert list(manifest["generated_with"]["settings"]) == ["espeak"]
    assert {entry["engine"] for entry in manifest["clips"]} == {"espeak"}
    assert len(manifest["clips"]) == len(shipped.clips())


# ---- progress and the command line ----


def test_progress_on_a_terminal_is_one_updating_line():
    stream = io.StringIO()
    progress = Progress(4, stream, interactive=True)
    for number, clip_id in enumerate(["A", "B", "C", "D"], 1):
        progress.start(number, clip_id)
        progress.done(number, clip_id, "cached")
    progress.say("A notice")
    progress.finish()
    out = stream.getvalue()
    assert "\n" not in out.replace("A notice\n", "")
    assert "3/4  75%  D" in out and out.endswith("\r\x1b[K")


def test_cli_exports_with_plain_progress_and_a_summary(tmp_path, shipped):
    folder = tmp_path / "out"
    command = [sys.executable, "-m", "skill", "export-audio", "--engine", "espeak",
               "--out", str(folder)]
    first = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    total = len(shipped.clips())
    assert f"[ 1/{total}] {shipped.clips()[0].id}: rendered with espeak" in first.stderr
    assert "\r" not in first.stderr
    assert f"Exported {total} of {total} clips to {folder}" in first.stdout
    assert f"{total} rendered, 0 cached, 0 fell back, 0 failed" in first.stdout
    second = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=120)
    assert second.returncode == 0, second.stderr
    assert f"[{total}/{total}] {shipped.clips()[-1].id}: cached" in second.stderr
    assert f"0 rendered, {total} cached" in second.stdout
    assert_consistent(folder)


def test_a_failing_clip_fails_the_command_naming_it(export_copy, monkeypatch, capsys):
    import skill.audio.export as export

    class StumblesOnDriving(EspeakEngine):
        def synthesize(self, text):
            if "before you drive" in text:
                raise SpeechError("espeak-ng could not synthesize this on purpose")
            return super().synthesize(text)

    monkeypatch.setattr(export, "EspeakEngine", StumblesOnDriving)
    (export_copy / file_of(export_copy, "DrivingIntent")).unlink()
    status = main(["export-audio", "--engine", "espeak", "--out", str(export_copy)])
    out, err = capsys.readouterr()
    assert status == 1
    assert "1 failed" in out
    assert "1 clip could not be rendered:\n  - DrivingIntent: espeak-ng could not" in err
    assert "DrivingIntent" not in {e["id"] for e in manifest_of(export_copy)["clips"]}
    assert_consistent(export_copy)


def test_an_unwritable_output_folder_is_named(tmp_path, capsys):
    (tmp_path / "a-file").write_text("in the way")
    folder = tmp_path / "a-file" / "audio"
    assert main(["export-audio", "--engine", "espeak", "--out", str(folder)]) == 1
    assert capsys.readouterr().err.strip() == (
        f"Cannot create the output folder {folder}: Not a directory")
    with pytest.raises(ExportError, match="Cannot create the output folder"):
        export_audio(load_catalogue("en-US"), folder, engine="espeak")


# ---- the skill plays fresh clips and reads stale ones ----


def test_the_skill_plays_fresh_clips_and_reads_changed_answers(exported, shipped, monkeypatch,
                                                               responses_copy):
    from skill.alexa.handlers import build_skill
    from skill.alexa.model import validate
    from skill.understanding.conversation import Conversation

    folder = exported[0]
    monkeypatch.setenv("AUDIO_BASE_URL", "https://example.org/audio")
    monkeypatch.setenv("AUDIO_DIR", str(folder.parent))

    def clip_problems(catalogue):
        return [p for p in validate(catalogue) if p.startswith("audio clip")]

    def driving(catalogue):
        conversation = Conversation(build_skill(catalogue), catalogue)
        conversation.launch()
        return conversation.intent("DrivingIntent").ssml

    assert clip_problems(shipped) == []
    driving_file = file_of(folder, "DrivingIntent")
    assert f'<audio src="https://example.org/audio/{driving_file}"/>' in driving(shipped)

    with_changed_text(responses_copy, shipped.topic("DrivingIntent").answer, CHANGED_DRIVING)
    changed = load_catalogue("en-US", responses_dir=responses_copy)
    ssml = driving(changed)
    assert "<audio" not in ssml and "even a short way home" in ssml
    assert clip_problems(changed) == [
        "audio clip DrivingIntent: its words no longer match the catalogue; "
        "run `python -m skill export-audio`"]


def test_the_skill_says_its_fallback_in_the_recorded_voice(exported, shipped, monkeypatch):
    from skill.alexa.handlers import build_skill
    from skill.understanding.conversation import Conversation

    folder = exported[0]
    monkeypatch.setenv("AUDIO_BASE_URL", "https://example.org/audio")
    monkeypatch.setenv("AUDIO_DIR", str(folder.parent))
    conversation = Conversation(build_skill(shipped), shipped)
    conversation.launch()
    reply = conversation.intent("AMAZON.FallbackIntent")
    fallback_file = file_of(folder, "fallback")
    assert reply.ssml.startswith(f'<speak><audio src="https://example.org/audio/{fallback_file}"/>')
    # The reprompt stays words: it is short and not recorded.
    reprompt = to_ssml(shipped.prompts["fallback_reprompt"], shipped)
    assert reply.reprompt == f"<speak>{reprompt}</speak>"
    entry = next(e for e in manifest_of(folder)["clips"] if e["id"] == "fallback")
    assert entry["text"] == shipped.prompts["fallback"]
    assert entry["source"] == "catalogue prompt: fallback"
