"""MP3 pipeline: Alexa-compliant encoding, the frame reader and its compliance check, ID3 tags."""

import array
import io
import math
import wave

import lameenc
import miniaudio
import pytest

from skill.audio import EspeakEngine
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
    without_vbr_header,
)

SENTENCE = (
    "Kyphoplasty treats a painful compression fracture of the spine. A small balloon "
    "restores the height of the bone, and cement holds it in place."
)
# LAME starts every stream with 576 + 529 samples of encoder delay (lame.c, "encoder_delay").
LAME_DELAY_SAMPLES = 1105

# Headers worked out by hand from the MPEG audio spec, not from the code under test:
# FF F3 = sync, MPEG-2, Layer III, no CRC; third byte = bit rate index << 4 | sample rate
# index << 2 (16000 Hz is index 2); fourth byte C4 = mono + "original", 04 = stereo.
# Layer III MPEG-2 frame length = 72 * bit rate / sample rate.
GOOD_48K = (bytes.fromhex("fff368c4"), 216)  # 48 kbps is index 6
LOW_32K = (bytes.fromhex("fff348c4"), 144)  # 32 kbps is index 4
STEREO_48K = (bytes.fromhex("fff36804"), 216)
HIGH_64K = (bytes.fromhex("fff388c4"), 288)  # 64 kbps is index 8
# FF FB = MPEG-1 Layer III; 38 = 48 kbps (index 3) at 32000 Hz (index 2); 144 * 48000 / 32000.
MPEG1_48K = (bytes.fromhex("fffb38c4"), 216)


def hand_frame(header_and_length: tuple[bytes, int], tag: bytes = b"") -> bytes:
    """Return one frame of silence; tag lands where a Xing/Info tag goes in MPEG-2 mono."""
    header, length = header_and_length
    side_info = bytes(9)  # MPEG-2 mono side information
    body = side_info + tag
    return header + body + bytes(length - 4 - len(body))


