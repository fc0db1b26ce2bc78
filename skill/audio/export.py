"""Export every answer as an Alexa-ready MP3, with a manifest, a playlist and a transcript.

Each clip is cached by a content key: the hash of its text after respelling, the engine asked
for, that engine's settings and PIPELINE_VERSION. The key is also written into the MP3's own
ID3 tag, so a clip finished before an interrupted run is found and reused by the next one.
A title or album change only rewrites the tag; the audio is kept.

The folder survives a crash at any point (kill -9, a full disk): clip files are named by their
content (`<clip id>.<first 12 hex of sha256>.mp3`) and written atomically beside the old ones,
never over them; the manifest is swapped in last, and only then are files it no longer lists
removed. A reader sees the old manifest with the old files or the new one with the new files.

Under `--engine auto` a clip that gTTS could not read is spoken offline (by Debian's flite
where installed, else espeak-ng) and cached like any other: the next run keeps it rather
than asking Google again for every such clip (an offline machine would wait for gTTS's
retries each time). `--force` re-renders everything, which retries gTTS for those clips too.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import TextIO

from skill.alexa.clips import MANIFEST
from skill.audio.clips import render_clip
from skill.audio.engines import (
    EspeakEngine,
    FliteEngine,
    GTTSEngine,
    ServiceUnreachable,
    SpeechEngine,
    SpeechError,
)
from skill.audio.loudness import ALEXA_LOUDNESS, Level, LoudnessTarget, measure
from skill.audio.mp3 import (
    ALEXA_BIT_RATE,
    DEFAULT_SAMPLE_RATE,
    AudioError,
    Mp3FormatError,
    check_alexa_compliant,
    decode_mp3,
    describe,
    id3v2_tag,
    read_id3v2_text,
    to_alexa_mp3,
)
from skill.catalogue import Catalogue, Clip
from skill.files import PART, write_atomically

PIPELINE_VERSION = 2  # bump when a pipeline change should re-render every clip
# auto: gTTS, then the offline engines; offline: flite where installed, then espeak-ng.
ENGINES = ("auto", "offline", "gtts", "flite", "espeak")
PLAYLIST = "playlist.m3u"
TRANSCRIPT = "transcript.txt"
LOCK = ".export-audio.lock"
KEY_TAG, ENGINE_TAG, FALLBACK_TAG = "content-key", "engine", "fallback"
LOUDNESS_TAG, PEAK_TAG = "loudness-lufs", "true-peak-dbtp"
# Clip ids become file names and URLs, so they may not carry slashes or spaces.
CLIP_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
HASH_CHARS = 12  # of the sha256 in a clip's file name: plenty to tell one render from another
# A clip file's name: its clip id, then (since pipeline 2) the start of its sha256.
CLIP_FILE = re.compile(
    rf"(?P<id>{CLIP_ID.pattern}?)(?:\.(?P<hash>[0-9a-f]{{{HASH_CHARS}}}))?\.mp3")
# Google's regional accents, by locale; other locales use translate.google.com.
GTTS_TLDS = {"en-GB": "co.uk", "en-AU": "com.au", "en-IN": "co.in", "en-CA": "ca"}
ESPEAK_VOICES = {"en-US": "en-us", "en-GB": "en-gb"}
ESPEAK_WORDS_PER_MINUTE = 165
FLITE_VOICES = {"en-US": "slt"}  # flite's clearest voice; its voices are all US English
# 15% slower than flite's own pace: fewer words lost in bench/intelligibility.py (22.0% WER
# against 23.3%; 30% slower was worse, 26.9%), and easier for older listeners.
FLITE_STRETCH = 1.15


class ExportError(RuntimeError):
    """Raised when the export cannot go on at all (as opposed to one clip failing)."""


def album_name(catalogue: Catalogue) -> str:
    """Name the collection the clips belong to, as players show it."""
    return f"{catalogue.clinic.name} - Kyphoplasty questions"


def engine_settings(engine: str, locale: str) -> dict[str, dict[str, object]]:
    """Return the settings of each engine a run may use; they are part of the content key."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    language = locale.split("-")[0].lower()
    gtts = {"lang": language, "tld": GTTS_TLDS.get(locale, "com")}
    espeak = {"voice": ESPEAK_VOICES.get(locale, language),
              "words_per_minute": ESPEAK_WORDS_PER_MINUTE}
    flite = {"voice": FLITE_VOICES.get(locale, "slt"), "duration_stretch": FLITE_STRETCH}
    # Offline, flite speaks when this machine has it (a Debian package); espeak-ng (pip) is
    # the last resort, always there.
    offline = {"espeak": espeak}
    if locale in FLITE_VOICES and FliteEngine.available(flite["voice"]):
        offline = {"flite": flite, **offline}
    return {"gtts": {"gtts": gtts}, "flite": {"flite": flite}, "espeak": {"espeak": espeak},
            "offline": offline, "auto": {"gtts": gtts, **offline}}[engine]


