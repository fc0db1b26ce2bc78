"""Speech engines: gTTS against a local fake of Google's endpoint, espeak-ng for real, fallback."""

import base64
import errno
import io
import json
import logging
import threading
import urllib.parse
import wave

import lameenc
import pytest
import requests

from skill.audio import (
    AutoEngine,
    EspeakEngine,
    FliteEngine,
    GTTSEngine,
    ServiceUnreachable,
    SpeechError,
    check_alexa_compliant,
    describe,
    render_clip,
    respeller,
    sentence_chunks,
)

BATCHEXECUTE = "https://translate.google.com/_/TranslateWebserverUi/data/batchexecute"
LEXICON = {"kyphoplasty": "KY-fo-plasty", "vertebroplasty": "VER-te-bro-plasty"}
# espeak-ng spells capitals out letter by letter ("KY" is "kay-why"), so it needs lower case.
ESPEAK_LEXICON = {"vertebroplasty": "vertibroeplasty"}


def batchexecute_reply(audio: bytes) -> str:
    """Return a body shaped like Google's batchexecute answer, the audio base64 inside."""
    # The RPC result is itself JSON text inside the JSON envelope, as Google sends it.
    result = json.dumps([base64.b64encode(audio).decode("ascii")])
    envelope = json.dumps(
        [
            ["wrb.fr", "jQ1olc", result, None, None, None, "generic"],
            ["di", 53],
            ["af.httprm", 52, "-4226418711487435380", 9],
        ],
        separators=(",", ":"),
    )
    trailer = json.dumps([["e", 4, None, None, len(envelope) + 40]], separators=(",", ":"))
    return f")]}}'\n\n{len(envelope)}\n{envelope}\n{len(trailer)}\n{trailer}\n"


def spoken_texts(history) -> list[str]:
    """Return the text gTTS asked Google to read in each recorded request."""
    texts = []
    for request in history:
        rpc = json.loads(urllib.parse.parse_qs(request.text)["f.req"][0])
        texts.append(json.loads(rpc[0][0][1])[0])
    return texts


def gtts_like_mp3(seconds: float = 0.5) -> bytes:
    """Return a voice-like buzz as MP3 shaped like gTTS output: MPEG-2, 24 kHz, mono, 32 kbps."""
    import numpy as np

    time = np.arange(int(seconds * 24_000)) / 24_000
    # A 140 Hz voice with its harmonics, in syllables four times a second: loud enough to level.
    voice = sum(np.sin(2 * np.pi * 140 * n * time) / n for n in range(1, 12))
    buzz = 0.2 * voice * (0.55 - 0.45 * np.cos(2 * np.pi * 4 * time))
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(32)
    encoder.set_in_sample_rate(24_000)
    encoder.set_out_sample_rate(24_000)
    encoder.set_channels(1)
    samples = np.round(buzz * 32767).astype("<i2").tobytes()
    return bytes(encoder.encode(samples) + encoder.flush())


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def gtts(sleeps) -> GTTSEngine:
    return GTTSEngine(sleep=sleeps.append)


# ---- gTTS, driven through its real code against a fake batchexecute endpoint ----


def test_gtts_returns_googles_audio_and_always_sends_a_timeout(requests_mock, gtts):
    audio = gtts_like_mp3()
    requests_mock.post(BATCHEXECUTE, text=batchexecute_reply(audio))
    assert gtts.synthesize("Will I be awake during the procedure?") == audio
    assert requests_mock.call_count == 1
    assert requests_mock.last_request.timeout == (5.0, 15.0)
    assert spoken_texts(requests_mock.request_history) == ["Will I be awake during the procedure?"]


def test_long_answer_goes_out_in_sentence_chunks_and_comes_back_in_order(requests_mock, gtts):
    answer = (
        "Kyphoplasty treats a painful compression fracture of the spine. "
        "The surgeon inflates a small balloon inside the broken vertebra. "
        "Then bone cement fills the space and sets within minutes. "
        "Most people go home the same day."
    )
    parts = [f"part {number} ".encode() * 20 for number in range(4)]
    requests_mock.post(BATCHEXECUTE, [{"text": batchexecute_reply(part)} for part in parts])
    audio = gtts.synthesize(answer)
    texts = spoken_texts(requests_mock.request_history)
    assert len(texts) >= 3
    assert all(len(text) <= 100 and text.endswith((".", "?", "!")) for text in texts)
    assert " ".join(texts) == answer
    assert audio == b"".join(parts[: len(texts)])


