"""Load the answer catalogue (responses/) and check it before anyone hears it."""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RESPONSES_DIR = PROJECT_ROOT / "responses"
DEFAULT_LOCALE = "en-US"

# One or two breaths when spoken calmly; Alexa's own limit (8,000) is far above this.
MAX_SPOKEN_CHARS = 350
# A template that expands further than this is a typo, not a phrasing list.
MAX_VARIANTS_PER_TEMPLATE = 300
MAX_UTTERANCE_CHARS = 200

# Alexa refuses sample utterances with anything but letters, spaces, apostrophes, hyphens
# and the periods of spelled-out letters ("x. ray").
UTTERANCE_CHARS = re.compile(r"^[a-z][a-z' .\-]*$")
INTENT_NAME = re.compile(r"^[A-Z][A-Za-z]*Intent$")
# Spoken text becomes SSML: these would break it or be read out as symbols.
SSML_UNSAFE = re.compile(r"[<>&\"\\\x00-\x1f]")
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")

RED_FLAG_ID = re.compile(r"^[a-z][a-z_]*$")
EMERGENCY_INTENT = "EmergencyIntent"
# Settings a topic may answer from; name, phone_hours and emergency_number only shape
# the contact and emergency sentences.
TOPIC_SETTINGS = {"phone", "fasting", "medicines", "arrival", "duration", "risks", "showering",
                  "wound_care", "activity", "return_to_work", "pain_relief_after", "follow_up"}
CLINIC_KEYS = TOPIC_SETTINGS | {"name", "phone_hours", "emergency_number"}
# An emergency number is dialled, so it is digits only: 911, 999, 112, 000.
EMERGENCY_NUMBER = re.compile(r"^[0-9]{2,4}$")


class CatalogueError(ValueError):
    """The catalogue or clinic settings cannot be used as written."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"{len(problems)} {noun} in the catalogue:\n"
                         + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Pronunciation:
    """How to say one hard word."""

    word: str
    ipa: str
    respelling: str


@dataclass(frozen=True)
class FollowUp:
    """An offer made after an answer, taken up by a yes."""

    prompt: str
    intent: str


@dataclass(frozen=True)
class Topic:
    """One question patients ask, with its answer and where that answer comes from."""

    intent: str
    group: str
    question: str
    card_title: str
    answer: str
    card_text: str
    source: str
    templates: tuple[str, ...]
    samples: tuple[str, ...]
    steps: tuple[str, ...] = ()
    follow_up: FollowUp | None = None
    end_session: bool = False
    section: str = ""
    quotes: tuple[str, ...] = ()
    setting: str = ""
    # How a "Did you mean" offer names this topic ("how long it takes").
    choice: str = ""


@dataclass(frozen=True)
class RedFlag:
    """One family of red-flag symptoms, as a clinician reviewed it."""

    id: str
    name: str
    signals: tuple[re.Pattern, ...]
    not_when: tuple[re.Pattern, ...]
    must: tuple[str, ...]
    must_not: tuple[str, ...]
    samples: tuple[str, ...]


# Contractions typed without their apostrophe, restored so "cant breathe" reads as "can't",
# and a few spoken forms a smart speaker writes down as heard (Scots "cannae", "alot").
APOSTROPHES = {word.replace("'", ""): word for word in (
    "can't", "won't", "don't", "doesn't", "didn't", "isn't", "aren't", "wasn't", "couldn't",
    "wouldn't", "hasn't", "haven't", "hadn't", "i'm", "i've", "he's", "she's", "they're")} | {
    "cannae": "can't", "canna": "can't", "dinnae": "don't", "didnae": "didn't",
    "couldnae": "couldn't", "wouldnae": "wouldn't", "isnae": "isn't", "wasnae": "wasn't",
    "willnae": "won't", "wullnae": "won't", "doesnae": "doesn't", "hasnae": "hasn't",
    "havnae": "haven't", "alot": "a lot", "masel": "myself", "hersel": "herself",
    "himsel": "himself", "noo": "now", "wance": "once", "whit": "what",
    "cyaan": "can't", "cnt": "can't", "doon": "down", "oot": "out", "mi": "my"}


def red_flag_text(question: str) -> str:
    """Return a question as red-flag signals read it: lower case, letters, digits, apostrophes."""
    text = question.lower().replace("\u2019", "'")
    words = re.sub(r"[^a-z0-9' ]+", " ", text).split()
    return " ".join(APOSTROPHES.get(word, word) for word in words)


@dataclass(frozen=True)
class Clip:
    """One piece of speech rendered to its own audio file."""

    id: str
    intent: str
    title: str
    text: str
    source: str


@dataclass(frozen=True)
class Clinic:
    """The clinic's own settings (responses/clinic.toml)."""

    values: dict[str, str]

    def get(self, key: str) -> str:
        """Return a setting, or an empty string when the clinic has not filled it in."""
        return self.values.get(key, "").strip()

    @property
    def name(self) -> str:
        """Return the clinic's name, or a neutral stand-in."""
        return self.get("name") or "your clinic"

    @property
    def emergency(self) -> str:
        """Return the emergency number to call, or the words for it when it is not set."""
        return self.get("emergency_number") or "your local emergency number"

    @property
    def phone(self) -> str:
        """Return the clinic's phone number, or an empty string."""
        return self.get("phone")

    def contact_sentence(self) -> str:
        """Say how to reach the care team with whatever the clinic has filled in."""
        if not self.phone:
            return "Please use the phone number in your appointment letter to reach your care team."
        sentence = f"You can call {self.name} on {self.phone}."
        if self.get("phone_hours"):
            sentence += f" The phone is answered {self.get('phone_hours')}."
        return sentence


