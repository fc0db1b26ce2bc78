"""Turn speech audio into MP3 that Alexa's SSML <audio> tag accepts, and inspect MP3 frames."""

from __future__ import annotations

import io
import math
import struct
import wave
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from skill.audio.loudness import Level, LoudnessTarget

# Alexa's SSML <audio> rules (FACTS.md "Alexa platform numbers").
ALEXA_BIT_RATE = 48_000
ALEXA_SAMPLE_RATES = frozenset({16_000, 22_050, 24_000})
ALEXA_MAX_SECONDS = 240.0
DEFAULT_SAMPLE_RATE = 16_000  # the safest of the three, and the smallest files

# Bit rates in kbps by (MPEG version family, layer), indexed by the header's 4-bit field;
# index 0 is "free format" and 15 is forbidden, both unusable here.
_BIT_RATES_KBPS = {
    ("1", 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    ("1", 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    ("1", 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    ("2", 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    ("2", 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    ("2", 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_SAMPLE_RATES = {
    "1": (44_100, 48_000, 32_000),
    "2": (22_050, 24_000, 16_000),
    "2.5": (11_025, 12_000, 8_000),
}
_VERSIONS = {0b00: "2.5", 0b10: "2", 0b11: "1"}
_LAYERS = {0b01: 3, 0b10: 2, 0b11: 1}
_CHANNEL_MODES = ("stereo", "joint stereo", "dual channel", "mono")
_ID3V1_SIZE = 128


class AudioError(ValueError):
    """Raised when audio cannot be read or turned into Alexa-compliant MP3."""


class Mp3FormatError(AudioError):
    """Raised when bytes are not a well-formed sequence of MPEG audio frames."""


@dataclass(frozen=True)
class Pcm:
    """Signed 16-bit little-endian PCM samples, interleaved when there are several channels."""

    samples: bytes
    sample_rate: int
    channels: int = 1

    @property
    def duration(self) -> float:
        """Return the length in seconds."""
        return len(self.samples) / (2 * self.channels * self.sample_rate)


@dataclass(frozen=True)
class Frame:
    """One MPEG audio frame header, where it sits, and any VBR header it carries."""

    offset: int
    version: str  # "1", "2" or "2.5"
    layer: int
    bit_rate: int  # bits per second
    sample_rate: int
    channel_mode: str
    padding: bool
    protected: bool
    length: int  # bytes, header included
    samples: int  # PCM samples per channel this frame decodes to
    vbr_header: str | None = None  # "Xing", "Info" or "VBRI" when this frame is a header frame


@dataclass(frozen=True)
class Mp3Summary:
    """What an MP3 holds, frame by frame, boiled down."""

    audio_frames: int
    duration: float  # seconds, from audio frames only
    bit_rates: frozenset[int]  # every frame, header frame included
    sample_rates: frozenset[int]
    versions: frozenset[str]
    layers: frozenset[int]
    channel_modes: frozenset[str]
    vbr_header: str | None
    id3v2_size: int


def _id3v2_size(data: bytes) -> int:
    if len(data) < 10 or data[:3] != b"ID3":
        return 0
    size = _syncsafe_decode(data[6:10])
    footer = 10 if data[5] & 0x10 else 0
    total = 10 + size + footer
    if total > len(data):
        raise Mp3FormatError(f"the ID3v2 tag claims {total} bytes but the file has {len(data)}")
    return total


def _syncsafe_decode(four: bytes) -> int:
    if any(byte & 0x80 for byte in four):
        raise Mp3FormatError(f"ID3v2 size {four.hex(' ')} is not syncsafe (a high bit is set)")
    return (four[0] << 21) | (four[1] << 14) | (four[2] << 7) | four[3]


def _syncsafe_encode(size: int) -> bytes:
    if size >= 1 << 28:
        raise ValueError(f"an ID3v2 tag cannot hold {size} bytes")
    return bytes((size >> shift) & 0x7F for shift in (21, 14, 7, 0))


def _parse_header(data: bytes, offset: int) -> Frame:
    """Return the frame starting at offset, or raise saying what is wrong with it."""
    header = data[offset : offset + 4]
    where = f"at byte {offset}"
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        raise Mp3FormatError(
            f"expected an MPEG frame header {where} but found {header.hex(' ') or 'the end'}"
        )
    version = _VERSIONS.get((header[1] >> 3) & 0b11)
    layer = _LAYERS.get((header[1] >> 1) & 0b11)
    if version is None or layer is None:
        raise Mp3FormatError(f"frame header {where} has a reserved MPEG version or layer")
    protected = not header[1] & 1
    bit_rate_index = header[2] >> 4
    sample_rate_index = (header[2] >> 2) & 0b11
    if bit_rate_index in (0, 15):
        raise Mp3FormatError(f"frame header {where} has unusable bit rate index {bit_rate_index}")
    if sample_rate_index == 3:
        raise Mp3FormatError(f"frame header {where} has the reserved sample rate index")
    family = "1" if version == "1" else "2"
    bit_rate = _BIT_RATES_KBPS[family, layer][bit_rate_index] * 1000
    sample_rate = _SAMPLE_RATES[version][sample_rate_index]
    padding = bool(header[2] & 0b10)
    channel_mode = _CHANNEL_MODES[header[3] >> 6]
    if layer == 1:
        samples = 384
        length = (12 * bit_rate // sample_rate + padding) * 4
    else:
        samples = 1152 if layer == 2 or version == "1" else 576
        length = samples // 8 * bit_rate // sample_rate + padding
    frame = Frame(
        offset=offset,
        version=version,
        layer=layer,
        bit_rate=bit_rate,
        sample_rate=sample_rate,
        channel_mode=channel_mode,
        padding=padding,
        protected=protected,
        length=length,
        samples=samples,
    )
    if offset + length > len(data):
        raise Mp3FormatError(
            f"the frame {where} needs {length} bytes but only {len(data) - offset} are left"
        )
    return _with_vbr_header(data, frame)


def _with_vbr_header(data: bytes, frame: Frame) -> Frame:
    if frame.layer != 3:
        return frame
    # The Xing/Info tag sits right after the side information, whose size depends on
    # version and channels; VBRI (Fraunhofer) always sits 32 bytes after the header.
    mono = frame.channel_mode == "mono"
    side_info = (17 if mono else 32) if frame.version == "1" else (9 if mono else 17)
    xing_at = frame.offset + 4 + (2 if frame.protected else 0) + side_info
    tag = data[xing_at : xing_at + 4]
    if tag in (b"Xing", b"Info"):
        return _replace(frame, vbr_header=tag.decode("ascii"))
    if data[frame.offset + 36 : frame.offset + 40] == b"VBRI":
        return _replace(frame, vbr_header="VBRI")
    return frame


def _replace(frame: Frame, **changes) -> Frame:
    return Frame(**{**frame.__dict__, **changes})


def read_frames(data: bytes) -> list[Frame]:
    """Return every MPEG audio frame in data, skipping ID3 tags; raise on anything else."""
    offset = _id3v2_size(data)
    end = len(data)
    if end - offset >= _ID3V1_SIZE and data[end - _ID3V1_SIZE : end - _ID3V1_SIZE + 3] == b"TAG":
        end -= _ID3V1_SIZE
    body = data[:end]
    frames = []
    while offset < end:
        frame = _parse_header(body, offset)
        frames.append(frame)
        offset += frame.length
    return frames


def describe(data: bytes) -> Mp3Summary:
    """Summarise an MP3's frames: duration, bit rates, sample rates, versions, channels."""
    frames = read_frames(data)
    audio = [frame for frame in frames if frame.vbr_header is None]
    header_frames = [frame.vbr_header for frame in frames if frame.vbr_header]
    return Mp3Summary(
        audio_frames=len(audio),
        duration=math.fsum(frame.samples / frame.sample_rate for frame in audio),
        bit_rates=frozenset(frame.bit_rate for frame in frames),
        sample_rates=frozenset(frame.sample_rate for frame in frames),
        versions=frozenset(frame.version for frame in frames),
        layers=frozenset(frame.layer for frame in frames),
        channel_modes=frozenset(frame.channel_mode for frame in frames),
        vbr_header=header_frames[0] if header_frames else None,
        id3v2_size=_id3v2_size(data),
    )


def check_alexa_compliant(data: bytes) -> list[str]:
    """Return what stops Alexa's SSML <audio> from playing this MP3; empty when it is fine."""
    try:
        frames = read_frames(data)
    except Mp3FormatError as error:
        return [f"not a readable MP3: {error}"]
    if not frames:
        return ["the file holds no MP3 frames"]
    problems = []

    def first_offender(wrong, rule: str) -> None:
        offenders = [(index, frame) for index, frame in enumerate(frames) if wrong(frame)]
        if offenders:
            index, frame = offenders[0]
            kind = f"{frame.vbr_header} header frame" if frame.vbr_header else "frame"
            problems.append(
                f"{len(offenders)} of {len(frames)} frames break the rule '{rule}'; "
                f"the first is {kind} {index} at byte {frame.offset}: MPEG-{frame.version} "
                f"layer {frame.layer}, {frame.bit_rate // 1000} kbps, {frame.sample_rate} Hz, "
                f"{frame.channel_mode}"
            )

    first_offender(lambda f: f.version != "2" or f.layer != 3, "MPEG-2 Layer III")
    first_offender(lambda f: f.bit_rate != ALEXA_BIT_RATE, "exactly 48 kbps")
    first_offender(lambda f: f.sample_rate not in ALEXA_SAMPLE_RATES, "16000, 22050 or 24000 Hz")
    first_offender(lambda f: f.channel_mode != "mono", "mono")
    if len({frame.sample_rate for frame in frames}) > 1:
        problems.append("the sample rate changes between frames")
    seconds = describe(data).duration
    if seconds > ALEXA_MAX_SECONDS:
        problems.append(f"{seconds:.1f} s of audio is over Alexa's {ALEXA_MAX_SECONDS:.0f} s")
    return problems


def without_vbr_header(data: bytes) -> bytes:
    """Return the MP3 with any Xing/Info/VBRI header frame cut out, tags kept."""
    frames = read_frames(data)
    kept = bytearray(data[: _id3v2_size(data)])
    for frame in frames:
        if frame.vbr_header is None:
            kept += data[frame.offset : frame.offset + frame.length]
    last_end = frames[-1].offset + frames[-1].length if frames else len(kept)
    kept += data[last_end:]  # a trailing ID3v1 tag, if any
    return bytes(kept)


def _pcm_from_wav(data: bytes) -> Pcm:
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            if wav.getsampwidth() != 2:
                raise AudioError(f"WAV has {8 * wav.getsampwidth()}-bit samples; expected 16-bit")
            return Pcm(wav.readframes(wav.getnframes()), wav.getframerate(), wav.getnchannels())
    except (wave.Error, EOFError) as error:
        raise AudioError(f"the WAV audio is damaged: {error}") from error


def _mono_pcm_at(audio: bytes | Pcm, sample_rate: int) -> bytes:
    """Return mono 16-bit samples at sample_rate from a Pcm, a WAV or an MP3."""
    import miniaudio

    if not (audio.samples if isinstance(audio, Pcm) else audio):
        raise AudioError("the speech audio is empty: there is nothing to encode")
    if isinstance(audio, bytes) and audio[:4] == b"RIFF":
        audio = _pcm_from_wav(audio)
    if isinstance(audio, Pcm):
        if audio.channels == 1 and audio.sample_rate == sample_rate:
            return audio.samples
        return bytes(
            miniaudio.convert_frames(
                miniaudio.SampleFormat.SIGNED16,
                audio.channels,
                audio.sample_rate,
                audio.samples,
                miniaudio.SampleFormat.SIGNED16,
                1,
                sample_rate,
            )
        )
    try:
        decoded = miniaudio.decode(
            audio, miniaudio.SampleFormat.SIGNED16, nchannels=1, sample_rate=sample_rate
        )
    except miniaudio.DecodeError as error:
        raise AudioError(
            f"could not decode {len(audio)} bytes of speech audio as MP3 or WAV: {error}"
        ) from error
    return decoded.samples.tobytes()


def _encode_mp3(samples: bytes, sample_rate: int) -> bytes:
    """Return 48 kbps CBR mono MP3 of 16-bit samples, with no VBR header frame."""
    import lameenc

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(ALEXA_BIT_RATE // 1000)
    encoder.set_in_sample_rate(sample_rate)
    encoder.set_channels(1)
    encoder.set_quality(2)
    # lameenc 1.9.0 writes no Xing/Info frame; cutting one anyway keeps a future lameenc
    # from slipping in a header frame at another bit rate, which Alexa rejects.
    return without_vbr_header(bytes(encoder.encode(samples) + encoder.flush()))


def decode_mp3(data: bytes, sample_rate: int):
    """Return an MP3's audio as mono float64 samples in [-1, 1) at sample_rate."""
    import miniaudio
    import numpy as np

    try:
        decoded = miniaudio.decode(data, miniaudio.SampleFormat.SIGNED16, nchannels=1,
                                   sample_rate=sample_rate)
    except miniaudio.DecodeError as error:
        raise AudioError(f"could not decode {len(data)} bytes of MP3: {error}") from error
    return np.frombuffer(decoded.samples.tobytes(), "<i2").astype(np.float64) / 32768


def pcm16(samples) -> bytes:
    """Return float samples in [-1, 1) as signed 16-bit little-endian bytes."""
    import numpy as np

    return (np.round(np.clip(samples, -1.0, 32767 / 32768) * 32768)).astype("<i2").tobytes()


def mono_samples(audio: bytes | Pcm, sample_rate: int):
    """Return a Pcm, WAV or MP3 as mono float64 samples at sample_rate."""
    import numpy as np

    return np.frombuffer(_mono_pcm_at(audio, sample_rate), "<i2").astype(np.float64) / 32768


def to_alexa_mp3(audio: bytes | Pcm, sample_rate: int = DEFAULT_SAMPLE_RATE,
                 loudness: LoudnessTarget | None = None,
                 measured: Callable[[bytes, Level], None] = lambda mp3, level: None) -> bytes:
    """Return MPEG-2 Layer III, 48 kbps CBR, mono MP3 with no VBR header frame.

    With a loudness target the speech is brought to it (gain, then a limiter for the peaks),
    and measured is given the MP3 and the level the leveling measured on it.
    """
    if sample_rate not in ALEXA_SAMPLE_RATES:
        raise ValueError(f"Alexa plays {sorted(ALEXA_SAMPLE_RATES)} Hz, not {sample_rate} Hz")
    samples = _mono_pcm_at(audio, sample_rate)
    if not samples:  # a WAV header with no frames gets this far
        raise AudioError("the speech audio is empty: there is nothing to encode")
    if loudness is None:
        mp3 = _encode_mp3(samples, sample_rate)
    else:
        from skill.audio.loudness import leveled

        mp3 = leveled(mono_samples(Pcm(samples, sample_rate), sample_rate), sample_rate,
                      loudness, encode=lambda floats: _encode_mp3(pcm16(floats), sample_rate),
                      decode=lambda data: decode_mp3(data, sample_rate), measured=measured)
    problems = check_alexa_compliant(mp3)
    if problems:
        raise AudioError("the encoder made MP3 that Alexa would reject: " + "; ".join(problems))
    return mp3


def _id3v2_text_frame(frame_id: str, text: str) -> bytes:
    try:
        payload = b"\x00" + text.encode("latin-1")
    except UnicodeEncodeError:
        # ID3v2.3 knows only Latin-1 and UCS-2; utf-16 with a BOM is the UCS-2 form players read.
        payload = b"\x01" + text.encode("utf-16")
    return frame_id.encode("ascii") + struct.pack(">IH", len(payload), 0) + payload


def _id3v2_user_frame(description: str, value: str) -> bytes:
    try:
        payload = b"\x00" + description.encode("latin-1") + b"\x00" + value.encode("latin-1")
    except UnicodeEncodeError:
        payload = b"\x01" + description.encode("utf-16") + b"\x00\x00" + value.encode("utf-16")
    return b"TXXX" + struct.pack(">IH", len(payload), 0) + payload


def id3v2_tag(title: str, album: str, user_text: Mapping[str, str] | None = None) -> bytes:
    """Return an ID3v2.3 tag with a title (TIT2), an album (TALB) and any TXXX texts."""
    frames = _id3v2_text_frame("TIT2", title) + _id3v2_text_frame("TALB", album)
    for description, value in (user_text or {}).items():
        frames += _id3v2_user_frame(description, value)
    return b"ID3\x03\x00\x00" + _syncsafe_encode(len(frames)) + frames


def _user_text(payload: bytes) -> tuple[str, str]:
    """Split a TXXX payload into its description and value."""
    if payload[0] == 0:
        description, _, value = payload[1:].partition(b"\x00")
        return description.decode("latin-1"), value.decode("latin-1").rstrip("\x00")
    # UTF-16 strings end at a zero code unit, which sits on an even offset.
    body = payload[1:]
    end = next((i for i in range(0, len(body) - 1, 2) if body[i : i + 2] == b"\x00\x00"), len(body))
    return body[:end].decode("utf-16"), body[end + 2 :].decode("utf-16").rstrip("\x00")


def read_id3v2_text(data: bytes) -> dict[str, str]:
    """Return the text frames (TIT2, TALB, TXXX:<description>, ...) of an ID3v2.3 tag."""
    size = _id3v2_size(data)
    if not size:
        return {}
    if data[3] != 3:
        raise Mp3FormatError(f"only ID3v2.3 tags are read here, not ID3v2.{data[3]}")
    texts = {}
    offset = 10
    while offset + 10 <= size and data[offset] != 0:  # a zero byte starts the padding
        frame_id = data[offset : offset + 4].decode("latin-1")
        (length,) = struct.unpack(">I", data[offset + 4 : offset + 8])
        payload = data[offset + 10 : offset + 10 + length]
        if len(payload) != length:
            raise Mp3FormatError(f"ID3v2 frame {frame_id} runs past the end of the tag")
        if frame_id == "TXXX" and payload:
            description, value = _user_text(payload)
            texts[f"TXXX:{description}"] = value
        elif frame_id.startswith("T") and payload:
            encoding = "latin-1" if payload[0] == 0 else "utf-16"
            texts[frame_id] = payload[1:].decode(encoding).rstrip("\x00")
        offset += 10 + length
    return texts
