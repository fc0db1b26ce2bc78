"""Export every answer for phone lines: 8 kHz mono G.711 WAV (mu-law, or A-law), with a manifest.

Phone systems (Asterisk, most IVRs) play 8 kHz G.711. Python's `wave` cannot write its format
tags (7 mu-law, 6 A-law), so soundfile (libsndfile) writes them, with the `fact` chunk the
format needs. Clips are leveled to a telephone speech level, named by their content and
listed in their own manifest, swapped in last, as the Alexa export does; a clip is cached by
the content key its manifest entry records. A run stopped by a full disk or Ctrl-C replaces
the previous manifest only when the new one still lists every clip it listed (kill -9 never
gets as far as the manifest).
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TextIO

from skill.alexa.clips import MANIFEST
from skill.audio.engines import SpeechEngine, SpeechError
from skill.audio.export import (
    CLIP_ID,
    ClipSpeaker,
    ExportResult,
    Progress,
    _cannot_write,
    _ClipRun,
    _manifest_clips,
    _ready_to_export,
    _sync_folder,
)
from skill.audio.loudness import Level, LoudnessTarget, leveled, measure
from skill.audio.mp3 import AudioError, mono_samples
from skill.catalogue import Catalogue, Clip
from skill.files import write_atomically

PHONE_PIPELINE_VERSION = 1
PHONE_RATE = 8_000
PHONE_FOLDER = "phone"  # beside the Alexa clips: dist/audio/<locale>/phone
# libsndfile's subtype, and the WAV format tag it writes, for each G.711 codec.
CODECS = {"mulaw": ("ULAW", 7), "alaw": ("ALAW", 6)}
# A telephone speech level: -19 LUFS integrated, as for mono speech on small speakers, with
# peaks 3 dB under G.711's full scale so no codec or line gain clips them.
PHONE_LOUDNESS = LoudnessTarget(lufs=-19.0, ceiling_dbtp=-3.0)


def g711_wav(samples, codec: str) -> bytes:
    """Return float samples at 8 kHz as a mono G.711 WAV file."""
    import soundfile

    buffer = io.BytesIO()
    soundfile.write(buffer, samples, PHONE_RATE, format="WAV", subtype=CODECS[codec][0])
    return buffer.getvalue()


def read_g711_wav(data: bytes):
    """Return a G.711 WAV's samples as floats."""
    import soundfile

    samples, _ = soundfile.read(io.BytesIO(data), dtype="float64")
    return samples


def to_phone_wav(audio: bytes, codec: str = "mulaw",
                 loudness: LoudnessTarget = PHONE_LOUDNESS,
                 measured: Callable[[bytes, Level], None] = lambda wav, level: None) -> bytes:
    """Return speech audio (WAV or MP3) as an 8 kHz G.711 WAV at the telephone speech level.

    measured is given the WAV and the level the leveling measured on it.
    """
    samples = mono_samples(audio, PHONE_RATE)
    if not len(samples):
        raise AudioError("the speech audio is empty: there is nothing to encode")
    return leveled(samples, PHONE_RATE, loudness, encode=partial(g711_wav, codec=codec),
                   decode=read_g711_wav, measured=measured)


def phone_level(data: bytes) -> Level:
    """Measure a G.711 WAV clip as a phone line will play it."""
    return measure(read_g711_wav(data), PHONE_RATE)


def phone_key(spoken: str, engine: str, settings: dict, codec: str,
              loudness: LoudnessTarget) -> str:
    """Hash everything that shapes a phone clip, so equal keys mean equal audio."""
    recipe = {"text": spoken, "engine": engine, "settings": settings,
              "pipeline": {"version": PHONE_PIPELINE_VERSION, "format": "WAV G.711",
                           "codec": codec, "sample_rate": PHONE_RATE,
                           "loudness": loudness.recipe()}}
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


def phone_file_name(clip_id: str, data: bytes) -> str:
    """Name a phone clip by its id and content, so a new render never replaces an old file."""
    return f"{clip_id}.{hashlib.sha256(data).hexdigest()[:12]}.wav"


def _duration(data: bytes) -> float:
    import soundfile

    return soundfile.info(io.BytesIO(data)).frames / PHONE_RATE