@dataclass(frozen=True)
class Catalogue:
    """Everything the assistant says and hears in one locale."""

    locale: str
    invocation_name: str
    prompts: dict[str, str]
    groups: dict[str, str]
    topics: dict[str, Topic]
    lexicon: tuple[Pronunciation, ...]
    red_flags: tuple[RedFlag, ...]
    # Phrases that set a signal aside in every category ([everywhere].not_when).
    red_flag_exceptions: tuple[re.Pattern, ...]
    out_of_scope: tuple[str, ...]
    clinic: Clinic
    path: Path
    clinic_path: Path
    # Finds the lexicon's hard words in any text (None with an empty lexicon).
    hard_words: re.Pattern | None = field(default=None, repr=False, compare=False)
    # [matcher]: questions that match these regular expressions are declined.
    out_of_scope_patterns: tuple[re.Pattern, ...] = ()
    # [everywhere].now: words that put a signal back in the present ("and now", "again").
    red_flag_now: tuple[re.Pattern, ...] = ()
    # SSML already made from this catalogue's texts (skill.speech.to_ssml fills it).
    ssml_made: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def emergency_patterns(self) -> tuple[re.Pattern, ...]:
        """Return every red-flag signal of every category."""
        return tuple(p for flag in self.red_flags for p in flag.signals)

    def red_flag(self, question: str) -> RedFlag | None:
        """Return the first red-flag category a question names, or None."""
        text = red_flag_text(question)
        now = [m.start() for p in self.red_flag_now for m in p.finditer(text)]
        for flag in self.red_flags:
            covers = self.red_flag_exceptions + flag.not_when
            for signal in flag.signals:
                for found in signal.finditer(text):
                    # A past or "what if" phrase sets a signal aside only when it covers it
                    # whole, so a second, present symptom in the same question still counts,
                    # and never when "now" or "again" puts the signal back in the present:
                    # as the next word ("I fainted again"), or inside the phrase before it.
                    start, end = found.span()
                    if any(at in (end, end + 1) for at in now) \
                            or not any(_covered((start, end), text, c, now) for c in covers):
                        return flag
        return None

    def topic(self, intent: str) -> Topic:
        """Return the topic answered by an intent."""
        return self.topics[intent]

    def clips(self) -> list[Clip]:
        """List every piece of speech that gets its own audio file, in a stable order."""
        clips = []
        for topic in self.topics.values():
            if topic.steps:
                whole = " ".join([topic.answer, *topic.steps])
                clips.append(Clip(topic.intent, topic.intent, topic.question, whole, topic.source))
                clips.append(Clip(intro_clip_id(topic.intent), topic.intent, topic.question,
                                  topic.answer, topic.source))
                for number, step in enumerate(topic.steps, 1):
                    clips.append(Clip(step_clip_id(topic.intent, number), topic.intent,
                                      f"{topic.question} Step {number}", step, topic.source))
            else:
                clips.append(Clip(topic.intent, topic.intent, topic.question, topic.answer,
                                  topic.source))
        # Said when a question cannot be answered: recorded too, so the kiosk and Alexa say
        # it in the same voice as the answers instead of falling silent or switching voice.
        clips.append(Clip(FALLBACK_CLIP_ID, FALLBACK_INTENT, "A question I cannot answer",
                          self.prompts["fallback"], "catalogue prompt: fallback"))
        return clips

    def respell(self, text: str) -> str:
        """Swap hard words for respellings that engines without phonemes say right."""
        if self.hard_words is None:
            return text
        spellings = {p.word: p.respelling for p in self.lexicon}
        return self.hard_words.sub(lambda m: spellings[m.group(0).casefold()], text)


