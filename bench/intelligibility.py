"""Judge each offline voice by an automatic round trip: speak, transcribe, count word errors.

Every clip is exported with each speech engine on this machine (espeak-ng always; Debian's
flite and festival where installed), through the same leveling and MP3 encoding the
product uses, then decoded and transcribed by pocketsphinx with its bundled US English
model. The word error rate (jiwer) against the manifest's text is a proxy for how well a
listener follows the voice, not a listening test: it flags a voice change that hurts.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from skill.alexa.clips import MANIFEST  # noqa: E402
from skill.audio.export import engine_settings, export_audio  # noqa: E402
from skill.audio.loudness import ALEXA_LOUDNESS  # noqa: E402
from skill.audio.mp3 import DEFAULT_SAMPLE_RATE, decode_mp3, pcm16, to_alexa_mp3  # noqa: E402
from skill.catalogue import load_catalogue  # noqa: E402

TARGET_RATIO = 0.5  # the default offline engine's WER at most half of espeak-ng's
# IPA to the recognizer's ARPAbet phones, for the lexicon's words it does not know.
ARPABET = {"aɪ": "AY", "aʊ": "AW", "eɪ": "EY", "oʊ": "OW", "ɔɪ": "OY", "ɜr": "ER", "ər": "ER",
           "tʃ": "CH", "dʒ": "JH", "ɑ": "AA", "æ": "AE", "ʌ": "AH", "ə": "AH", "ɔ": "AO",
           "ɛ": "EH", "ɪ": "IH", "i": "IY", "ʊ": "UH", "u": "UW", "b": "B", "d": "D", "f": "F",
           "g": "G", "h": "HH", "k": "K", "l": "L", "m": "M", "n": "N", "ŋ": "NG", "p": "P",
           "r": "R", "s": "S", "ʃ": "SH", "t": "T", "θ": "TH", "ð": "DH", "v": "V", "w": "W",
           "j": "Y", "z": "Z", "ʒ": "ZH"}
SMALL_NUMBERS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                 "fourteen fifteen sixteen seventeen eighteen nineteen").split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


class FestivalVoice:
    """Debian's festival through text2wave, for comparison only: the product does not ship it."""

    name = "festival"

    def synthesize(self, text: str) -> bytes:
        """Return festival's WAV of text."""
        with tempfile.TemporaryDirectory() as scratch:
            wav = Path(scratch) / "speech.wav"  # a file: on a pipe the header says 0 bytes
            subprocess.run(["text2wave", "-o", str(wav)], input=text.encode("utf-8"),
                           capture_output=True, timeout=120, check=True)
            return wav.read_bytes()


def arpabet(ipa: str) -> str:
    """Return ARPAbet phones for IPA (stress marks dropped)."""
    phones, at = [], 0
    ipa = ipa.replace("ˈ", "").replace("ˌ", "").replace("ː", "")
    while at < len(ipa):
        two = ipa[at:at + 2]
        if two in ARPABET:
            phones.append(ARPABET[two])
            at += 2
        else:
            phones.append(ARPABET[ipa[at]])
            at += 1
    return " ".join(phones)


def transcriber(catalogue):
    """Return a function from 16 kHz MP3 bytes to pocketsphinx's transcript."""
    from pocketsphinx import Decoder

    decoder = Decoder(samprate=DEFAULT_SAMPLE_RATE, logfn="/dev/null")
    # The hard words ("kyphoplasty") are not in its dictionary: teach them from the lexicon's
    # IPA, so every engine can score on them rather than none.
    for entry in catalogue.lexicon:
        if decoder.lookup_word(entry.word) is None:
            decoder.add_word(entry.word, arpabet(entry.ipa), True)

    def transcribe(mp3: bytes) -> str:
        decoder.start_utt()
        decoder.process_raw(pcm16(decode_mp3(mp3, DEFAULT_SAMPLE_RATE)), full_utt=True)
        decoder.end_utt()
        hypothesis = decoder.hyp()
        return hypothesis.hypstr if hypothesis is not None else ""

    return transcribe


def spoken_number(digits: str) -> str:
    """Say a number as a listener needs it: up to 99 as a number, longer digit by digit."""
    if len(digits) > 2:
        return " ".join(SMALL_NUMBERS[int(digit)] for digit in digits)
    value = int(digits)
    if value < 20:
        return SMALL_NUMBERS[value]
    return TENS[value // 10] + ("" if value % 10 == 0 else " " + SMALL_NUMBERS[value % 10])


def words(text: str) -> str:
    """Return text as the recognizer writes it: lower case words, numbers spelled out."""
    text = re.sub(r"[0-9]+", lambda match: f" {spoken_number(match.group(0))} ", text.lower())
    return " ".join(re.findall(r"[a-z']+", text.replace("-", " ")))


def exported_clips(catalogue, engine: str, scratch: Path) -> dict[str, tuple[str, bytes]]:
    """Return each clip's text and MP3 as the export makes them with this engine."""
    if engine == "festival":
        voice = FestivalVoice()
        return {clip.id: (clip.text, to_alexa_mp3(voice.synthesize(catalogue.respell(clip.text)),
                                                  loudness=ALEXA_LOUDNESS))
                for clip in catalogue.clips()}
    folder = scratch / engine
    result = export_audio(catalogue, folder, engine=engine)
    if result.failed:
        raise SystemExit(result.failure_report())
    entries = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["clips"]
    return {entry["id"]: (entry["text"], (folder / entry["file"]).read_bytes())
            for entry in entries}


def main() -> int:
    """Print WER per engine and per clip; exit 1 when the default offline voice misses."""
    import jiwer

    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--locale", default="en-US")
    options.add_argument("--clips", action="store_true", help="also print every transcript")
    args = options.parse_args()
    catalogue = load_catalogue(args.locale)
    engines = ["espeak"]
    engines += ["flite"] if "flite" in engine_settings("offline", args.locale) else []
    engines += ["festival"] if shutil.which("text2wave") else []
    default_offline = next(iter(engine_settings("offline", args.locale)))
    transcribe = transcriber(catalogue)
    rates: dict[str, float] = {}
    per_clip: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for engine in engines:
            references, heard = [], []
            for clip_id, (text, mp3) in exported_clips(catalogue, engine, Path(scratch)).items():
                reference, transcript = words(text), words(transcribe(mp3))
                references.append(reference)
                heard.append(transcript)
                per_clip.setdefault(clip_id, {})[engine] = jiwer.wer(reference, transcript)
                if args.clips:
                    print(f"{engine:>8} {clip_id}: {transcript}")
            rates[engine] = jiwer.wer(references, heard)  # pooled over every word of every clip

    print(f"Intelligibility: pocketsphinx {_version('pocketsphinx')} (bundled en-US model) "
          f"transcribing {len(per_clip)} exported clips; word error rate against the text")
    print(f"  {'clip':<32}" + "".join(f"{engine:>10}" for engine in engines))
    for clip_id, by_engine in per_clip.items():
        print(f"  {clip_id:<32}" + "".join(f"{by_engine[e]:>10.0%}" for e in engines))
    print(f"  {'all clips':<32}" + "".join(f"{rates[e]:>10.1%}" for e in engines))
    limit = TARGET_RATIO * rates["espeak"]
    met = rates[default_offline] <= limit
    print(f"Default offline engine here: {default_offline}, WER {rates[default_offline]:.1%}; "
          f"target at most half of espeak-ng's ({limit:.1%}): {'met' if met else 'MISSED'}")
    return 0 if met else 1


def _version(package: str) -> str:
    from importlib import metadata

    return metadata.version(package)


if __name__ == "__main__":
    raise SystemExit(main())
