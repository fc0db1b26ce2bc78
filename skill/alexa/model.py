"""Generate the Alexa interaction model from the catalogue, and check what Alexa would reject."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from skill.catalogue import PROJECT_ROOT, Catalogue, normalize_space
from skill.files import write_atomically  # noqa: F401  (re-exported for build-model)

MODEL_DIR = PROJECT_ROOT / "interaction_model"
# The leaflet ships with the project: nothing may depend on a path outside the repo.
LEAFLET = PROJECT_ROOT / "responses" / "sources" / "kyphoplasty-patient-information.txt"

BUILT_IN_INTENTS = (
    "AMAZON.HelpIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.FallbackIntent",
    "AMAZON.RepeatIntent", "AMAZON.NextIntent", "AMAZON.PreviousIntent",
    "AMAZON.StartOverIntent", "AMAZON.YesIntent", "AMAZON.NoIntent", "AMAZON.NavigateHomeIntent",
)
# Alexa's published limits.
MAX_MODEL_BYTES = 1_500_000
MAX_INTENTS = 250
MAX_SPEECH_CHARS = 8000
MAX_RESPONSE_BYTES = 24 * 1024
# Patients read and hear at about grade 6-8; hard medical words are allowed for.
MAX_READING_GRADE = 8.0
INVOCATION_FORBIDDEN = {"alexa", "amazon", "echo", "ask", "tell", "open", "enable", "launch",
                        "load", "begin", "play", "resume", "run", "start", "talk", "use"}
TWO_WORD_FORBIDDEN = {"the", "a", "an", "for", "to", "of"}


def model_path(locale: str) -> Path:
    """Return where a locale's interaction model is committed."""
    return MODEL_DIR / f"{locale}.json"


def interaction_model(catalogue: Catalogue) -> dict:
    """Return the ASK interaction model JSON for a catalogue."""
    intents = [{"name": topic.intent, "slots": [], "samples": list(topic.samples)}
               for topic in catalogue.topics.values()]
    intents += [{"name": name, "samples": []} for name in BUILT_IN_INTENTS]
    return {
        "interactionModel": {
            "languageModel": {
                "invocationName": catalogue.invocation_name,
                "modelConfiguration": {"fallbackIntentSensitivity": {"level": "MEDIUM"}},
                "intents": intents,
                "types": [],
            }
        }
    }


def render_model(catalogue: Catalogue) -> str:
    """Return the model as the exact text committed to interaction_model/."""
    return json.dumps(interaction_model(catalogue), indent=2, ensure_ascii=False) + "\n"


def invocation_problems(name: str) -> list[str]:
    """List what Alexa's invocation-name rules would reject in name."""
    problems = []
    if not re.fullmatch(r"[a-z][a-z' .]*[a-z.]", name):
        problems.append("use only lower-case letters, spaces, possessive apostrophes and the "
                        "periods of abbreviations")
    words = name.split()
    if len(words) < 2:
        problems.append("must be two or more words")
    if INVOCATION_FORBIDDEN & set(words):
        problems.append(f"must not contain {', '.join(sorted(INVOCATION_FORBIDDEN & set(words)))}")
    if len(words) == 2 and TWO_WORD_FORBIDDEN & set(words):
        problems.append("a two-word name must not contain the, a, an, for, to or of")
    return [f"invocation name {name!r}: {p}" for p in problems]


def syllables(word: str) -> int:
    """Estimate the syllables in an English word."""
    word = word.lower().strip("'")
    if not word:
        return 0
    groups = re.findall(r"[aeiouy]+", word)
    count = len(groups)
    if word.endswith("e") and not word.endswith(("le", "ee")) and count > 1:
        count -= 1
    return max(1, count)


def reading_grade(text: str, hard_words: set[str] = frozenset()) -> float:
    """Return the Flesch-Kincaid grade, counting named hard words as two syllables."""
    sentences = max(1, len(re.findall(r"[.!?]+(?:\s|$)", text)))
    words = re.findall(r"[A-Za-z']+", text)
    if not words:
        return 0.0
    total = sum(2 if w.lower() in hard_words else syllables(w) for w in words)
    return 0.39 * len(words) / sentences + 11.8 * total / len(words) - 15.59