def _covered(span: tuple[int, int], text: str, exception: re.Pattern,
             now: list[int]) -> bool:
    """Tell whether a match of exception covers span whole, with no "now" word before it.

    A "now" word that starts inside the exception before the signal ("I broke my hip last
    Christmas and now I can't breathe") keeps the signal in the present.
    """
    start, end = span
    for match in exception.finditer(text):
        if match.start() <= start and end <= match.end() \
                and not any(match.start() <= at < start for at in now):
            return True
    return False


def whole_word_pattern(words) -> re.Pattern | None:
    """Return a pattern finding any of words as a whole word, ignoring case, longest first."""
    words = sorted(words, key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, words)) + r")(?!\w)",
                      re.IGNORECASE)


FALLBACK_INTENT = "AMAZON.FallbackIntent"
FALLBACK_CLIP_ID = "fallback"


def intro_clip_id(intent: str) -> str:
    """Name the clip said before the first step."""
    return f"{intent}.intro"


def step_clip_id(intent: str, number: int) -> str:
    """Name the clip of one procedure step."""
    return f"{intent}.step-{number}"


def expand(template: str, limit: int = MAX_VARIANTS_PER_TEMPLATE) -> list[str]:
    """Expand `{a|b|}` alternatives into every phrasing, in order, without duplicates."""
    parts = re.split(r"(\{[^{}]*\})", template)
    choices: list[list[str]] = []
    count = 1
    for part in parts:
        if part.startswith("{") and part.endswith("}"):
            options = part[1:-1].split("|")
        else:
            if "{" in part or "}" in part:
                raise ValueError("has an unmatched or nested brace")
            options = [part]
        choices.append(options)
        count *= len(options)
    if count > limit:
        raise ValueError(f"expands to {count} variants (the limit is {limit}); split it up")
    seen: dict[str, None] = {}
    for combo in itertools.product(*choices):
        text = " ".join("".join(combo).split())
        if text:
            seen.setdefault(text, None)
    return list(seen)


def normalize_space(text: str) -> str:
    """Fold runs of white space and typographic apostrophes so quotes compare fairly."""
    return " ".join(text.replace("\u2019", "'").split())


class _Problems:
    """Collects problems so one run reports all of them, each naming file and key."""

    def __init__(self, expand_templates: bool = True) -> None:
        self.items: list[str] = []
        # False when only answers are needed: templates are checked for type, not expanded.
        self.expand_templates = expand_templates

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")

    def raise_any(self) -> None:
        if self.items:
            raise CatalogueError(self.items)

    def shape(self, shape: str, data: dict, path: Path) -> bool:
        """Check a file against its declared shape; return whether it can still be read.

        Where pydantic is not installed (the Lambda package) nothing is checked here:
        deploy/build_lambda.py loaded that catalogue with these checks before zipping it.
        """
        schema = _schema()
        if schema is None:
            return True
        lines, readable = schema.shape_problems(getattr(schema, shape), data, str(path))
        self.items += lines
        return readable

    def spoken(self, where: str, text: object, *, limit: int = MAX_SPOKEN_CHARS) -> str:
        if not isinstance(text, str) or not text.strip():
            self.add(where, "must be a non-empty string")
            return ""
        if SSML_UNSAFE.search(text):
            bad = sorted(set(SSML_UNSAFE.findall(text)))
            self.add(where, f"contains characters that break speech markup: {bad!r}; "
                            "write 'and' for '&' and leave out < > and double quotes")
        if len(text) > limit:
            self.add(where, f"is {len(text)} characters; keep spoken text under {limit} so it "
                            "can be heard in a breath or two")
        return text.strip()