def content_key(spoken: str, engine: str, settings: dict,
                loudness: LoudnessTarget = ALEXA_LOUDNESS) -> str:
    """Hash everything that shapes a clip's audio, so equal keys mean equal audio."""
    recipe = {"text": spoken, "engine": engine, "settings": settings,
              "pipeline": {"version": PIPELINE_VERSION, "sample_rate": DEFAULT_SAMPLE_RATE,
                           "bit_rate": ALEXA_BIT_RATE, "loudness": loudness.recipe()}}
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Spoken:
    """A clip's audio file, who spoke it and its level; fallback says why others did not."""

    audio: bytes
    engine: str
    fallback: str
    lufs: float
    true_peak_dbtp: float


def mp3_level(mp3: bytes) -> Level:
    """Measure an MP3 clip as it will play."""
    return measure(decode_mp3(mp3, DEFAULT_SAMPLE_RATE), DEFAULT_SAMPLE_RATE)


class ClipSpeaker:
    """Speak clips with the engine asked for, or the first of a chain that manages.

    Under auto and offline the chain is gTTS (auto only), flite, espeak-ng, as the settings
    list them; gTTS is dropped for the rest of the run once Google is unreachable.
    """

    def __init__(self, engine: str, settings: dict, *, gtts: SpeechEngine | None = None,
                 flite: SpeechEngine | None = None, espeak: SpeechEngine | None = None,
                 notice=lambda message: None, loudness: LoudnessTarget = ALEXA_LOUDNESS,
                 convert: Callable[..., bytes] | None = None,
                 level_of: Callable[[bytes], Level] = mp3_level):
        self.requested = engine
        # convert(audio, measured=...) turns an engine's audio into the clip's file and tells
        # measured the level it found on it; level_of measures a file convert did not.
        self.convert = convert or partial(to_alexa_mp3, loudness=loudness)
        self.level_of = level_of
        given = {"gtts": gtts, "flite": flite, "espeak": espeak}
        builders = {"gtts": GTTSEngine, "flite": FliteEngine, "espeak": EspeakEngine}
        # In the settings' order, which is the order of preference.
        self.chain = [given[name] or builders[name](**options)
                      for name, options in settings.items()]
        self.notice = notice
        self.unreachable = ""  # why gTTS is no longer tried in this run

    def speak(self, spoken: str) -> Spoken:
        """Return Alexa-ready MP3 of already respelled text; raise SpeechError or AudioError."""
        reasons = []
        chain = self.chain
        if self.unreachable and chain[0].name == "gtts":
            reasons.append(f"gTTS not tried: {self.unreachable}")
            chain = chain[1:]
        for number, engine in enumerate(chain, 1):
            levels: dict[bytes, Level] = {}  # what the leveling measured, by the file
            try:
                audio, name = render_clip(spoken, engine,
                                          convert=partial(self.convert,
                                                          measured=levels.__setitem__))
                # Decoding and measuring the file again would only repeat the leveling's reading.
                level = levels[audio] if audio in levels else self.level_of(audio)
                return Spoken(audio, name, "; ".join(reasons), level.lufs, level.true_peak_dbtp)
            except ServiceUnreachable as error:
                if number == len(chain):
                    raise
                self.unreachable = f"Google TTS was unreachable earlier in this run ({error})"
                self.notice(f"Google TTS cannot be reached ({error}). The rest of this run "
                            f"uses {chain[number].name} without trying Google again.")
                reasons.append(f"gTTS failed: {error}")
            except (SpeechError, AudioError) as error:
                if number == len(chain):
                    raise
                label = "gTTS" if engine.name == "gtts" else engine.name
                reasons.append(f"{label} failed: {error}")
        raise SpeechError("no speech engine is set up for this export")


