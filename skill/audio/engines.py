"""Speech engines that read a patient's answer aloud: Google's gTTS online, espeak-ng offline."""

from __future__ import annotations

import ctypes
import errno
import io
import logging
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import wave
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Protocol

from skill.audio.mp3 import AudioError
from skill.catalogue import whole_word_pattern

log = logging.getLogger(__name__)

Respell = Callable[[str], str]

GTTS_CHUNK_CHARS = 100  # gTTS sends at most this many characters in one request


class SpeechError(RuntimeError):
    """Raised when an engine cannot turn a text into audio."""


class ServiceUnreachable(SpeechError):
    """Raised when an online engine's service could not be reached at all, try after try."""


class SpeechEngine(Protocol):
    """Anything with a name that turns text into MP3 or WAV bytes."""

    name: str

    def synthesize(self, text: str) -> bytes: ...


def respeller(lexicon: Mapping[str, str]) -> Respell:
    """Return a function that swaps whole words for their respellings, ignoring case."""
    pattern = whole_word_pattern(lexicon)
    if pattern is None:
        return lambda text: text
    by_word = {word.casefold(): spelling for word, spelling in lexicon.items()}
    return lambda text: pattern.sub(lambda match: by_word[match.group(0).casefold()], text)


def _spoken_text(text: str, respell: Respell | None) -> str:
    if respell is not None:
        text = respell(text)
    text = " ".join(text.split())
    if not any(character.isalnum() for character in text):
        raise SpeechError(f"there is nothing to say in {text!r}")
    return text


# Sentences end at . ! ? or … (perhaps followed by a closing quote or bracket), then a space.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|(?<=[.!?…][\"'”’)\]])\s+")
_CLAUSE_END = re.compile(r"(?<=[,;:—])\s+")
_WORD_GAP = re.compile(r"\s+")
# A full stop after these does not end the sentence ("Dr. Patel will see you").
_ABBREVIATIONS = frozenset({"dr.", "mr.", "mrs.", "ms.", "st.", "e.g.", "i.e.", "vs.", "approx."})


def _sentences(text: str) -> list[str]:
    sentences: list[str] = []
    for piece in _SENTENCE_END.split(text):
        if sentences and sentences[-1].rsplit(" ", 1)[-1].casefold() in _ABBREVIATIONS:
            sentences[-1] += " " + piece
        else:
            sentences.append(piece)
    return sentences


def _pack(pieces: Iterable[str], limit: int) -> list[str]:
    chunks: list[str] = []
    for piece in pieces:
        if chunks and len(chunks[-1]) + 1 + len(piece) <= limit:
            chunks[-1] += " " + piece
        else:
            chunks.append(piece)
    return chunks


def _split(text: str, limit: int, splitters: tuple[Callable[[str], list[str]], ...]) -> list[str]:
    if len(text) <= limit:
        return [text]
    if not splitters:
        # One "word" longer than a whole request (a URL, say): cutting it is all that is left.
        return [text[start : start + limit] for start in range(0, len(text), limit)]
    first, rest = splitters[0], splitters[1:]
    return _pack((part for piece in first(text) for part in _split(piece, limit, rest)), limit)


def sentence_chunks(text: str, limit: int = GTTS_CHUNK_CHARS) -> list[str]:
    """Split text into chunks of at most limit characters, at sentence ends where possible."""
    text = " ".join(text.split())
    if not text:
        return []
    return _split(text, limit, (_sentences, _CLAUSE_END.split, _WORD_GAP.split))