def leaflet_problems(catalogue: Catalogue, leaflet: Path) -> list[str]:
    """Check each answer's section and quotes against the patient information leaflet."""
    try:
        text = leaflet.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [f"leaflet not found at {leaflet}: put the patient information leaflet there, "
                "or set LEAFLET_PATH to where it is"]
    headings = {normalize_space(line) for line in text.splitlines() if line.strip()}
    flat = normalize_space(text)
    problems = []
    for topic in catalogue.topics.values():
        if topic.section and normalize_space(topic.section) not in headings:
            problems.append(f"{topic.intent}: section {topic.section!r} is not a heading of "
                            f"{leaflet.name}")
        for quote in topic.quotes:
            if normalize_space(quote) not in flat:
                problems.append(f"{topic.intent}: quote {quote[:50]!r}... is not in {leaflet.name}")
    return problems


def spoken_texts(catalogue: Catalogue) -> list[tuple[str, str]]:
    """List every piece of text the assistant can say, with where it comes from."""
    texts = [(f"prompts.{key}", text) for key, text in catalogue.prompts.items()]
    for topic in catalogue.topics.values():
        texts.append((f"{topic.intent}.answer", topic.answer))
        texts += [(f"{topic.intent}.steps[{i}]", s) for i, s in enumerate(topic.steps)]
        if topic.follow_up:
            texts.append((f"{topic.intent}.follow_up", topic.follow_up.prompt))
    return texts


def content_problems(catalogue: Catalogue) -> list[str]:
    """Check reading level and SSML of every answer, and run every intent through the skill."""
    from skill.alexa.handlers import build_skill
    from skill.speech import to_ssml
    from skill.understanding.conversation import Conversation

    problems = []
    hard = {p.word for p in catalogue.lexicon}
    for where, text in spoken_texts(catalogue):
        try:
            ET.fromstring(f"<speak>{to_ssml(text, catalogue)}</speak>")
        except ET.ParseError as error:
            problems.append(f"{where}: SSML is not well-formed ({error})")
        if where.endswith(".answer") or ".steps[" in where:
            grade = reading_grade(text, hard)
            if grade > MAX_READING_GRADE:
                problems.append(f"{where}: reads at grade {grade:.1f}; keep answers at grade "
                                f"{MAX_READING_GRADE:.0f} or below "
                                "(shorter sentences, plainer words)")
    skill = build_skill(catalogue, skill_id="")
    for intent in [*catalogue.topics, *BUILT_IN_INTENTS]:
        conversation = Conversation(skill, catalogue)
        conversation.launch()
        reply = conversation.intent(intent)
        size = len(json.dumps(reply.response).encode())
        if len(reply.ssml) > MAX_SPEECH_CHARS:
            problems.append(f"{intent}: speech is {len(reply.ssml)} characters "
                            f"(Alexa's limit is {MAX_SPEECH_CHARS})")
        if size > MAX_RESPONSE_BYTES:
            problems.append(f"{intent}: response is {size} bytes (Alexa's limit is 24 KB)")
        if not reply.ssml:
            problems.append(f"{intent}: the skill said nothing")
    return problems


# Shapes a template expansion can take that no patient would say ("are they going going to
# be asleep", "what 's the point", "i a fever", "a x. ray").
GARBLES = (
    # Digits said as words repeat on purpose ("nine nine nine").
    (re.compile(r"\b(?!(?:nine|one|two|zero|oh)\b)([a-z']+) \1\b"), "says the same word twice"),
    (re.compile(r"(?:^| )'"), "has an apostrophe cut off from its word"),
    (re.compile(r"\bi (?:a|an|the)\b|^(?:he|she|we|they) (?:a|an|the)\b"),
     "has a pronoun with no verb"),
    (re.compile(r"\b(?:is|are|was) there be\b|\bwill there (?!be\b)"), "misses or doubles a verb"),
    (re.compile(r"\ba (?:[aeio]|x\.)"), "says 'a' before a vowel sound"),
    (re.compile(r"\ban [b-df-gj-np-tv-wyz]"), "says 'an' before a consonant"),
)