@lru_cache(maxsize=1)
def _schema():
    """Return skill.catalogue.schema, or None where pydantic is not installed."""
    # Looked up rather than caught as ImportError, so a broken install still fails loudly.
    if importlib.util.find_spec("pydantic") is None:
        return None
    from skill.catalogue import schema

    return schema


def _read_toml(path: Path) -> dict:
    """Read a TOML file, naming the file (and line) in every way it can fail."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CatalogueError([f"{path}: file not found"]) from None
    except OSError as error:
        raise CatalogueError([f"{path}: cannot be read ({error.strerror})"]) from None
    try:
        # utf-8-sig: editors on Windows may start the file with a byte-order mark.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CatalogueError([f"{path}: {_where_in_bytes(raw, error.start)}: byte "
                              f"0x{raw[error.start]:02x} is not UTF-8; save the file as UTF-8"]
                             ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CatalogueError([f"{path}: not valid TOML ({error})"]) from None


def _where_in_bytes(raw: bytes, offset: int) -> str:
    """Name the line holding offset and the key on or above it: "line 24 (prompts.welcome)"."""
    lines = raw[:offset].decode("utf-8", "replace").split("\n")
    key = table = ""
    for line in reversed(lines):
        if not key and (found := re.match(r"\s*([A-Za-z0-9_-]+)\s*=", line)):
            key = found.group(1)
        elif found := re.match(r"\s*\[\[?\s*([A-Za-z0-9_.-]+)\s*\]", line):
            table = found.group(1)
            break
    named = ".".join(part for part in (table, key) if part)
    return f"line {len(lines)} ({named})" if named else f"line {len(lines)}"


def load_clinic(path: Path | None = None) -> Clinic:
    """Read the clinic settings, rejecting unknown keys and unsafe text."""
    path = Path(path or os.environ.get("CLINIC_SETTINGS") or RESPONSES_DIR / "clinic.toml")
    data = _read_toml(path)
    problems = _Problems()
    if not problems.shape("ClinicFile", data, path):
        problems.raise_any()
    values = {}
    for key in sorted(CLINIC_KEYS & set(data)):
        value = data[key]
        if key == "emergency_number" and value.strip():
            if not EMERGENCY_NUMBER.match(value.strip()):
                problems.add(f"{path}: {key}", f"{value!r} must be the number to dial, digits "
                                               "only, like \"911\", \"999\" or \"112\"")
        elif value.strip():
            problems.spoken(f"{path}: {key}", value)
        values[key] = value.strip()
    problems.raise_any()
    return Clinic(values)


def load_catalogue(locale: str = DEFAULT_LOCALE, *, responses_dir: Path | None = None,
                   clinic_path: Path | None = None, with_samples: bool = True) -> Catalogue:
    """Read and check one locale's catalogue with the clinic's settings filled in.

    with_samples=False leaves sample utterances unexpanded (Topic.samples and out_of_scope
    empty) and reads no red flags or decline patterns: the skill answers from intents Alexa
    resolved, so a cold start skips that work.
    """
    responses_dir = Path(responses_dir or RESPONSES_DIR)
    path = responses_dir / f"{locale}.toml"
    clinic_path = Path(clinic_path or os.environ.get("CLINIC_SETTINGS")
                       or responses_dir / "clinic.toml")
    data = _read_toml(path)
    # Answering needs no red-flag rules (Alexa resolves EmergencyIntent itself), and the
    # Lambda package ships only responses/*.toml.
    red_flags_path = responses_dir / "red-flags" / f"{locale}.toml"
    red_flags = _read_toml(red_flags_path) if with_samples else None
    with _pattern_check(data, path, red_flags_path, red_flags) as patterns:
        clinic = load_clinic(clinic_path)
        problems = _Problems(with_samples)
        readable = problems.shape("CatalogueFile", data, path)
        if red_flags is not None:
            readable = problems.shape("RedFlagFile", red_flags, red_flags_path) and readable
        if not readable:
            problems.raise_any()
        return _build(problems, data, path, clinic, clinic_path,
                      red_flags=(red_flags_path, red_flags), patterns=patterns)


@lru_cache(maxsize=8)
def cached_catalogue(locale: str = DEFAULT_LOCALE) -> Catalogue:
    """Load a catalogue for answering, once per process (warm Lambda containers reuse it)."""
    return load_catalogue(locale, with_samples=False)


@lru_cache(maxsize=32)
def catalogue_for_locale(locale: str) -> Catalogue:
    """Return the answering catalogue for a request's locale, or the default one."""
    # Cached so a request costs no file lookup; locales arrive in every request, and the
    # cache bound keeps made-up ones from growing it.
    if (
        locale != DEFAULT_LOCALE
        and re.fullmatch(r"[a-z]{2,3}-[A-Z]{2}", locale)
        and (RESPONSES_DIR / f"{locale}.toml").is_file()
    ):
        return cached_catalogue(locale)
    return cached_catalogue(DEFAULT_LOCALE)


