"""The offline question matcher: red flags first, right topics, and a fallback when unsure."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from skill.catalogue import PROJECT_ROOT, CatalogueError, load_catalogue
from skill.matcher import EMERGENCY, FALLBACK, OUT_OF_SCOPE, Match, QuestionMatcher

sys.path.insert(0, str(PROJECT_ROOT / "bench"))
import matcher_accuracy  # noqa: E402

# The development sets (tuned on). The blind sets (en-US.blind*.tsv): never read them here.
DEV_SETS = [PROJECT_ROOT / "bench" / "questions" / name
            for name in ("en-US.tsv", "en-US.heldout.tsv", "en-US.nearmiss.tsv",
                         "en-US.paraphrase.tsv")]
# At most this share of questions may get a confident answer to another question.
MAX_WRONG_ANSWERS = 0.02


@pytest.fixture(scope="module")
def matcher(catalogue):
    return QuestionMatcher(catalogue)


@pytest.mark.parametrize("path", DEV_SETS, ids=lambda path: path.name)
def test_dev_set_meets_every_target(matcher, path):
    result = matcher_accuracy.evaluate(matcher, matcher_accuracy.read_questions(path))
    for name, target in matcher_accuracy.TARGETS.items():
        assert result[name] >= target, (name, result[name], result["misses"])
    assert result["wrong answers"] <= MAX_WRONG_ANSWERS * result["questions"], result["misses"]
    assert result["latency ms p50"] < 50


# One or more phrasings for every red flag the catalogue promises to catch.
RED_FLAGS = {
    "chest pain": ["my chest is really tight", "there's a crushing pain in his chest",
                   "I've got chest pains"],
    "breathing": ["I can hardly breathe", "she is struggling for breath", "I feel breathless"],
    "legs": ["my legs have suddenly gone numb", "I can't move my legs",
             "his leg went weak all of a sudden"],
    "bladder": ["I've lost control of my bladder", "my dad has wet himself and didn't notice",
                "I can't control my bowels"],
    "fever": ["I have a fever since the procedure", "I'm shivering and sweating",
              "my temperature is 39"],
    "bleeding": ["the wound won't stop bleeding", "there's blood soaking through the dressing",
                 "she's bleeding heavily from her back", "his bandage is soaked with blood",
                 "the dressing on my back keeps dripping red"],
    "bladder, in other words": ["I can't pee at all since this morning",
                                "she can't feel anything down there",
                                "he's had an accident with his bladder"],
    "legs, in other words": ["my legs just gave out under me"],
}


@pytest.mark.parametrize("flag,question",
                         [(f, q) for f, qs in RED_FLAGS.items() for q in qs])
def test_red_flags_answer_emergency(matcher, flag, question):
    assert matcher.is_emergency(question), flag
    assert matcher.match(question) == Match(EMERGENCY, 1.0)


def test_red_flags_are_checked_before_anything_else(matcher):
    # Words of other topics (driving, medicines, cost) must not hide a red flag.
    for question in ("can I drive, my chest hurts", "should I take my pills, I can't breathe",
                     "how much does it cost, I'm bleeding heavily"):
        assert matcher.match(question).intent == EMERGENCY, question


def test_not_patterns_keep_a_pet_out_of_the_emergency_answer(matcher):
    assert not matcher.is_emergency("my dog has a fever")
    assert matcher.match("my dog has a fever").intent == FALLBACK


@pytest.mark.parametrize("question", [
    "how much will kyphoplasty cost me", "is it covered by my insurance",
    "what should I eat before my colonoscopy", "how long does a knee replacement take",
    "do I have osteoporosis", "how many painkillers can I take at once",
    "what does Dr. Smith think", "are my scan results in", "is it safe when pregnant",
    "what's the weather like", "tell me a joke", "how do I bake a cake",
])
def test_out_of_scope_questions_fall_back(matcher, question):
    got = matcher.match(question)
    assert got.intent == FALLBACK, (question, got)


def test_low_confidence_falls_back(matcher):
    # Nothing here is in the catalogue's vocabulary: the matcher must not guess.
    got = matcher.match("purple elephants dancing quietly")
    assert got.intent == FALLBACK
    assert got.confidence < matcher.min_score
    assert matcher.match("").intent == FALLBACK


def test_typing_slips_and_synonyms_still_match(matcher):
    assert matcher.match("kyphoplsty what is it").intent == "WhatIsKyphoplastyIntent"
    assert matcher.match("will I be given an anaesthetic").intent == "AnesthesiaIntent"
    assert matcher.match("do they use fluoroscopy").intent == "ImagingIntent"


def test_every_topic_answers_its_own_first_sample(matcher, catalogue):
    for intent, topic in catalogue.topics.items():
        assert matcher.match(topic.samples[0]).intent == intent, topic.samples[0]


def test_no_utterance_belongs_to_two_intents(catalogue):
    owner: dict[str, str] = {}
    for intent, topic in catalogue.topics.items():
        for sample in topic.samples:
            assert owner.setdefault(sample, intent) == intent, (sample, owner[sample], intent)
    for sample in catalogue.out_of_scope:
        assert sample not in owner, (sample, owner.get(sample))


def test_constants_and_interface():
    assert (FALLBACK, EMERGENCY, OUT_OF_SCOPE) == (
        "AMAZON.FallbackIntent", "EmergencyIntent", "OUT_OF_SCOPE")


def test_lambda_path_never_imports_the_matcher():
    for name in ("lambda_function.py", "handlers.py"):
        path = PROJECT_ROOT / "skill" / name
        if path.exists():
            assert "matcher" not in path.read_text(encoding="utf-8"), name


# -- bad [matcher] data ---------------------------------------------------------------------

def _catalogue_with(tmp_path: Path, old: str, new: str) -> Path:
    responses = tmp_path / "responses"
    shutil.copytree(PROJECT_ROOT / "responses", responses)
    path = responses / "en-US.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return responses


@pytest.mark.parametrize("old,new,key", [
    ("out_of_scope_patterns = [\n", "out_of_scope_patterns = [\n  \"(unclosed\",\n",
     "matcher.out_of_scope_patterns[0]"),
    ("[matcher.synonyms]\n", "[matcher.synonyms]\nBad_Concept = [\"x\"]\n",
     "matcher.synonyms.Bad_Concept"),
    ("[matcher.synonyms]\n", "[matcher.synonyms]\nempty = []\n", "matcher.synonyms.empty"),
    ("[matcher.synonyms]\n", "[matcher.synonyms]\nballoonish = [\"balloon\"]\n",
     "matcher.synonyms."),
    ("[matcher.synonyms]\n", "[matcher.synonyms]\ndigits = [\"x 2\"]\n",
     "matcher.synonyms.digits[0]"),
    ("[matcher]\n", "[matcher]\nsynonym = []\n", "matcher.synonym"),
    ("out_of_scope = [\n", "out_of_scope = [\n  \"what {is|\",\n", "matcher.out_of_scope[0]"),
])
def test_bad_matcher_data_names_the_file_and_key(tmp_path, old, new, key):
    responses = _catalogue_with(tmp_path, old, new)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue("en-US", responses_dir=responses)
    message = str(caught.value)
    assert str(responses / "en-US.toml") in message
    assert key in message


@pytest.mark.parametrize("question", [
    "I've got numbness and tingling down both legs since this morning",
    "pins and needles in my feet all of a sudden",
    "my legs feel weak and wobbly",
])
def test_leg_numbness_tingling_or_weakness_is_a_red_flag(matcher, question):
    assert matcher.match(question).intent == "EmergencyIntent"


def test_common_english_words_are_not_mended_into_catalogue_words(matcher):
    # "scary" is not a slip for "scar", nor "bread" for "break"; real slips still are.
    assert matcher.analyse("is it scary").words == ("is", "it", "scary")
    assert "bread" in matcher.analyse("can i have bread before").words
    assert "kyphoplasty" in matcher.analyse("tell me about kyfoplasty").words


def test_a_phrasal_verb_still_matches_with_its_object_inside(matcher):
    # "knocked out" is an [matcher].synonyms phrase; "knock you out" must meet it too.
    assert "asleep" in matcher.analyse("do they knock you out for it").terms
    assert matcher.match("do they knock you out for it").intent == "AnesthesiaIntent"


def test_the_word_that_names_the_topic_outweighs_a_common_frame(matcher):
    # "what happens ..." is ProcedureSteps's frame; the cement is the topic.
    got = matcher.match("what happens with the cement inside my back")
    assert got.intent == "BoneCementIntent", got


@pytest.mark.parametrize("question,intent", [
    ("my doctor keeps saying kyphoplasty, what is it", "WhatIsKyphoplastyIntent"),
    ("what are the good things about it", "BenefitsIntent"),
    ("tell me about kyfoplasty", "WhatIsKyphoplastyIntent"),
    ("is there an email for the clinic", "ContactIntent"),
])
def test_out_of_scope_patterns_leave_in_scope_questions_alone(matcher, question, intent):
    assert matcher.match(question).intent == intent


@pytest.mark.parametrize("question", [
    "can you send an email for me", "will it rain tomorrow", "how do I renew my license",
    "can I have a glass of wine the night before", "what does my scan report say",
])
def test_more_out_of_scope_families_fall_back(matcher, question):
    assert matcher.match(question).intent == FALLBACK, question


@pytest.mark.parametrize("question", [
    "how fast does an ambulance come", "can the pharmacist fill my script today",
    "is an MRI the same as an x-ray", "what's the chance of getting covid on the ward",
    "is the x-ray safe for my unborn baby", "would the surgeon choose vertebroplasty for me",
    "how many kyphoplasties has my surgeon done", "where on my back does the needle go",
    "can they do three vertebrae at the same time", "how long does the cement take to set",
    "who made you", "my mum has a lump on her back, could it be cancer",
    "how long will the bruising on my arm last", "can my grandson drive on his permit",
])
def test_topic_words_about_other_things_fall_back(matcher, question):
    # Each shares words with a topic (fast, x-ray, surgeon, needle, cement, drive...).
    got = matcher.match(question)
    assert got.intent == FALLBACK, (question, got)


@pytest.mark.parametrize("question,intent", [
    ("can cancer cause a compression fracture", "FractureCausesIntent"),
    ("why would the doctor recommend kyphoplasty for my dad", "WhyKyphoplastyIntent"),
    ("what's the difference, they both use cement", "CompareVertebroplastyIntent"),
    ("does the balloon come out before the cement goes in", "BoneCementIntent"),
    ("should we plan for it to take all morning", "DurationIntent"),
])
def test_new_out_of_scope_families_leave_their_neighbours_alone(matcher, question, intent):
    assert matcher.match(question).intent == intent


def test_a_close_call_declines_unless_it_is_a_red_flag(matcher, monkeypatch):
    monkeypatch.setattr(matcher, "is_emergency", lambda question: False)
    monkeypatch.setattr(matcher, "scores", lambda question: {
        EMERGENCY: 0.50, "DrivingIntent": 0.49})
    assert matcher.match("a question").intent == EMERGENCY
    monkeypatch.setattr(matcher, "scores", lambda question: {
        "RecoveryIntent": 0.50, "DrivingIntent": 0.49})
    assert matcher.match("a question").intent == FALLBACK


def test_samples_that_differ_only_in_weightless_words_are_indexed_once(matcher, catalogue):
    samples = sum(len(t.samples) for t in catalogue.topics.values()) + len(catalogue.out_of_scope)
    assert len(matcher.labels) < samples
    assert set(matcher.labels) == set(catalogue.topics) | {OUT_OF_SCOPE}