class _PhoneExport(_ClipRun):
    """One run of the phone export into one folder."""

    def __init__(self, catalogue: Catalogue, folder: Path, engine: str, codec: str, force: bool,
                 progress: Progress, speaker: ClipSpeaker, settings: dict,
                 loudness: LoudnessTarget):
        self.catalogue, self.folder, self.engine, self.codec = catalogue, folder, engine, codec
        self.force, self.progress, self.speaker = force, progress, speaker
        self.settings, self.loudness = settings, loudness
        self.clips = catalogue.clips()
        self.earlier = {entry.get("id"): entry for entry in _manifest_clips(folder)}
        self.entries: dict[str, dict] = {}
        self.result = ExportResult(folder=folder, total=len(self.clips))

    def _reuse_unreached(self, clip: Clip) -> None:
        self._reuse(clip)

    def _write_lists(self) -> None:
        self._write_manifest()

    def _write_partial_lists(self) -> None:
        """Replace the manifest after an interruption only when it loses no clip still asked for.

        A phone line has no text to read in place of a missing prompt, so after a full disk
        (or Ctrl-C) in a run that re-renders clips (another law, a new loudness) the previous
        export stands whole rather than a manifest listing only the clips finished so far.
        """
        asked_for = {clip.id for clip in self.clips}
        if not (set(self.earlier) & asked_for) - set(self.entries):
            self._write_manifest()

    def _remove_unlisted(self) -> None:
        listed = {entry["file"] for entry in self.entries.values()}
        for path in self.folder.glob("*.wav"):
            if path.name not in listed and self._made_here(path):
                path.unlink(missing_ok=True)

    def _made_here(self, path: Path) -> bool:
        clip_id, _, rest = path.name.rpartition(".")[0].rpartition(".")
        return bool(CLIP_ID.fullmatch(clip_id)) and len(rest) == 12

    def _key(self, clip: Clip) -> tuple[str, str]:
        spoken = self.catalogue.respell(clip.text)
        return spoken, phone_key(spoken, self.engine, self.settings, self.codec, self.loudness)

    def _entry(self, clip: Clip, data: bytes, key: str, engine: str, fallback: str,
               level: Level) -> dict:
        entry = {
            "id": clip.id, "file": phone_file_name(clip.id, data), "intent": clip.intent,
            "title": clip.title, "text": clip.text, "source": clip.source, "engine": engine,
            "duration_s": round(_duration(data), 3), "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(), "content_key": key,
            "loudness_lufs": level.lufs, "true_peak_dbtp": level.true_peak_dbtp,
        }
        if fallback:
            entry["fallback"] = fallback
        return entry

    def _reuse(self, clip: Clip) -> dict | None:
        """List a clip whose earlier file was made for this content key and is intact."""
        _, key = self._key(clip)
        earlier = self.earlier.get(clip.id)
        if not earlier or earlier.get("content_key") != key:
            return None
        try:
            data = (self.folder / earlier["file"]).read_bytes()
            level = Level(float(earlier["loudness_lufs"]), float(earlier["true_peak_dbtp"]))
        except (OSError, KeyError, TypeError, ValueError):
            return None  # a manifest edited or damaged by hand: render the clip again
        # The new entry names the file by its content: only the file under that name will do.
        if (hashlib.sha256(data).hexdigest() != earlier.get("sha256")
                or earlier["file"] != phone_file_name(clip.id, data)):
            return None
        entry = self._entry(clip, data, key, earlier.get("engine", ""),
                            earlier.get("fallback", ""), level)
        self.entries[clip.id] = entry
        return entry

    def _export(self, clip: Clip) -> str:
        if not self.force and self._reuse(clip) is not None:
            self.result.cached.append(clip.id)
            return "cached"
        spoken, key = self._key(clip)
        try:
            result = self.speaker.speak(spoken)
        except (SpeechError, AudioError) as error:
            self.result.failed[clip.id] = str(error)
            return f"FAILED: {error}"
        path = self.folder / phone_file_name(clip.id, result.audio)
        try:
            write_atomically(path, result.audio)
        except OSError as error:
            raise _cannot_write(path, error) from error
        level = Level(result.lufs, result.true_peak_dbtp)
        self.entries[clip.id] = self._entry(clip, result.audio, key, result.engine,
                                            result.fallback, level)
        self.result.rendered.append(clip.id)
        if result.fallback:
            self.result.fell_back.append(clip.id)
        return f"rendered with {result.engine} ({self.entries[clip.id]['duration_s']:.1f} s)"

    def _write_manifest(self) -> None:
        entries = [self.entries[clip.id] for clip in self.clips if clip.id in self.entries]
        subtype, tag = CODECS[self.codec]
        manifest = {
            "locale": self.catalogue.locale,
            "generated_with": {
                "command": f"python -m skill export-audio --format phone --codec {self.codec}",
                "engine": self.engine,
                "settings": self.settings,
                "pipeline_version": PHONE_PIPELINE_VERSION,
                "format": {"container": "WAV", "codec": f"G.711 {self.codec}",
                           "format_tag": tag, "sample_rate": PHONE_RATE, "channels": 1,
                           "bits_per_sample": 8},
                "loudness": {**self.loudness.recipe(),
                             "measured_with": "pyloudnorm, ITU-R BS.1770 integrated loudness, "
                                              "on the decoded G.711 samples at 48 kHz"},
            },
            "clips": entries,
        }
        path = self.folder / MANIFEST
        data = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
        try:
            if path.is_file() and path.read_bytes() == data:
                return
            _sync_folder(self.folder)
            write_atomically(path, data)
        except OSError as error:
            raise _cannot_write(path, error) from error


def export_phone_audio(catalogue: Catalogue, folder: Path | str, *, engine: str = "auto",
                       codec: str = "mulaw", force: bool = False,
                       progress: TextIO | None = None, interactive: bool | None = None,
                       gtts: SpeechEngine | None = None, flite: SpeechEngine | None = None,
                       espeak: SpeechEngine | None = None,
                       loudness: LoudnessTarget = PHONE_LOUDNESS) -> ExportResult:
    """Render every clip as 8 kHz G.711 WAV into folder, reusing clips whose content is unchanged.

    gtts, flite and espeak replace the engines built from the settings, for tests.
    """
    if codec not in CODECS:
        raise ValueError(f"unknown codec {codec!r}; choose one of {', '.join(CODECS)}")
    with _ready_to_export(catalogue, folder, engine, progress, interactive, gtts=gtts,
                          flite=flite, espeak=espeak,
                          convert=partial(to_phone_wav, codec=codec, loudness=loudness),
                          level_of=phone_level) as ready:
        return _PhoneExport(catalogue, ready.folder, engine, codec, force, ready.progress,
                            ready.speaker, ready.settings, loudness).run()