@pytest.mark.parametrize(
    "first_answer",
    [
        {"status_code": 429, "reason": "Too Many Requests"},
        {"status_code": 503, "reason": "Service Unavailable"},
        {"exc": requests.exceptions.ConnectTimeout},
        {"exc": requests.exceptions.ReadTimeout},
        {"exc": requests.exceptions.ConnectionError},
    ],
    ids=["429", "503", "connect-timeout", "read-timeout", "connection-error"],
)
def test_passing_trouble_is_retried_after_a_pause(requests_mock, gtts, sleeps, first_answer):
    audio = gtts_like_mp3()
    requests_mock.post(BATCHEXECUTE, [first_answer, {"text": batchexecute_reply(audio)}])
    assert gtts.synthesize("How long will the procedure take?") == audio
    assert requests_mock.call_count == 2
    assert sleeps == [1.0]


def test_429_forever_gives_up_after_the_last_try_with_backoff(requests_mock, gtts, sleeps):
    requests_mock.post(BATCHEXECUTE, status_code=429, reason="Too Many Requests")
    with pytest.raises(SpeechError, match=r"after 4 tries: .*HTTP 429 Too Many Requests"):
        gtts.synthesize("Can I eat before the procedure?")
    assert requests_mock.call_count == 4
    assert sleeps == [1.0, 2.0, 4.0]


def test_timeouts_forever_give_up_naming_the_timeout(requests_mock, sleeps):
    engine = GTTSEngine(attempts=3, first_delay=0.5, sleep=sleeps.append, timeout=2.0)
    requests_mock.post(BATCHEXECUTE, exc=requests.exceptions.ConnectTimeout("no answer"))
    with pytest.raises(SpeechError, match=r"after 3 tries: could not reach .*ConnectTimeout"):
        engine.synthesize("Will I need a brace afterwards?")
    assert requests_mock.call_count == 3
    assert sleeps == [0.5, 1.0]
    assert {request.timeout for request in requests_mock.request_history} == {2.0}


def test_a_name_that_does_not_resolve_fails_at_once_without_retries(sleeps):
    # A real lookup of a name that never resolves (.invalid is reserved), as on a machine
    # with no network: gTTS, requests and the resolver all run for real.
    engine = GTTSEngine(tld="invalid", sleep=sleeps.append)
    with pytest.raises(ServiceUnreachable, match="does not resolve; the machine looks offline"):
        engine.synthesize("Can I drive home afterwards?")
    assert sleeps == []


def test_no_route_to_google_fails_at_once_without_retries(requests_mock, gtts, sleeps):
    unreachable = OSError(errno.ENETUNREACH, "Network is unreachable")
    requests_mock.post(BATCHEXECUTE, exc=requests.exceptions.ConnectionError(unreachable))
    with pytest.raises(ServiceUnreachable, match="no network route: Network is unreachable"):
        gtts.synthesize("Will I be asleep?")
    assert requests_mock.call_count == 1
    assert sleeps == []


def test_offline_auto_export_goes_straight_to_espeak(sleeps):
    offline = GTTSEngine(tld="invalid", sleep=sleeps.append)
    mp3, engine_name = render_clip("When can I go home?", AutoEngine(primary=offline))
    assert engine_name == "espeak"
    assert check_alexa_compliant(mp3) == []
    assert sleeps == []


def test_a_refusal_is_not_retried(requests_mock, gtts, sleeps):
    requests_mock.post(BATCHEXECUTE, status_code=403, reason="Forbidden")
    with pytest.raises(SpeechError, match="403"):
        gtts.synthesize("Is kyphoplasty safe?")
    assert requests_mock.call_count == 1
    assert sleeps == []


@pytest.mark.parametrize(
    "reply, complaint",
    [
        # The RPC line is there but carries no audio (Google's answer to an unknown language).
        (')]}\'\n\n60\n[["wrb.fr","jQ1olc","[]",null,null,null,"generic"]]\n', "no audio"),
        # No RPC line at all: gTTS itself then yields nothing and raises nothing.
        (')]}\'\n\n25\n[["e",4,null,null,25]]\n', "sent no audio"),
        # The audio is not base64: gTTS's own decoding blows up.
        (')]}\'\n\n60\n[["wrb.fr","jQ1olc","[\\"@@@not base64\\"]"]]\n', "unexpectedly"),
    ],
    ids=["rpc-without-audio", "no-rpc-line", "broken-base64"],
)
def test_a_reply_without_audio_is_a_clear_error(requests_mock, gtts, sleeps, reply, complaint):
    requests_mock.post(BATCHEXECUTE, text=reply)
    with pytest.raises(SpeechError, match=complaint):
        gtts.synthesize("What should I bring on the day?")
    assert requests_mock.call_count == 1