# The builders below read data whose shape skill/catalogue/schema.py has checked: every key
# has its declared type, so only what a type cannot say is checked here.

def _build(problems: _Problems, data: dict, path: Path, clinic: Clinic, clinic_path: Path,
           *, red_flags: tuple[Path, dict | None], patterns) -> Catalogue:
    where = str(path)
    if data["locale"] != path.stem:
        problems.add(f"{where}: locale", f"{data['locale']!r} does not match the file name "
                                         f"{path.name}; a file answers in its own locale only")

    prompts = {}
    for key in sorted(data["prompts"]):
        at = f"{where}: prompts.{key}"
        text = problems.spoken(at, data["prompts"][key], limit=2 * MAX_SPOKEN_CHARS)
        # Step prompts keep {number}, {total} and {next} for the skill to fill.
        prompts[key] = text if key.startswith("step_") else _fill(problems, at, text, clinic)
    groups = dict(data["groups"])

    lexicon = []
    for index, entry in enumerate(data.get("lexicon", [])):
        if SSML_UNSAFE.search(entry["ipa"]):
            problems.add(f"{where}: lexicon[{index}].ipa",
                         "contains characters that break speech markup")
        lexicon.append(Pronunciation(entry["word"].lower(), entry["ipa"], entry["respelling"]))
    if len({p.word for p in lexicon}) != len(lexicon):
        problems.add(f"{where}: lexicon", "names the same word twice")

    flags, everywhere, now = _red_flags(problems, *red_flags)
    out_of_scope, out_of_scope_patterns = _matcher_table(problems, where,
                                                         data.get("matcher", {}))
    if red_flags[1] is not None:
        _refuse_slow_patterns(problems, _data_patterns(data, path, *red_flags), patterns)

    topics: dict[str, Topic] = {}
    flag_samples = [s for flag in flags for s in flag.samples]
    for index, raw in enumerate(data["topic"]):
        topic = _build_topic(problems, f"{where}: topic[{index}]", raw, groups, clinic,
                             extra_samples=flag_samples if raw["intent"] == EMERGENCY_INTENT
                             else ())
        if topic is None:
            continue
        if topic.intent in topics:
            problems.add(f"{where}: topic[{index}].intent", f"{topic.intent} is defined twice")
        topics[topic.intent] = topic
    for topic in topics.values():
        if topic.follow_up and topic.follow_up.intent not in topics:
            problems.add(f"{where}: {topic.intent}.follow_up.intent",
                         f"{topic.follow_up.intent} is not a topic in this catalogue")
    problems.raise_any()

    return Catalogue(
        locale=data["locale"], invocation_name=data["invocation_name"], prompts=prompts,
        groups=groups, topics=topics, lexicon=tuple(lexicon),
        red_flags=flags, red_flag_exceptions=everywhere,
        out_of_scope=tuple(out_of_scope), clinic=clinic, path=path, clinic_path=clinic_path,
        hard_words=whole_word_pattern(p.word for p in lexicon),
        out_of_scope_patterns=out_of_scope_patterns, red_flag_now=now,
    )


def _matcher_table(problems: _Problems, where: str, matcher: dict
                   ) -> tuple[list[str], tuple[re.Pattern, ...]]:
    """Read and check [matcher]: out-of-scope phrases and decline patterns (matcher only)."""
    if not problems.expand_templates:
        return [], ()
    out_of_scope: list[str] = []
    for index, template in enumerate(matcher.get("out_of_scope", [])):
        out_of_scope += _expand_checked(problems, f"{where}: matcher.out_of_scope[{index}]",
                                        template)
    patterns = _compile_patterns(problems, f"{where}: matcher.out_of_scope_patterns",
                                 matcher.get("out_of_scope_patterns", []))
    return out_of_scope, patterns