class Progress:
    """Show how far the export is: one updating line on a terminal, plain lines otherwise."""

    def __init__(self, total: int, stream: TextIO | None, interactive: bool | None = None):
        self.total, self.stream = total, stream
        if interactive is None:
            interactive = bool(stream is not None and stream.isatty())
        self.interactive = interactive
        self.current = ""

    def _write(self, text: str) -> None:
        if self.stream is not None:
            self.stream.write(text)
            self.stream.flush()

    def start(self, number: int, clip_id: str) -> None:
        """Say which clip is being worked on (the bar only: plain output waits for the result)."""
        if not self.interactive:
            return
        width = shutil.get_terminal_size((80, 20)).columns
        done = (number - 1) / self.total
        bar = "#" * round(20 * done) + "-" * (20 - round(20 * done))
        line = f"[{bar}] {number - 1}/{self.total} {done:4.0%}  {clip_id}"
        self.current = line[: width - 1]
        self._write("\r\x1b[K" + self.current)

    def done(self, number: int, clip_id: str, outcome: str) -> None:
        """Record one finished clip."""
        if not self.interactive:
            self._write(f"[{number:>{len(str(self.total))}}/{self.total}] {clip_id}: {outcome}\n")

    def say(self, message: str) -> None:
        """Print a notice on its own line without breaking the bar."""
        if self.interactive:
            self._write("\r\x1b[K" + message + "\n" + self.current)
        else:
            self._write(message + "\n")

    def finish(self) -> None:
        """Clear the bar so the summary starts on a clean line."""
        if self.interactive and self.current:
            self._write("\r\x1b[K")
            self.current = ""


@dataclass
class ExportResult:
    """What one export did, clip by clip."""

    folder: Path
    total: int = 0
    rendered: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    fell_back: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    espeak_kept_under_auto: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        """Describe the run in a few lines a person can act on."""
        lines = [
            f"Exported {self.total - len(self.failed)} of {self.total} clips to {self.folder} "
            f"in {self.seconds:.1f} s: {len(self.rendered)} rendered, {len(self.cached)} cached, "
            f"{len(self.fell_back)} fell back, {len(self.failed)} failed, "
            f"{len(self.removed)} removed."
        ]
        if self.removed:
            lines.append(f"Removed clips no longer in the catalogue: {', '.join(self.removed)}.")
        if self.espeak_kept_under_auto:
            lines.append(f"{len(self.espeak_kept_under_auto)} cached clips were spoken offline "
                         "because gTTS failed in an earlier run; run with --force when Google "
                         "is reachable to retry them with gTTS.")
        return "\n".join(lines)

    def failure_report(self) -> str:
        """Name each clip that failed and why, or return an empty string."""
        if not self.failed:
            return ""
        noun = "clip" if len(self.failed) == 1 else "clips"
        lines = [f"{len(self.failed)} {noun} could not be rendered:"]
        lines += [f"  - {clip_id}: {reason}" for clip_id, reason in self.failed.items()]
        lines.append("The skill reads these answers as text until an export renders them.")
        return "\n".join(lines)


def _write_if_changed(path: Path, data: bytes) -> None:
    # Leaving an unchanged file alone keeps its mtime, so the skill's manifest cache holds.
    try:
        if path.read_bytes() == data:
            return
    except FileNotFoundError:
        pass
    write_atomically(path, data)