def test_gtts_refuses_to_run_without_a_timeout():
    with pytest.raises(ValueError, match="waits forever"):
        GTTSEngine(timeout=None)


def test_gtts_reads_the_respelling(requests_mock):
    requests_mock.post(BATCHEXECUTE, text=batchexecute_reply(gtts_like_mp3()))
    GTTSEngine(respell=respeller(LEXICON)).synthesize("Is Kyphoplasty the same as vertebroplasty?")
    assert spoken_texts(requests_mock.request_history) == [
        "Is KY-fo-plasty the same as VER-te-bro-plasty?"
    ]


# ---- splitting and respelling ----

CONSENT = "Your surgeon will explain each step of the procedure before you sign the consent form."
PATEL = "Dr. Patel answers any questions after that."


@pytest.mark.parametrize(
    "text, chunks",
    [
        ("Short answer.", ["Short answer."]),
        ("  Two   spaces\nand a line break. ", ["Two spaces and a line break."]),
        (f"{CONSENT} {PATEL}", [CONSENT, PATEL]),  # no break after "Dr."
        (
            "You will lie face down on the table, the team will numb the skin over your back, "
            "and the surgeon will place a thin tube into the bone.",
            [
                "You will lie face down on the table, the team will numb the skin over your back,",
                "and the surgeon will place a thin tube into the bone.",
            ],
        ),
        ("", []),
    ],
)
def test_sentence_chunks(text, chunks):
    assert sentence_chunks(text) == chunks


def test_sentence_chunks_never_cut_a_word():
    text = " ".join(["vertebroplasty"] * 30)  # no punctuation at all
    chunks = sentence_chunks(text)
    assert len(chunks) > 1
    assert all(len(chunk) <= 100 for chunk in chunks)
    assert " ".join(chunks) == text


@pytest.mark.parametrize(
    "text, respelled",
    [
        ("Kyphoplasty?", "KY-fo-plasty?"),
        ("WHAT IS KYPHOPLASTY", "WHAT IS KY-fo-plasty"),
        ("(vertebroplasty), or kyphoplasty.", "(VER-te-bro-plasty), or KY-fo-plasty."),
        ("balloon-kyphoplasty", "balloon-KY-fo-plasty"),
        ("kyphoplasty's risks", "KY-fo-plasty's risks"),
        ("kyphoplasties", "kyphoplasties"),  # whole words only
        ("prekyphoplasty", "prekyphoplasty"),
    ],
)
def test_respeller_swaps_whole_words_ignoring_case(text, respelled):
    assert respeller(LEXICON)(text) == respelled


# ---- espeak-ng, for real ----


def wav_seconds(wav_bytes: bytes) -> float:
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (22_050, 1, 2)
        return wav.getnframes() / wav.getframerate()


@pytest.mark.parametrize("words", [3, 40])
def test_espeak_speaks_for_a_plausible_time(words):
    text = " ".join(["spine"] * words) + "."
    seconds = wav_seconds(EspeakEngine(words_per_minute=165).synthesize(text))
    expected = words / 165 * 60
    assert 0.5 * expected < seconds < 2 * expected + 1.0


def test_espeak_reads_the_respelling():
    # espeak-ng's audio is never byte-identical (it draws noise from rand()), so compare
    # what it would pronounce. Plain, it says "verte-BRAH-plasty" (FACTS.md).
    plain = EspeakEngine().ipa("Is vertebroplasty different?")
    respelled = EspeakEngine(respell=respeller(ESPEAK_LEXICON)).ipa("Is vertebroplasty different?")
    assert "bɹˌɑː" in plain
    assert "bɹˌoʊ" in respelled
    assert respelled == EspeakEngine().ipa("Is vertibroeplasty different?")