def _red_flags(problems: _Problems, path: Path, data: dict | None
               ) -> tuple[tuple[RedFlag, ...], tuple[re.Pattern, ...], tuple[re.Pattern, ...]]:
    """Read and check the red-flag categories of one locale (None: not needed)."""
    if data is None:
        return (), (), ()
    where = str(path)
    exceptions = _compile_patterns(problems, f"{where}: everywhere.not_when",
                                   data.get("everywhere", {}).get("not_when", []), page=True)
    now = _compile_patterns(problems, f"{where}: everywhere.now",
                            data.get("everywhere", {}).get("now", []), page=True)
    categories = data.get("category", [])
    if not categories:
        problems.add(f"{where}: category", "must list at least one [[category]] of red flags")
        return (), exceptions, now
    flags, ids = [], set()
    for index, raw in enumerate(categories):
        flag_id = raw["id"]
        if not RED_FLAG_ID.match(flag_id):
            problems.add(f"{where}: category[{index}].id",
                         "must be a lower-case id like chest_pain")
            continue
        at = f"{where}: category {flag_id}"
        if flag_id in ids:
            problems.add(f"{at}.id", "is used by two categories")
        ids.add(flag_id)
        name = raw.get("name")
        if name is None or not name.strip():
            problems.add(f"{at}.name", "must say in plain words what this red flag is")
        signals = _compile_patterns(problems, f"{at}.signals", raw.get("signals", []), page=True)
        if not raw.get("signals"):
            problems.add(f"{at}.signals", "must list at least one pattern")
        if not raw.get("must"):
            problems.add(f"{at}.must", "needs at least one example that must trigger it")
        templates = raw.get("utterances", [])
        if not templates:
            problems.add(f"{at}.utterances", "needs sample utterances so Alexa hears it too")
        samples = [s for i, template in enumerate(templates)
                   for s in _expand_checked(problems, f"{at}.utterances[{i}]", template)]
        flags.append(RedFlag(
            id=flag_id, name=name or "", signals=signals,
            not_when=_compile_patterns(problems, f"{at}.not_when", raw.get("not_when", []),
                                       page=True),
            must=tuple(raw.get("must", [])), must_not=tuple(raw.get("must_not", [])),
            samples=tuple(samples)))
    return tuple(flags), exceptions, now


def _compile_patterns(problems: _Problems, where: str, patterns: list[str], *,
                      page: bool = False) -> tuple[re.Pattern, ...]:
    """Compile patterns; page=True also refuses what the kiosk page's JavaScript cannot run."""
    compiled = []
    for index, pattern in enumerate(patterns):
        try:
            compiled.append(re.compile(pattern))
        except re.error as error:
            problems.add(f"{where}[{index}]", f"is not a valid regular expression ({error})")
            continue
        if page and (what := _python_only(pattern)):
            problems.add(f"{where}[{index}]", (
                f"uses {what}, which only Python reads: the kiosk page's own red-flag check "
                "(JavaScript) would stop working"))
    return tuple(compiled)


# Syntax Python's re accepts and the browser's RegExp refuses (or, for lookbehind, what older
# tablet browsers refuse), as the red-flag file's header tells its editors.
PYTHON_ONLY = (
    (re.compile(r"\(\?P"), "a named group (?P...)"),
    (re.compile(r"\(\?<[=!]"), "a lookbehind (?<= or (?<!"),
    (re.compile(r"\(\?[aiLmsux-]+[):]"), "an inline flag like (?i)"),
    (re.compile(r"\(\?>"), "an atomic group (?>...)"),
    (re.compile(r"\(\?#"), "a comment (?#...)"),
    (re.compile(r"[*+?}]\+"), "a possessive repeat like a++"),
    (re.compile("\x00[AZ]"), r"\A or \Z"),
)


def _python_only(pattern: str) -> str:
    """Name the first Python-only construct in a pattern, or return an empty string."""
    # Escapes and character classes first, so \( or [(?] are not taken for syntax.
    bare = re.sub(r"\\(.)", lambda m: f"\x00{m.group(1)}" if m.group(1) in "AZ" else "_",
                  pattern)
    bare = re.sub(r"\[\^?\]?[^\]]*\]", "_", bare)
    return next((what for syntax, what in PYTHON_ONLY if syntax.search(bare)), "")