class GTTSEngine:
    """Google Translate's text-to-speech through gTTS, with timeouts and retries."""

    name = "gtts"
    # Worth another try: too many requests, and the server's own passing trouble.
    RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

    def __init__(
        self,
        *,
        lang: str = "en",
        tld: str = "com",
        timeout: float | tuple[float, float] = (5.0, 15.0),
        attempts: int = 4,
        first_delay: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        respell: Respell | None = None,
    ):
        if timeout is None:
            raise ValueError("gTTS needs a timeout: without one it waits forever on a bad network")
        if attempts < 1:
            raise ValueError(f"attempts must be at least 1, not {attempts}")
        self.lang = lang
        self.tld = tld
        self.timeout = timeout
        self.attempts = attempts
        self.first_delay = first_delay
        self.sleep = sleep
        self.respell = respell

    def synthesize(self, text: str) -> bytes:
        """Return MP3 bytes (MPEG-2, 24 kHz, 32 kbps as Google sends them) for text."""
        chunks = [
            chunk
            for chunk in sentence_chunks(_spoken_text(text, self.respell))
            if any(character.isalnum() for character in chunk)
        ]
        return b"".join(
            self._fetch(chunk, number, len(chunks)) for number, chunk in enumerate(chunks, 1)
        )

    def _fetch(self, chunk: str, number: int, total: int) -> bytes:
        """Return Google's audio for one chunk, retrying with exponential backoff."""
        from gtts import gTTS, gTTSError

        where = f"chunk {number} of {total} ({chunk[:40]!r})"
        for attempt in range(1, self.attempts + 1):
            # In memory, never gTTS's save(): a failed save() leaves a 0-byte file behind.
            buffer = io.BytesIO()
            try:
                gTTS(chunk, lang=self.lang, tld=self.tld, timeout=self.timeout).write_to_fp(buffer)
            except gTTSError as error:
                offline = _offline_reason(error)
                if offline is not None:
                    # No retries: a machine with no route or no DNS will not have one in 7 s.
                    raise ServiceUnreachable(
                        f"Google TTS cannot be reached from this machine ({offline}) on {where}"
                    ) from error
                problem = self._retryable_problem(error)
                unreachable = getattr(error, "rsp", None) is None
                if problem is None:
                    raise SpeechError(self._final_problem(error, where)) from error
            except Exception as error:
                # gTTS scrapes an unofficial API; when Google changes it the failure can be
                # anything (a ValueError from base64, say), and callers need one error type.
                raise SpeechError(
                    f"gTTS failed unexpectedly on {where}: {type(error).__name__}: {error}"
                ) from error
            else:
                audio = buffer.getvalue()
                if not audio:
                    raise SpeechError(f"Google TTS answered but sent no audio for {where}")
                return audio
            if attempt < self.attempts:
                delay = self.first_delay * 2 ** (attempt - 1)
                log.warning("%s on %s; trying again in %.1f s", problem, where, delay)
                self.sleep(delay)
        message = f"Google TTS gave up on {where} after {self.attempts} tries: {problem}"
        # A network that never answered (not a 429 or a 5xx) will not answer the next clip either.
        raise (ServiceUnreachable if unreachable else SpeechError)(message)

    def _final_problem(self, error: Exception, where: str) -> str:
        """Return a message for a failure that another try would not fix."""
        response = getattr(error, "rsp", None)
        if response is not None and response.status_code == 200:
            return (
                f"Google TTS answered {where} with no audio in its reply; the language "
                f"{self.lang!r} may be unsupported, or Google changed its reply format"
            )
        return f"Google TTS failed on {where}: {error}"

    def _retryable_problem(self, error: Exception) -> str | None:
        """Return what went wrong when another try may help, or None when it will not."""
        response = getattr(error, "rsp", None)
        if response is None:
            # gTTS raises its error while handling requests' exception, so that is the cause.
            cause = error.__context__
            detail = f"{type(cause).__name__}: {cause}" if cause else str(error)
            return f"could not reach Google TTS ({detail})"
        if response.status_code in self.RETRY_STATUSES:
            return f"Google TTS answered HTTP {response.status_code} {response.reason}"
        return None


# Errors that say this machine has no way to Google at all, rather than a passing fault.
_OFFLINE_ERRNOS = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN})