def test_espeak_is_safe_to_share_between_threads():
    # Different lengths, so a clip that swallowed another thread's audio would show it.
    texts = [" ".join(["recovery"] * words) + "." for words in (1, 4, 9, 16, 25)]
    alone = {text: wav_seconds(EspeakEngine().synthesize(text)) for text in texts}
    together: dict[str, float] = {}

    def speak(text: str) -> None:
        together[text] = wav_seconds(EspeakEngine().synthesize(text))

    threads = [threading.Thread(target=speak, args=(text,)) for text in texts * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert together.keys() == alone.keys()
    for text, seconds in alone.items():
        assert together[text] == pytest.approx(seconds, abs=0.05)


def test_espeak_refuses_an_unknown_voice():
    with pytest.raises(SpeechError, match="no voice called 'xx-nowhere'"):
        EspeakEngine(voice="xx-nowhere").synthesize("hello")


@pytest.mark.parametrize("engine", [EspeakEngine(), GTTSEngine()], ids=["espeak", "gtts"])
def test_nothing_to_say_is_refused_before_any_work(engine, requests_mock):
    with pytest.raises(SpeechError, match="nothing to say"):
        engine.synthesize(" ... ")
    assert requests_mock.call_count == 0


# ---- clips and fallback ----


def test_clip_from_gtts_is_alexa_compliant(requests_mock, gtts):
    requests_mock.post(BATCHEXECUTE, text=batchexecute_reply(gtts_like_mp3(seconds=1.0)))
    mp3, engine_name = render_clip("When can I drive again?", AutoEngine(primary=gtts))
    assert engine_name == "gtts"
    assert check_alexa_compliant(mp3) == []
    assert 1.0 < describe(mp3).duration < 1.25


def test_clip_falls_back_to_espeak_when_google_keeps_refusing(requests_mock, gtts, caplog):
    requests_mock.post(BATCHEXECUTE, status_code=429, reason="Too Many Requests")
    with caplog.at_level(logging.WARNING, logger="skill.audio.engines"):
        mp3, engine_name = render_clip("When can I drive again?", AutoEngine(primary=gtts))
    assert engine_name == "espeak"
    assert check_alexa_compliant(mp3) == []
    assert describe(mp3).duration > 0.5
    assert "gtts failed, so espeak reads this clip" in caplog.text


def test_clip_falls_back_when_googles_audio_will_not_decode(requests_mock, gtts):
    requests_mock.post(BATCHEXECUTE, text=batchexecute_reply(b"not an mp3 at all " * 50))
    mp3, engine_name = render_clip("When can I shower?", AutoEngine(primary=gtts))
    assert engine_name == "espeak"
    assert check_alexa_compliant(mp3) == []


def test_clip_respells_for_a_single_engine(requests_mock, gtts):
    requests_mock.post(BATCHEXECUTE, text=batchexecute_reply(gtts_like_mp3()))
    _, engine_name = render_clip("Why kyphoplasty?", gtts, respell=respeller(LEXICON))
    assert engine_name == "gtts"
    assert spoken_texts(requests_mock.request_history) == ["Why KY-fo-plasty?"]


def test_fallback_failure_is_not_swallowed(requests_mock, gtts):
    requests_mock.post(BATCHEXECUTE, status_code=403, reason="Forbidden")
    engine = AutoEngine(primary=gtts, fallback=EspeakEngine(voice="xx-nowhere"))
    with pytest.raises(SpeechError, match="no voice"):
        engine.synthesize("Hello.")


# ---- Debian's flite ----


def flite_wav_facts(wav: bytes) -> tuple[int, int, float]:
    with wave.open(io.BytesIO(wav), "rb") as reader:
        rate = reader.getframerate()
        return rate, reader.getnchannels(), reader.getnframes() / rate


def test_flite_speaks_a_16_khz_mono_wav_for_a_plausible_time():
    assert FliteEngine.available(), (
        "Debian's flite (slt voice) is not installed; install it with "
        "`sudo apt-get install -y flite` (.ci/run does) and run the tests again.")
    text = "Please ask your care team before you drive home after the procedure."
    rate, channels, seconds = flite_wav_facts(FliteEngine().synthesize(text))
    assert (rate, channels) == (16_000, 1)
    assert 2.0 < seconds < 8.0  # 12 words
    slower = flite_wav_facts(FliteEngine(duration_stretch=1.3).synthesize(text))[2]
    assert slower > seconds * 1.15


def test_flite_reads_the_respelling():
    engine = FliteEngine(respell=respeller({"kyphoplasty": "kyfohplasty"}))
    assert engine.phones("Why kyphoplasty?") == FliteEngine().phones("Why kyfohplasty?")
    assert engine.phones("Why kyphoplasty?") != FliteEngine().phones("Why kyphoplasty?")


def test_a_missing_flite_is_one_clear_error():
    assert not FliteEngine.available(executable="/nonexistent/flite")
    with pytest.raises(SpeechError, match="apt-get install -y flite"):
        FliteEngine(executable="/nonexistent/flite").synthesize("Hello.")
    assert not FliteEngine.available(voice="no-such-voice")