@contextmanager
def _locked_folder(folder: Path) -> Iterator[None]:
    """Create the folder and hold its lock, so two exports never write the same files."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExportError(f"Cannot create the output folder {folder}: "
                          f"{error.strerror or error}") from error
    try:
        lock = (folder / LOCK).open("a")
    except OSError as error:
        raise ExportError(f"Cannot write to the output folder {folder}: "
                          f"{error.strerror or error}") from error
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ExportError(f"Another export is writing to {folder}; let it finish first, "
                              "then run this one again.") from None
        yield


@dataclass(frozen=True)
class _Found:
    data: bytes
    engine: str
    fallback: str
    lufs: float
    true_peak_dbtp: float


def clip_file_name(clip_id: str, data: bytes) -> str:
    """Name a clip's file by its id and content, so a new render never replaces an old file."""
    return f"{clip_id}.{hashlib.sha256(data).hexdigest()[:HASH_CHARS]}.mp3"


def _reusable(path: Path, key: str) -> _Found | None:
    """Return a clip file already made for this content key and still playable, or None."""
    try:
        data = path.read_bytes()
        tags = read_id3v2_text(data)
    except (FileNotFoundError, Mp3FormatError):
        return None
    if tags.get(f"TXXX:{KEY_TAG}") != key or check_alexa_compliant(data):
        return None
    named = CLIP_FILE.fullmatch(path.name)
    if named and named["hash"] and not hashlib.sha256(data).hexdigest().startswith(named["hash"]):
        return None  # not the bytes its name promises (damaged after the export wrote it)
    try:
        lufs, peak = float(tags[f"TXXX:{LOUDNESS_TAG}"]), float(tags[f"TXXX:{PEAK_TAG}"])
    except (KeyError, ValueError):
        return None
    return _Found(data, tags.get(f"TXXX:{ENGINE_TAG}", ""), tags.get(f"TXXX:{FALLBACK_TAG}", ""),
                  lufs, peak)


def _made_here(path: Path) -> bool:
    """Tell whether an MP3 was written by this export (it carries a content key)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
        return f"TXXX:{KEY_TAG}" in read_id3v2_text(head)
    except (OSError, Mp3FormatError):
        return False


def _tagged(mp3: bytes, clip: Clip, album: str, key: str, spoken: Spoken | _Found) -> bytes:
    user_text = {KEY_TAG: key, ENGINE_TAG: spoken.engine,
                 LOUDNESS_TAG: f"{spoken.lufs:.2f}", PEAK_TAG: f"{spoken.true_peak_dbtp:.2f}"}
    if spoken.fallback:
        user_text[FALLBACK_TAG] = spoken.fallback
    return id3v2_tag(clip.title, album, user_text) + mp3


def _entry(clip: Clip, data: bytes, key: str, spoken: Spoken | _Found) -> dict:
    entry = {
        "id": clip.id, "file": clip_file_name(clip.id, data), "intent": clip.intent,
        "title": clip.title, "text": clip.text, "source": clip.source, "engine": spoken.engine,
        "duration_s": round(describe(data).duration, 3), "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(), "content_key": key,
        "loudness_lufs": round(spoken.lufs, 2), "true_peak_dbtp": round(spoken.true_peak_dbtp, 2),
    }
    if spoken.fallback:
        entry["fallback"] = spoken.fallback
    return entry


LOUDNESS_METHOD = {
    "measured_with": "pyloudnorm, ITU-R BS.1770 integrated loudness, on the decoded MP3",
    "true_peak": "4x oversampled (scipy resample_poly), largest magnitude",
}


def _package_versions() -> dict[str, str]:
    versions = {}
    for package in ("gTTS", "espeakng-loader", "lameenc", "miniaudio", "pyloudnorm", "scipy"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def _sync_folder(folder: Path) -> None:
    """Make the renames so far durable, so the manifest never lands before its files do."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _cannot_write(path: Path, error: OSError) -> ExportError:
    return ExportError(f"Cannot write {path}: {error.strerror or error}. The folder still holds "
                       "the previous export, complete; free some space and run again.")