def tone_pcm(seconds: float, sample_rate: int, channels: int = 1) -> Pcm:
    """Return a 440 Hz tone, standing in for speech where only the signal path matters."""
    count = int(seconds * sample_rate)
    samples = array.array(
        "h",
        (
            int(8000 * math.sin(2 * math.pi * 440 * (index // channels) / sample_rate))
            for index in range(count * channels)
        ),
    )
    return Pcm(samples.tobytes(), sample_rate, channels)


def gtts_like_mp3(seconds: float = 2.0) -> bytes:
    """Return MP3 shaped like gTTS output: MPEG-2 Layer III, 24 kHz, mono, 32 kbps."""
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(32)
    encoder.set_in_sample_rate(24_000)
    encoder.set_out_sample_rate(24_000)  # LAME would pick 22050 Hz for 32 kbps otherwise
    encoder.set_channels(1)
    return bytes(encoder.encode(tone_pcm(seconds, 24_000).samples) + encoder.flush())


@pytest.fixture(scope="module")
def espeak_wav() -> bytes:
    return EspeakEngine().synthesize(SENTENCE)


@pytest.fixture(scope="module")
def espeak_pcm(espeak_wav) -> Pcm:
    with wave.open(io.BytesIO(espeak_wav)) as wav:
        return Pcm(wav.readframes(wav.getnframes()), wav.getframerate(), wav.getnchannels())


@pytest.fixture(scope="module")
def espeak_mp3(espeak_wav) -> bytes:
    return to_alexa_mp3(espeak_wav)


def test_espeak_clip_is_alexa_compliant_frame_by_frame(espeak_mp3):
    frames = read_frames(espeak_mp3)
    assert len(frames) > 50
    assert espeak_mp3[:4] == GOOD_48K[0]
    expected_offset = 0
    for frame in frames:
        assert frame.offset == expected_offset  # no gaps and no garbage between frames
        assert (frame.version, frame.layer) == ("2", 3)
        assert (frame.bit_rate, frame.sample_rate, frame.channel_mode) == (48_000, 16_000, "mono")
        assert frame.length == 216 and frame.samples == 576
        assert frame.vbr_header is None
        expected_offset += frame.length
    assert expected_offset == len(espeak_mp3)
    assert check_alexa_compliant(espeak_mp3) == []


def test_duration_matches_the_speech_within_two_frames(espeak_mp3, espeak_pcm):
    summary = describe(espeak_mp3)
    one_frame = 576 / 16_000
    expected = espeak_pcm.duration + LAME_DELAY_SAMPLES / 16_000
    # Resampling rounds the length and LAME pads to whole frames: up to two frames of slack.
    assert 0 <= summary.duration - expected < 2 * one_frame
    decoded = miniaudio.decode(espeak_mp3, nchannels=1, sample_rate=16_000)
    assert abs(decoded.num_frames / 16_000 - summary.duration) < one_frame


@pytest.mark.parametrize("sample_rate", [16_000, 22_050, 24_000])
def test_every_alexa_sample_rate_encodes_compliant(espeak_wav, sample_rate):
    mp3 = to_alexa_mp3(espeak_wav, sample_rate=sample_rate)
    summary = describe(mp3)
    assert summary.sample_rates == {sample_rate}
    assert summary.bit_rates == {48_000}
    assert check_alexa_compliant(mp3) == []


def test_gtts_shaped_mp3_is_rejected_then_converted():
    original = gtts_like_mp3(seconds=2.0)
    before = describe(original)
    assert (before.versions, before.bit_rates, before.sample_rates) == ({"2"}, {32_000}, {24_000})
    assert any("48 kbps" in problem for problem in check_alexa_compliant(original))

    converted = to_alexa_mp3(original)
    assert check_alexa_compliant(converted) == []
    assert describe(converted).sample_rates == {16_000}
    # Two LAME passes each add their delay and pad to a frame; the speech itself stays 2 s.
    assert 2.0 < describe(converted).duration < 2.0 + 0.25


def test_stereo_pcm_at_cd_rate_becomes_mono_16k():
    mp3 = to_alexa_mp3(tone_pcm(1.0, 44_100, channels=2))
    assert describe(mp3).channel_modes == {"mono"}
    assert check_alexa_compliant(mp3) == []


@pytest.mark.parametrize(
    "audio, complaint",
    [
        (b"", "empty"),
        (b"this is not audio at all" * 10, "could not decode"),
        (b"RIFF\x24\x00\x00\x00WAVEjunk", "WAV audio is damaged"),
    ],
)
def test_unusable_audio_is_refused_clearly(audio, complaint):
    with pytest.raises(AudioError, match=complaint):
        to_alexa_mp3(audio)


def test_alexa_refuses_other_sample_rates():
    with pytest.raises(ValueError, match="44100 Hz"):
        to_alexa_mp3(tone_pcm(0.1, 16_000), sample_rate=44_100)


def test_hand_built_compliant_file_reads_as_expected():
    data = hand_frame(GOOD_48K) * 10
    summary = describe(data)
    assert summary.audio_frames == 10
    assert summary.duration == pytest.approx(10 * 576 / 16_000)
    assert check_alexa_compliant(data) == []


@pytest.mark.parametrize(
    "data, complaint",
    [
        (hand_frame(LOW_32K) * 10, "exactly 48 kbps"),
        (hand_frame(STEREO_48K) * 10, "'mono'"),
        (hand_frame(MPEG1_48K) * 10, "MPEG-2 Layer III"),
        (hand_frame(MPEG1_48K) * 10, "16000, 22050 or 24000 Hz"),
        (hand_frame(GOOD_48K) * 3 + hand_frame(LOW_32K) * 2, "2 of 5 frames"),
        (hand_frame(HIGH_64K, tag=b"Xing") + hand_frame(GOOD_48K) * 10, "Xing header frame 0"),
        (hand_frame(HIGH_64K, tag=b"Info") + hand_frame(GOOD_48K) * 10, "Info header frame 0"),
        (hand_frame(GOOD_48K) * 6700, "over Alexa's 240 s"),  # 6700 * 36 ms = 241.2 s
        (b"", "no MP3 frames"),
    ],
)
def test_hand_built_bad_files_are_reported(data, complaint):
    problems = check_alexa_compliant(data)
    assert any(complaint in problem for problem in problems), problems


def test_header_frame_is_detected_and_not_counted_as_audio():
    data = hand_frame(HIGH_64K, tag=b"Xing") + hand_frame(GOOD_48K) * 4
    frames = read_frames(data)
    assert [frame.vbr_header for frame in frames] == ["Xing", None, None, None, None]
    summary = describe(data)
    assert summary.vbr_header == "Xing"
    assert summary.audio_frames == 4
    assert summary.bit_rates == {64_000, 48_000}


def test_vbri_header_frame_is_detected():
    header, length = GOOD_48K
    frame = header + bytes(32) + b"VBRI" + bytes(length - 40)
    assert read_frames(frame + hand_frame(GOOD_48K))[0].vbr_header == "VBRI"


def test_cutting_the_header_frame_makes_the_file_compliant():
    tag = id3v2_tag("Will it hurt?", "Spine Clinic - Kyphoplasty")
    data = tag + hand_frame(HIGH_64K, tag=b"Info") + hand_frame(GOOD_48K) * 4
    assert check_alexa_compliant(data)
    cut = without_vbr_header(data)
    assert cut == tag + hand_frame(GOOD_48K) * 4
    assert check_alexa_compliant(cut) == []


def test_garbage_between_frames_is_an_error():
    data = hand_frame(GOOD_48K) + b"\x00junk" + hand_frame(GOOD_48K)
    with pytest.raises(Mp3FormatError, match="at byte 216 but found 00 6a 75 6e"):
        read_frames(data)
    assert check_alexa_compliant(data)[0].startswith("not a readable MP3")


def test_truncated_last_frame_is_an_error():
    data = hand_frame(GOOD_48K) * 2
    with pytest.raises(Mp3FormatError, match="needs 216 bytes but only 100 are left"):
        read_frames(data[:-116])


def test_id3v2_tag_bytes_follow_the_spec():
    # Header "ID3" v2.3.0, no flags, syncsafe size 29; each frame: id, 4-byte size, 2 flag
    # bytes, then encoding 0 (Latin-1) and the text.
    assert id3v2_tag("Hi", "Spine") == (
        b"ID3\x03\x00\x00\x00\x00\x00\x1d"
        b"TIT2\x00\x00\x00\x03\x00\x00\x00Hi"
        b"TALB\x00\x00\x00\x06\x00\x00\x00Spine"
    )


def test_tagged_clip_keeps_its_tags_and_stays_compliant(espeak_mp3):
    title = "How long does kyphoplasty\u2019s recovery take?"  # curly apostrophe needs UTF-16
    album = "Riverside Spine Clinic \u2013 Kyphoplasty"
    tagged = id3v2_tag(title, album) + espeak_mp3
    assert read_id3v2_text(tagged) == {"TIT2": title, "TALB": album}
    assert describe(tagged).id3v2_size == len(id3v2_tag(title, album))
    assert len(read_frames(tagged)) == len(read_frames(espeak_mp3))
    assert check_alexa_compliant(tagged) == []


def test_trailing_id3v1_tag_is_skipped():
    id3v1 = b"TAG" + bytes(125)
    assert len(read_frames(hand_frame(GOOD_48K) * 3 + id3v1)) == 3