def _offline_reason(error: BaseException) -> str | None:
    """Say why Google cannot be reached at all (no DNS, no route), or None for other faults."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        cause = pending.pop()
        if cause is None or id(cause) in seen:
            continue
        seen.add(id(cause))
        if isinstance(cause, socket.gaierror):
            return "its name does not resolve; the machine looks offline"
        if isinstance(cause, OSError) and cause.errno in _OFFLINE_ERRNOS:
            return f"no network route: {os.strerror(cause.errno)}"
        # requests and urllib3 keep the real cause in args and .reason, not only __cause__.
        pending += [cause.__cause__, cause.__context__, getattr(cause, "reason", None)]
        pending += [arg for arg in cause.args if isinstance(arg, BaseException)]
    return None


# espeak-ng's C API constants (speak_lib.h).
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_ESPEAK_INITIALIZE_DONT_EXIT = 0x8000  # otherwise the library may call exit() on errors
_ESPEAK_CHARS_UTF8 = 1
_ESPEAK_ENDPAUSE = 0x1000
_POS_CHARACTER = 1
_PHONEMES_IPA = 0x02
_ESPEAK_RATE = 1
_SYNTH_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class _EspeakLibrary:
    """The process-wide espeak-ng instance; use it only while holding _ESPEAK_LOCK."""

    def __init__(self) -> None:
        import espeakng_loader

        library = ctypes.CDLL(espeakng_loader.get_library_path())
        library.espeak_Initialize.argtypes = [
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_int,
        ]
        library.espeak_SetSynthCallback.argtypes = [_SYNTH_CALLBACK]
        library.espeak_SetSynthCallback.restype = None
        library.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        library.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        library.espeak_TextToPhonemes.argtypes = [
            ctypes.POINTER(ctypes.c_char_p),
            ctypes.c_int,
            ctypes.c_int,
        ]
        library.espeak_TextToPhonemes.restype = ctypes.c_char_p
        library.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        data_path = espeakng_loader.get_data_path()
        sample_rate = library.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path.encode(), _ESPEAK_INITIALIZE_DONT_EXIT
        )
        if sample_rate <= 0:
            raise SpeechError(f"espeak-ng would not start with its data at {data_path}")
        self.library = library
        self.sample_rate = sample_rate
        self._pieces: list[bytes] = []
        # Kept on self: if ctypes freed the callback, espeak-ng would call into freed memory.
        self._callback = _SYNTH_CALLBACK(self._collect)
        library.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav, count: int, events) -> int:
        if count > 0:
            self._pieces.append(ctypes.string_at(wav, count * 2))
        return 0  # 0 asks espeak-ng to carry on

    def speak(self, text: str, voice: str, words_per_minute: int) -> bytes:
        """Return mono 16-bit PCM at self.sample_rate for text."""
        if self.library.espeak_SetVoiceByName(voice.encode()) != 0:
            raise SpeechError(f"espeak-ng has no voice called {voice!r}")
        self.library.espeak_SetParameter(_ESPEAK_RATE, words_per_minute, 0)
        self._pieces = []
        encoded = text.encode("utf-8")
        flags = _ESPEAK_CHARS_UTF8 | _ESPEAK_ENDPAUSE
        status = self.library.espeak_Synth(
            encoded, len(encoded) + 1, 0, _POS_CHARACTER, 0, flags, None, None
        )
        if status != 0:
            raise SpeechError(f"espeak-ng could not synthesize {text[:40]!r} (status {status})")
        self.library.espeak_Synchronize()
        return b"".join(self._pieces)

    def ipa(self, text: str, voice: str) -> str:
        """Return how espeak-ng would pronounce text, in IPA, clause by clause."""
        if self.library.espeak_SetVoiceByName(voice.encode()) != 0:
            raise SpeechError(f"espeak-ng has no voice called {voice!r}")
        # espeak-ng moves this pointer past each clause it converts and sets it NULL at the end.
        remaining = ctypes.c_char_p(text.encode("utf-8"))
        clauses = []
        while remaining.value:
            phonemes = self.library.espeak_TextToPhonemes(
                ctypes.byref(remaining), _ESPEAK_CHARS_UTF8, _PHONEMES_IPA
            )
            clauses.append((phonemes or b"").decode("utf-8").strip())
        return " ".join(clause for clause in clauses if clause)


_ESPEAK_LOCK = threading.Lock()
_espeak: _EspeakLibrary | None = None


def _espeak_library() -> _EspeakLibrary:
    """Return the one espeak-ng instance, starting it on first use; hold _ESPEAK_LOCK."""
    global _espeak
    if _espeak is None:
        _espeak = _EspeakLibrary()
    return _espeak


class EspeakEngine:
    """espeak-ng through ctypes: offline, fast, robotic; the fallback when Google fails."""

    name = "espeak"

    def __init__(
        self, *, voice: str = "en-us", words_per_minute: int = 165, respell: Respell | None = None
    ):
        self.voice = voice
        self.words_per_minute = words_per_minute
        self.respell = respell

    def synthesize(self, text: str) -> bytes:
        """Return a 22050 Hz mono 16-bit WAV of text."""
        spoken = _spoken_text(text, self.respell)
        with _ESPEAK_LOCK:
            espeak = _espeak_library()
            samples = espeak.speak(spoken, self.voice, self.words_per_minute)
            sample_rate = espeak.sample_rate
        if not samples:
            raise SpeechError(f"espeak-ng produced no audio for {spoken[:40]!r}")
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(sample_rate)
            wav.writeframes(samples)
        return buffer.getvalue()

    def ipa(self, text: str) -> str:
        """Return the IPA espeak-ng would speak for text, respelling applied; to check a lexicon."""
        spoken = _spoken_text(text, self.respell)
        with _ESPEAK_LOCK:
            return _espeak_library().ipa(spoken, self.voice)


FLITE_TIMEOUT_S = 60.0  # a whole answer takes flite well under a second


class FliteEngine:
    """Debian's flite with its slt voice: offline, and far clearer than espeak-ng.

    A system package (`apt-get install flite`), not pip: `available()` says whether this
    machine has it, and the export falls back to espeak-ng when it does not.
    """

    name = "flite"

    def __init__(self, *, voice: str = "slt", duration_stretch: float = 1.0,
                 executable: str = "flite", respell: Respell | None = None):
        self.voice = voice
        self.duration_stretch = duration_stretch  # above 1 speaks more slowly
        self.executable = executable
        self.respell = respell

    @staticmethod
    def available(voice: str = "slt", executable: str = "flite") -> bool:
        """Tell whether flite is installed here with this voice."""
        path = shutil.which(executable)
        if path is None:
            return False
        try:
            listed = subprocess.run([path, "-lv"], capture_output=True, text=True,
                                    timeout=FLITE_TIMEOUT_S, check=False)
        except (OSError, subprocess.SubprocessError):
            return False
        return voice in listed.stdout.split()

    def _run(self, *arguments: str) -> subprocess.CompletedProcess:
        try:
            done = subprocess.run([self.executable, *arguments], capture_output=True,
                                  timeout=FLITE_TIMEOUT_S, check=False)
        except FileNotFoundError as error:
            raise SpeechError(f"flite is not installed ({self.executable} not found); "
                              "install it with `apt-get install -y flite`") from error
        except subprocess.TimeoutExpired as error:
            raise SpeechError(f"flite took over {FLITE_TIMEOUT_S:.0f} s and was stopped") from error
        if done.returncode != 0:
            problem = done.stderr.decode("utf-8", "replace").strip() or f"status {done.returncode}"
            raise SpeechError(f"flite failed: {problem}")
        return done

    def synthesize(self, text: str) -> bytes:
        """Return flite's WAV (16 kHz mono 16-bit for slt) of text."""
        spoken = _spoken_text(text, self.respell)
        with tempfile.TemporaryDirectory(prefix="flite-") as scratch:
            wav = Path(scratch) / "speech.wav"
            self._run("-voice", self.voice, "--setf", f"duration_stretch={self.duration_stretch}",
                      "-t", spoken, "-o", str(wav))
            audio = wav.read_bytes() if wav.exists() else b""
        if len(audio) <= 44:  # a RIFF header and nothing in it
            raise SpeechError(f"flite produced no audio for {spoken[:40]!r}")
        return audio

    def phones(self, text: str) -> str:
        """Return the phones flite's slt voice speaks for text, with no stress marks."""
        spoken = _spoken_text(text, self.respell)
        out = self._run("-voice", self.voice, "-ps", "-t", spoken, "-o", "none")
        return " ".join(out.stdout.decode("utf-8").split())

    def stressed_phones(self, text: str) -> str:
        """Return flite's phones with lexical stress (vowels marked 1), from its `t2p` tool.

        t2p ships with flite and reads the same CMU lexicon and letter-to-sound rules that
        the slt voice speaks with; `phones()` is the same sequence without the digits.
        """
        spoken = _spoken_text(text, self.respell)
        t2p = str(Path(shutil.which(self.executable) or self.executable).with_name("t2p"))
        try:
            out = subprocess.run([t2p, spoken], capture_output=True, timeout=FLITE_TIMEOUT_S,
                                 check=True)
        except (OSError, subprocess.SubprocessError) as error:
            raise SpeechError(f"flite's t2p could not run: {error}") from error
        return " ".join(out.stdout.decode("utf-8").split())


class AutoEngine:
    """Try gTTS first and fall back to espeak-ng, clip by clip."""

    name = "auto"

    def __init__(
        self,
        primary: SpeechEngine | None = None,
        fallback: SpeechEngine | None = None,
        *,
        respell: Respell | None = None,
    ):
        # respell reaches only the engines built here; engines passed in bring their own.
        self.primary = primary if primary is not None else GTTSEngine(respell=respell)
        self.fallback = fallback if fallback is not None else EspeakEngine(respell=respell)

    def synthesize_with_engine(
        self, text: str, convert: Callable[[bytes], bytes] = lambda audio: audio
    ) -> tuple[bytes, str]:
        """Return converted audio from the first engine that manages, and that engine's name."""
        try:
            return convert(self.primary.synthesize(text)), self.primary.name
        except (SpeechError, AudioError) as error:
            primary, fallback = self.primary.name, self.fallback.name
            log.warning("%s failed, so %s reads this clip: %s", primary, fallback, error)
        return convert(self.fallback.synthesize(text)), self.fallback.name

    def synthesize(self, text: str) -> bytes:
        """Return audio from the first engine that manages."""
        return self.synthesize_with_engine(text)[0]
