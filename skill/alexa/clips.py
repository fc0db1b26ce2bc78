"""Play exported audio clips in answers when they are hosted and still match the catalogue."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from skill.catalogue import PROJECT_ROOT, Catalogue
from skill.speech import audio_tag, to_ssml

DIST_AUDIO = PROJECT_ROOT / "dist" / "audio"
MANIFEST = "manifest.json"


def audio_dir(locale: str) -> Path:
    """Return where a locale's exported audio lives (AUDIO_DIR overrides the parent folder)."""
    return Path(os.environ.get("AUDIO_DIR") or DIST_AUDIO) / locale


@lru_cache(maxsize=8)
def _read_manifest(path: Path, mtime_ns: int) -> dict[str, dict]:
    # Keyed by mtime so a fresh export is picked up without a restart.
    data = json.loads(path.read_text(encoding="utf-8"))
    return {entry["id"]: entry for entry in data.get("clips", [])}


def read_manifest(folder: Path) -> dict[str, dict]:
    """Return the manifest's clips by id, or nothing when there is no export yet."""
    path = folder / MANIFEST
    try:
        return _read_manifest(path, path.stat().st_mtime_ns)
    except FileNotFoundError:
        return {}


def matching_clip(clips: dict[str, dict], clip_id: str, text: str) -> dict | None:
    """Return a manifest entry that has a file and still says text, or None."""
    entry = clips.get(clip_id)
    if entry and entry.get("text") == text and entry.get("file"):
        return entry
    return None


@dataclass(frozen=True)
class ClipLibrary:
    """The exported clips Alexa may play, by clip id."""

    base_url: str = ""
    clips: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def from_environment(cls, catalogue: Catalogue) -> ClipLibrary:
        """Use the export for this locale when AUDIO_BASE_URL is an HTTPS location."""
        base = os.environ.get("AUDIO_BASE_URL", "").strip()
        if not base.lower().startswith("https://"):
            return cls()
        return cls(base.rstrip("/"), read_manifest(audio_dir(catalogue.locale)))

    def playable(self, clip_id: str, text: str) -> dict | None:
        """Return the manifest entry for a clip whose words still match, or None."""
        return matching_clip(self.clips, clip_id, text) if self.base_url else None

    def speech(self, clip_id: str, text: str, catalogue: Catalogue) -> str:
        """Return SSML that plays the clip, or reads the text when the clip cannot be used."""
        entry = self.playable(clip_id, text)
        if entry:
            return audio_tag(f"{self.base_url}/{entry['file']}")
        return to_ssml(text, catalogue)

    def problems(self, catalogue: Catalogue) -> list[str]:
        """List clips that Alexa would read as text instead of playing, and why."""
        found = []
        for clip in catalogue.clips():
            entry = self.clips.get(clip.id)
            if entry is None:
                found.append(f"audio clip {clip.id}: not in the exported manifest; "
                             "run `python -m skill export-audio`")
            elif entry.get("text") != clip.text:
                found.append(f"audio clip {clip.id}: its words no longer match the catalogue; "
                             "run `python -m skill export-audio`")
        return found
