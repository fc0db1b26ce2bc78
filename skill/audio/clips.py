"""Render one answer as an Alexa-ready MP3 clip, recording which engine spoke it."""

from __future__ import annotations

from collections.abc import Callable

from skill.audio.engines import AutoEngine, Respell, SpeechEngine
from skill.audio.mp3 import to_alexa_mp3


def render_clip(
    text: str, engine: SpeechEngine, respell: Respell | None = None,
    convert: Callable[[bytes], bytes] = to_alexa_mp3,
) -> tuple[bytes, str]:
    """Return Alexa-compliant MP3 bytes for text and the name of the engine that spoke it.

    convert turns the engine's audio into the clip (to_alexa_mp3 with a loudness target, say).
    """
    spoken = respell(text) if respell is not None else text
    if isinstance(engine, AutoEngine):
        # Converting inside the fallback means undecodable gTTS audio also falls back.
        return engine.synthesize_with_engine(spoken, convert=convert)
    return convert(engine.synthesize(spoken)), engine.name