def _pattern_check(data: dict, path: Path, red_flags_path: Path, red_flags: dict | None):
    """Start probing the data's regular expressions while the rest of the load goes on."""
    if red_flags is None:  # answering only: no red flags, no decline patterns
        return contextlib.nullcontext()
    from skill.catalogue.pattern_safety import PatternCheck

    try:
        return PatternCheck([p for _, found in _data_patterns(data, path, red_flags_path,
                                                              red_flags) for p in found])
    except OSError as error:
        raise CatalogueError([f"{red_flags_path}: the regular expressions could not be "
                              f"checked for slow matching ({error})"]) from None


def _data_patterns(data: dict, path: Path, red_flags_path: Path, red_flags: dict
                   ) -> list[tuple[str, list[str]]]:
    """List every regular expression from the data, by the key that holds it.

    Also called before the shape check, so values of the wrong type are passed over here
    (the shape check names them).
    """
    def strings(value: object) -> list[str]:
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    def table(value: object) -> dict:
        return value if isinstance(value, dict) else {}

    where = f"{red_flags_path}: "
    groups = [(where + f"everywhere.{key}", strings(table(red_flags.get("everywhere")).get(key)))
              for key in ("not_when", "now")]
    categories = red_flags.get("category")
    for index, category in enumerate(categories if isinstance(categories, list) else []):
        flag_id = table(category).get("id")
        name = (f"category {flag_id}" if isinstance(flag_id, str) and RED_FLAG_ID.match(flag_id)
                else f"category[{index}]")
        groups += [(f"{where}{name}.{key}", strings(table(category).get(key)))
                   for key in ("signals", "not_when")]
    groups.append((f"{path}: matcher.out_of_scope_patterns",
                   strings(table(data.get("matcher")).get("out_of_scope_patterns"))))
    return groups


def _refuse_slow_patterns(problems: _Problems, groups: list[tuple[str, list[str]]],
                          check) -> None:
    """Refuse patterns that backtrack catastrophically, naming each by file and key."""
    from skill.catalogue.pattern_safety import BUDGET_SECONDS, QUESTION_CHARS

    try:
        slow = set(check.slow([p for _, patterns in groups for p in patterns]))
    except (OSError, RuntimeError) as error:
        problems.add(groups[0][0], f"could not be checked for slow matching ({error})")
        return
    for where, patterns in groups:
        for index, pattern in enumerate(patterns):
            if pattern in slow:
                problems.add(f"{where}[{index}]", (
                    f"{pattern!r} backtracks catastrophically: a question of "
                    f"{QUESTION_CHARS} characters or fewer takes it over {BUDGET_SECONDS} s; "
                    "take out nested or overlapping repeats like (a+)+ or (a|aa)+"))


def _expand_checked(problems: _Problems, where: str, template: str) -> list[str]:
    if not problems.expand_templates:
        return []
    try:
        variants = expand(template)
    except ValueError as error:
        problems.add(where, f"{template!r} {error}")
        return []
    for variant in variants:
        if not UTTERANCE_CHARS.match(variant):
            problems.add(where, f"{variant!r} has characters Alexa refuses in sample utterances "
                                "(use lower-case letters, spaces, apostrophes and 'x. ray' style "
                                "periods; spell out numbers)")
            break
        if len(variant) > MAX_UTTERANCE_CHARS:
            problems.add(where, f"{variant!r} is longer than {MAX_UTTERANCE_CHARS} characters")
            break
    return variants