class _ClipRun:
    """One export run into one folder: every clip in turn, the lists written last.

    Subclasses say how one clip is exported, how a clip not reached is reused from an
    earlier run, how the lists are written and which files no longer belong.
    """

    folder: Path
    clips: list[Clip]
    entries: dict[str, dict]
    progress: Progress
    result: ExportResult

    def run(self) -> ExportResult:
        started = time.monotonic()
        for leftover in self.folder.glob(f".*{PART}"):
            leftover.unlink(missing_ok=True)
        try:
            for number, clip in enumerate(self.clips, 1):
                self.progress.start(number, clip.id)
                self.progress.done(number, clip.id, self._export(clip))
        except BaseException:
            # Interrupted: list what is finished, so the next run and any reader see it. Clips
            # not reached yet are listed when an existing file still fits. Nothing is removed,
            # and when even the manifest cannot be written the previous one stands, whole.
            self.progress.finish()
            try:
                for clip in self.clips:
                    if clip.id not in self.entries:
                        self._reuse_unreached(clip)
                self._write_partial_lists()
            except (OSError, ExportError):
                pass
            raise
        self.progress.finish()
        self._write_lists()
        self._remove_unlisted()
        self.result.seconds = time.monotonic() - started
        return self.result

    def _export(self, clip: Clip) -> str:
        raise NotImplementedError

    def _reuse_unreached(self, clip: Clip) -> None:
        raise NotImplementedError

    def _write_lists(self) -> None:
        raise NotImplementedError

    def _write_partial_lists(self) -> None:
        """Write the lists of an interrupted run."""
        self._write_lists()

    def _remove_unlisted(self) -> None:
        raise NotImplementedError