def garbled_samples(catalogue: Catalogue) -> list[str]:
    """List generated sample utterances that are not grammatical English."""
    problems = []
    for topic in catalogue.topics.values():
        for sample in topic.samples:
            for pattern, what in GARBLES:
                if pattern.search(sample):
                    problems.append(f"{topic.intent}: sample {sample!r} {what}; fix the "
                                    "template that makes it")
                    break
    return problems


def red_flag_problems(catalogue: Catalogue) -> list[str]:
    """Run every red-flag category's examples through the rules."""
    problems = []
    for flag in catalogue.red_flags:
        for example in flag.must:
            if catalogue.red_flag(example) is None:
                problems.append(f"red flag {flag.id}: {example!r} must trigger it but does not")
        for example in flag.must_not:
            found = catalogue.red_flag(example)
            if found is not None:
                problems.append(f"red flag {flag.id}: {example!r} must not be an emergency, "
                                f"but {found.id} fires")
        samples = set(catalogue.topic("EmergencyIntent").samples)
        if not flag.samples or not set(flag.samples) <= samples:
            problems.append(f"red flag {flag.id}: its utterances are not all EmergencyIntent "
                            "samples, so Alexa would not hear it")
    return problems


def model_problems(model: dict, catalogue: Catalogue) -> list[str]:
    """Check a model the way Alexa's build would, and against the catalogue."""
    problems = []
    language = model.get("interactionModel", {}).get("languageModel", {})
    problems += invocation_problems(language.get("invocationName", ""))
    intents = language.get("intents", [])
    names = [intent.get("name", "") for intent in intents]
    if len(intents) > MAX_INTENTS:
        problems.append(f"model has {len(intents)} intents (Alexa's limit is {MAX_INTENTS})")
    size = len(json.dumps(model).encode())
    if size > MAX_MODEL_BYTES:
        problems.append(f"model is {size} bytes (Alexa's limit is {MAX_MODEL_BYTES})")
    for name in BUILT_IN_INTENTS:
        if name not in names:
            problems.append(f"built-in intent {name} is missing from the model")
    owners: dict[str, list[str]] = defaultdict(list)
    for intent in intents:
        for sample in intent.get("samples", []):
            owners[" ".join(sample.lower().split())].append(intent["name"])
            if not re.fullmatch(r"[a-z][a-z' .\-]*", sample) or len(sample) > 200:
                problems.append(f"{intent['name']}: sample {sample!r} has characters Alexa "
                                "refuses or is too long")
    for sample, found in owners.items():
        if len(set(found)) > 1:
            problems.append(f"sample {sample!r} is in more than one intent: {', '.join(found)}")
    custom = {n for n in names if not n.startswith("AMAZON.")}
    for name in sorted(custom - set(catalogue.topics)):
        problems.append(f"intent {name} has no answer in the catalogue")
    for name in sorted(set(catalogue.topics) - custom):
        problems.append(f"answer {name} has no intent in the model")
    for intent in intents:
        if not intent["name"].startswith("AMAZON.") and not intent.get("samples"):
            problems.append(f"intent {intent['name']} has no sample utterances")
    return problems


def validate(catalogue: Catalogue, *, leaflet: Path | None = None) -> list[str]:
    """Return every problem Alexa, a patient or a reviewer would find, or an empty list."""
    from skill.alexa.clips import ClipLibrary

    leaflet = Path(leaflet or os.environ.get("LEAFLET_PATH") or LEAFLET)
    path = model_path(catalogue.locale)
    problems = model_problems(interaction_model(catalogue), catalogue)
    if not path.exists():
        problems.append(f"{path} is missing: run `python -m skill build-model`")
    elif path.read_text(encoding="utf-8") != render_model(catalogue):
        problems.append(f"{path} is stale: run `python -m skill build-model`")
    problems += garbled_samples(catalogue)
    problems += red_flag_problems(catalogue)
    problems += leaflet_problems(catalogue, leaflet)
    problems += content_problems(catalogue)
    base = os.environ.get("AUDIO_BASE_URL", "").strip()
    if base:
        if not base.lower().startswith("https://"):
            problems.append(f"AUDIO_BASE_URL {base!r}: Alexa only plays audio over HTTPS")
        else:
            problems += ClipLibrary.from_environment(catalogue).problems(catalogue)
    return problems