def _fill(problems: _Problems, where: str, text: str, clinic: Clinic) -> str:
    values = {"contact": clinic.contact_sentence(), "clinic_name": clinic.name,
              "emergency": clinic.emergency}
    for name in PLACEHOLDER.findall(text):
        if name not in values:
            problems.add(where, f"unknown placeholder {{{name}}} "
                                "(use {contact}, {clinic_name} or {emergency})")
            return text
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def _build_topic(problems: _Problems, at: str, raw: dict, groups: dict[str, str],
                 clinic: Clinic, extra_samples=()) -> Topic | None:
    intent = raw["intent"]
    if not INTENT_NAME.match(intent):
        problems.add(f"{at}.intent", f"{intent!r} is not an intent name like DrivingIntent")
        return None
    at = f"{at} ({intent})"
    if raw["group"] not in groups:
        problems.add(f"{at}.group", f"{raw['group']!r} is not one of the [groups]")

    kinds = [k for k in ("section", "setting", "rule") if k in raw]
    source = ""
    section, setting, quotes = "", "", ()
    if len(kinds) != 1:
        problems.add(at, "must name exactly one source: section (with quote) from the leaflet, "
                         "a clinic setting, or a safety rule")
    elif kinds == ["section"]:
        section = raw["section"]
        quotes = tuple(q for q in [raw.get("quote", ""), *raw.get("step_quotes", [])] if q)
        if not raw.get("quote"):
            problems.add(f"{at}.quote",
                         "is missing: quote the leaflet's words this answer restates")
        source = f"leaflet: {section}"
    elif kinds == ["setting"]:
        setting = raw["setting"]
        if setting not in TOPIC_SETTINGS:
            problems.add(f"{at}.setting", f"{setting!r} is not a clinic setting "
                                          f"(one of: {', '.join(sorted(TOPIC_SETTINGS))})")
        if "unset_answer" not in raw:
            problems.add(f"{at}.unset_answer", "is missing: say what to tell patients while the "
                                               "clinic has not filled this setting in")
        source = f"clinic setting: {setting}"
    else:
        source = f"safety rule: {raw['rule']}"
    for key in ("quote", "step_quotes"):
        if key in raw and not section:
            problems.add(f"{at}.{key}", "only applies to answers from a leaflet section")

    if setting:
        if clinic.get(setting):
            answer = raw.get("answer", clinic.get(setting))
        else:
            answer = raw.get("unset_answer", "")
            source += " (not set: default answer)"
    else:
        answer = raw.get("answer", "")
        if "unset_answer" in raw:
            problems.add(f"{at}.unset_answer", "only applies to answers from a clinic setting")
    answer = _fill(problems, f"{at}.answer", problems.spoken(f"{at}.answer", answer), clinic)
    problems.spoken(f"{at}.answer (with clinic settings filled in)", answer)

    steps = tuple(problems.spoken(f"{at}.steps[{i}]", s)
                  for i, s in enumerate(raw.get("steps", [])))
    if "step_quotes" in raw and len(raw["step_quotes"]) != len(steps):
        problems.add(f"{at}.step_quotes", "must quote the leaflet once for every step")

    follow_up = None
    if "follow_up" in raw:
        offer = raw["follow_up"]
        follow_up = FollowUp(problems.spoken(f"{at}.follow_up.prompt", offer["prompt"]),
                             offer["intent"])

    templates = raw.get("utterances", [])
    # EmergencyIntent's samples come from the red-flag file, which answering never reads.
    from_red_flags = intent == EMERGENCY_INTENT and not problems.expand_templates
    if not (templates or extra_samples or from_red_flags):
        problems.add(f"{at}.utterances", "has no sample utterances; Alexa could never reach it")
    samples: list[str] = list(extra_samples)
    for index, template in enumerate(templates):
        samples += _expand_checked(problems, f"{at}.utterances[{index}]", template)

    card_text = raw.get("card_text") or answer
    if steps:
        card_text = "\n".join([answer, *(f"{n}. {s}" for n, s in enumerate(steps, 1))])
    return Topic(
        intent=intent, group=raw["group"], question=raw["question"],
        card_title=_fill(problems, f"{at}.card_title", raw["card_title"], clinic),
        answer=answer, card_text=card_text, source=source,
        templates=tuple(templates), samples=tuple(dict.fromkeys(samples)), steps=steps,
        follow_up=follow_up, end_session=raw.get("end_session", False), section=section,
        quotes=quotes, setting=setting, choice=_choice(problems, at, raw),
    )


def _choice(problems: _Problems, at: str, raw: dict) -> str:
    """Return how a "Did you mean" offer names a topic: its `choice`, or its question."""
    choice = raw.get("choice")
    if choice is None:
        return raw["question"].rstrip("?").lower()
    if not choice.strip():
        problems.add(f"{at}.choice", "must be a short phrase like \"how long it takes\"")
        return ""
    return problems.spoken(f"{at}.choice", choice).rstrip("?")