class _Export(_ClipRun):
    """One run of the export into one folder."""

    def __init__(self, catalogue: Catalogue, folder: Path, engine: str, force: bool,
                 progress: Progress, speaker: ClipSpeaker, settings: dict,
                 loudness: LoudnessTarget):
        self.catalogue, self.folder, self.engine, self.force = catalogue, folder, engine, force
        self.progress, self.speaker, self.settings = progress, speaker, settings
        self.loudness = loudness
        self.album = album_name(catalogue)
        self.clips = catalogue.clips()
        self.entries: dict[str, dict] = {}
        self.result = ExportResult(folder=folder, total=len(self.clips))
        self.candidates = self._files_by_clip()

    def _reuse_unreached(self, clip: Clip) -> None:
        self._reuse(clip, retag=False)

    def _files_by_clip(self) -> dict[str, list[Path]]:
        """Return the MP3s in the folder by the clip id in their name, newest listed first."""
        listed = {entry.get("file") for entry in _manifest_clips(self.folder)}
        found: dict[str, list[Path]] = {}
        for path in sorted(self.folder.glob("*.mp3")):
            named = CLIP_FILE.fullmatch(path.name)
            if named:
                found.setdefault(named["id"], []).append(path)
        for paths in found.values():
            paths.sort(key=lambda path: path.name not in listed)
        return found

    def _key(self, clip: Clip) -> tuple[str, str]:
        spoken = self.catalogue.respell(clip.text)
        return spoken, content_key(spoken, self.engine, self.settings, self.loudness)

    def _store(self, clip: Clip, data: bytes) -> None:
        """Write a clip under its content name, unless that exact file is already there."""
        path = self.folder / clip_file_name(clip.id, data)
        try:
            if path.is_file() and path.read_bytes() == data:
                return
            write_atomically(path, data)
        except OSError as error:
            raise _cannot_write(path, error) from error
        self.candidates.setdefault(clip.id, []).insert(0, path)

    def _reuse(self, clip: Clip, *, retag: bool) -> dict | None:
        """List a clip whose file already holds this audio, fixing its tag if asked."""
        _, key = self._key(clip)
        found = next(filter(None, (_reusable(path, key)
                                   for path in self.candidates.get(clip.id, []))), None)
        if found is None:
            return None
        data = found.data
        tags = read_id3v2_text(data)
        if retag and (tags.get("TIT2"), tags.get("TALB")) != (clip.title, self.album):
            data = _tagged(data[describe(data).id3v2_size:], clip, self.album, key, found)
        # A file from before content names (or a retag) is stored again under its new name.
        self._store(clip, data)
        entry = _entry(clip, data, key, found)
        self.entries[clip.id] = entry
        return entry

    def _export(self, clip: Clip) -> str:
        """Render or reuse one clip and return what happened, for the progress output."""
        if not self.force:
            entry = self._reuse(clip, retag=True)
            if entry is not None:
                self.result.cached.append(clip.id)
                if self.engine == "auto" and entry["engine"] != "gtts":
                    self.result.espeak_kept_under_auto.append(clip.id)
                return "cached"
        spoken, key = self._key(clip)
        try:
            result = self.speaker.speak(spoken)
            data = _tagged(result.audio, clip, self.album, key, result)
            problems = check_alexa_compliant(data)
            if problems:
                raise AudioError("the MP3 would not play on Alexa: " + "; ".join(problems))
        except (SpeechError, AudioError) as error:
            self.result.failed[clip.id] = str(error)
            # With --force a good file from an earlier run may still be there: keep it.
            if self._reuse(clip, retag=True) is not None:
                return f"FAILED, kept the earlier audio: {error}"
            return f"FAILED: {error}"
        self._store(clip, data)
        self.entries[clip.id] = _entry(clip, data, key, result)
        self.result.rendered.append(clip.id)
        seconds = self.entries[clip.id]["duration_s"]
        if result.fallback:
            self.result.fell_back.append(clip.id)
            first_failed = result.fallback.split(":", 1)[0]  # "gTTS failed", "flite failed"
            return f"rendered with {result.engine} after {first_failed} ({seconds:.1f} s)"
        return f"rendered with {result.engine} ({seconds:.1f} s)"

    def _remove_unlisted(self) -> None:
        """Delete files this export made that the manifest now in place does not list."""
        current = {clip.id for clip in self.clips}
        listed = {entry["file"] for entry in self.entries.values()}
        for path in sorted(self.folder.glob("*.mp3")):
            # A failed clip's old file speaks other words, so it goes too; other MP3s stay.
            if path.name in listed or not _made_here(path):
                continue
            path.unlink(missing_ok=True)
            named = CLIP_FILE.fullmatch(path.name)
            if named and named["id"] not in current and named["id"] not in self.result.removed:
                self.result.removed.append(named["id"])

    def _listed(self) -> list[dict]:
        """Return the manifest entries in catalogue order, for files that exist."""
        listed = [self.entries[clip.id] for clip in self.clips if clip.id in self.entries]
        return [entry for entry in listed if (self.folder / entry["file"]).is_file()]

    def _write_lists(self) -> None:
        """Write playlist, transcript and, last of all, the manifest."""
        entries = self._listed()
        manifest = {
            "locale": self.catalogue.locale,
            "album": self.album,
            "generated_with": {
                "command": "python -m skill export-audio",
                "engine": self.engine,
                "settings": self.settings,
                "pipeline_version": PIPELINE_VERSION,
                "format": {"mpeg": "MPEG-2 Layer III", "bit_rate": ALEXA_BIT_RATE,
                           "sample_rate": DEFAULT_SAMPLE_RATE, "channels": "mono"},
                "loudness": {**self.loudness.recipe(), **LOUDNESS_METHOD},
                "packages": _package_versions(),
            },
            "clips": entries,
        }
        files = [
            (self.folder / PLAYLIST, playlist(self.catalogue, entries).encode()),
            (self.folder / TRANSCRIPT, transcript(self.catalogue).encode()),
            (self.folder / MANIFEST,
             (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()),
        ]
        for path, data in files:
            try:
                if path.name == MANIFEST:
                    _sync_folder(self.folder)
                _write_if_changed(path, data)
            except OSError as error:
                raise _cannot_write(path, error) from error


def _manifest_clips(folder: Path) -> list[dict]:
    """Return the manifest's clip entries, or none when it is absent or unreadable."""
    try:
        clips = json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("clips", [])
    except (OSError, ValueError, AttributeError):
        return []
    return [entry for entry in clips if isinstance(entry, dict)] if isinstance(clips, list) else []


def _listened_to(catalogue: Catalogue, clip_id: str, intent: str) -> bool:
    """Tell whether a clip belongs in a straight listen: steps, not their joined whole."""
    return not (clip_id == intent and catalogue.topic(intent).steps)


def playlist(catalogue: Catalogue, entries: list[dict]) -> str:
    """Return an extended M3U playlist of each answer once, procedure steps one by one."""
    lines = ["#EXTM3U", f"#PLAYLIST:{album_name(catalogue)}"]
    for entry in entries:
        if _listened_to(catalogue, entry["id"], entry["intent"]):
            seconds = max(1, round(entry["duration_s"]))
            lines += [f"#EXTINF:{seconds},{entry['title']}", entry["file"]]
    return "\n".join(lines) + "\n"


def transcript(catalogue: Catalogue) -> str:
    """Return every answer as text, by group, for people who cannot hear the audio."""
    wrap = textwrap.TextWrapper(width=78)
    step = textwrap.TextWrapper(width=78, subsequent_indent="   ")
    title = album_name(catalogue)
    lines = [title, "=" * len(title), "",
             "Everything the audio answers say, written out, grouped by topic.", ""]
    by_group: dict[str, list] = {}
    for topic in catalogue.topics.values():
        by_group.setdefault(topic.group, []).append(topic)
    order = [group for group in catalogue.groups if group in by_group]
    order += [group for group in by_group if group not in order]
    for group in order:
        heading = catalogue.groups.get(group, group)
        lines += [heading, "-" * len(heading), ""]
        for topic in by_group[group]:
            lines += [topic.question, *wrap.wrap(topic.answer), ""]
            for number, text in enumerate(topic.steps, 1):
                lines += [*step.wrap(f"{number}. {text}"), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


@dataclass(frozen=True)
class _Ready:
    """What an export run needs once its folder is locked."""

    folder: Path
    settings: dict
    progress: Progress
    speaker: ClipSpeaker


@contextmanager
def _ready_to_export(catalogue: Catalogue, folder: Path | str, engine: str,
                     progress: TextIO | None, interactive: bool | None,
                     **speaking) -> Iterator[_Ready]:
    """Check the engine and clip ids, lock the folder and build the progress and speaker.

    speaking is passed on to ClipSpeaker: the engines to use instead of the settings' ones,
    and how a clip is converted and measured.
    """
    folder = Path(folder)
    settings = engine_settings(engine, catalogue.locale)
    bad = [clip.id for clip in catalogue.clips() if not CLIP_ID.fullmatch(clip.id)]
    if bad:
        raise ExportError(f"These clip ids cannot be file names: {', '.join(bad)}")
    with _locked_folder(folder):
        reporter = Progress(len(catalogue.clips()), progress, interactive)
        speaker = ClipSpeaker(engine, settings, notice=reporter.say, **speaking)
        yield _Ready(folder, settings, reporter, speaker)


def export_audio(catalogue: Catalogue, folder: Path | str, *, engine: str = "auto",
                 force: bool = False, progress: TextIO | None = None,
                 interactive: bool | None = None, gtts: SpeechEngine | None = None,
                 flite: SpeechEngine | None = None, espeak: SpeechEngine | None = None,
                 loudness: LoudnessTarget = ALEXA_LOUDNESS) -> ExportResult:
    """Render every clip of a catalogue into folder, reusing clips whose content is unchanged.

    progress is where progress goes (stderr from the command line; None for silence).
    gtts, flite and espeak replace the engines built from the settings, for tests.
    """
    with _ready_to_export(catalogue, folder, engine, progress, interactive, gtts=gtts,
                          flite=flite, espeak=espeak, loudness=loudness) as ready:
        return _Export(catalogue, ready.folder, engine, force, ready.progress, ready.speaker,
                       ready.settings, loudness).run()

