"""Render one answer as an Alexa-ready MP3 clip, recording which engine spoke it."""

from __future__ import annotations

from skill.audio.engines import AutoEngine, Respell, SpeechEngine
from skill.audio.mp3 import to_alexa_mp3


def render_clip(
    text: str, engine: SpeechEngine, respell: Respell | None = None
) -> tuple[bytes, str]:
    """Return Alexa-compliant MP3 bytes for text and the name of the engine that spoke it."""
    spoken = respell(text) if respell is not None else text
    if isinstance(engine, AutoEngine):
        # Converting inside the fallback means undecodable gTTS audio also falls back.
        return engine.synthesize_with_engine(spoken, convert=to_alexa_mp3)
    return to_alexa_mp3(engine.synthesize(spoken)), engine.name
