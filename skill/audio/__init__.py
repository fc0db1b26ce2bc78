"""Speech audio for the skill, the kiosk and exported MP3s: engines, MP3 pipeline, clips."""

from skill.audio.clips import render_clip
from skill.audio.engines import (
    AutoEngine,
    EspeakEngine,
    FliteEngine,
    GTTSEngine,
    ServiceUnreachable,
    SpeechEngine,
    SpeechError,
    respeller,
    sentence_chunks,
)
from skill.audio.mp3 import (
    AudioError,
    Mp3FormatError,
    Pcm,
    check_alexa_compliant,
    describe,
    id3v2_tag,
    read_frames,
    read_id3v2_text,
    to_alexa_mp3,
)

__all__ = [
    "AudioError",
    "AutoEngine",
    "EspeakEngine",
    "FliteEngine",
    "GTTSEngine",
    "Mp3FormatError",
    "Pcm",
    "ServiceUnreachable",
    "SpeechEngine",
    "SpeechError",
    "check_alexa_compliant",
    "describe",
    "id3v2_tag",
    "read_frames",
    "read_id3v2_text",
    "render_clip",
    "respeller",
    "sentence_chunks",
    "to_alexa_mp3",
]
