"""The real skill answers golden Alexa envelopes through lambda_handler and holds a conversation."""

from __future__ import annotations

import importlib
import json
import xml.etree.ElementTree as ET

import pytest

from skill.alexa.handlers import build_skill
from skill.alexa.model import BUILT_IN_INTENTS, MAX_RESPONSE_BYTES, MAX_SPEECH_CHARS
from skill.speech import to_ssml
from skill.understanding.conversation import Conversation

APP_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"


@pytest.fixture
def lambda_handler(monkeypatch):
    """The Lambda entry point, loaded fresh with the golden envelopes' skill ID."""
    monkeypatch.setenv("ALEXA_SKILL_ID", APP_ID)
    import skill.alexa.lambda_function as module
    return importlib.reload(module).lambda_handler


def spoken(response: dict) -> str:
    return response["response"]["outputSpeech"]["ssml"]


def test_every_topic_answers_a_golden_envelope(lambda_handler, envelope, catalogue):
    for topic in catalogue.topics.values():
        request = envelope("intent_request")
        request["request"]["intent"]["name"] = topic.intent
        response = lambda_handler(request, None)
        ssml = spoken(response)
        ET.fromstring(ssml)  # well-formed SSML or this raises
        first = topic.answer if not topic.steps else topic.steps[0]
        assert to_ssml(first, catalogue) in ssml, topic.intent
        assert response["response"]["card"] == {
            "type": "Simple", "title": topic.card_title, "content": topic.card_text}
        if topic.end_session:
            assert response["response"]["shouldEndSession"] is True
            assert "reprompt" not in response["response"]
        else:
            assert response["response"]["shouldEndSession"] is False
            assert response["response"]["reprompt"]["outputSpeech"]["ssml"]
        assert len(ssml) < MAX_SPEECH_CHARS
        assert len(json.dumps(response).encode()) < MAX_RESPONSE_BYTES


@pytest.mark.parametrize("intent, prompt, ends", [
    ("AMAZON.HelpIntent", "help", False),
    ("AMAZON.FallbackIntent", "fallback", False),
    ("AMAZON.StopIntent", "goodbye", True),
    ("AMAZON.CancelIntent", "goodbye", True),
    ("AMAZON.NavigateHomeIntent", "welcome", False),
    ("AMAZON.RepeatIntent", "nothing_to_repeat", False),
    ("AMAZON.NextIntent", "not_walking_steps", False),
    ("AMAZON.PreviousIntent", "not_walking_steps", False),
    ("AMAZON.StartOverIntent", "welcome", False),
    ("AMAZON.YesIntent", "nothing_offered", False),
    ("AMAZON.NoIntent", "nothing_offered", False),
    ("AMAZON.SomethingNewIntent", "fallback", False),
])
def test_built_in_intents_in_a_new_session(lambda_handler, envelope, catalogue, intent, prompt,
                                           ends):
    request = envelope("intent_request")
    request["request"]["intent"]["name"] = intent
    response = lambda_handler(request, None)
    assert spoken(response) == f"<speak>{to_ssml(catalogue.prompts[prompt], catalogue)}</speak>"
    assert response["response"]["shouldEndSession"] is ends


def test_every_built_in_is_tested():
    tested = {row[0] for row in test_built_in_intents_in_a_new_session.pytestmark[0].args[1]}
    assert set(BUILT_IN_INTENTS) <= tested


def test_launch_welcomes_with_examples_and_a_reprompt(lambda_handler, envelope, catalogue):
    response = lambda_handler(envelope("launch_request"), None)
    assert "what is" in spoken(response).lower() and "asleep" in spoken(response)
    assert response["response"]["reprompt"]["outputSpeech"]["ssml"]
    assert response["response"]["shouldEndSession"] is False


@pytest.mark.parametrize("name", ["session_ended_request", "exception_encountered_request"])
def test_requests_that_need_no_speech_get_a_valid_empty_response(lambda_handler, envelope, name):
    response = lambda_handler(envelope(name), None)
    assert response["version"] == "1.0"
    assert "outputSpeech" not in response["response"]


def test_unhandled_request_type_gets_an_empty_response(lambda_handler, envelope):
    request = envelope("launch_request")
    request["request"]["type"] = "CanFulfillIntentRequest"
    request["request"]["intent"] = {"name": "DrivingIntent"}
    response = lambda_handler(request, None)
    assert "outputSpeech" not in response["response"]


def test_requests_for_another_skill_are_refused(lambda_handler, envelope):
    request = envelope("intent_request")
    request["context"]["System"]["application"]["applicationId"] = "amzn1.ask.skill.someone-else"
    with pytest.raises(Exception, match="Skill ID Verification failed"):
        lambda_handler(request, None)


def test_a_failing_handler_apologizes(catalogue, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("patient said: my secret symptom")

    monkeypatch.setattr("skill.alexa.handlers.answer_topic", explode)
    reply = Conversation(build_skill(catalogue), catalogue).intent("DrivingIntent")
    assert reply.ssml == f"<speak>{catalogue.prompts['error']}</speak>"
    assert reply.end_session is False


def test_a_failing_handler_logs_no_user_words(catalogue, monkeypatch, caplog):
    monkeypatch.setattr("skill.alexa.handlers.answer_topic",
                        lambda *a: (_ for _ in ()).throw(RuntimeError("my secret symptom")))
    Conversation(build_skill(catalogue), catalogue).intent("DrivingIntent")
    assert "RuntimeError" in caplog.text and "secret" not in caplog.text


def test_steps_walk_with_next_previous_repeat_and_start_over(conversation, catalogue):
    steps = catalogue.topic("ProcedureStepsIntent").steps
    conversation.launch()
    said = conversation.intent("ProcedureStepsIntent").ssml
    assert "Step 1 of 5" in said and to_ssml(steps[0], catalogue) in said
    said = conversation.intent("AMAZON.NextIntent").ssml
    assert "Step 2 of 5" in said and to_ssml(steps[1], catalogue) in said
    assert conversation.intent("AMAZON.RepeatIntent").ssml == said
    assert "Step 3 of 5" in conversation.intent("AMAZON.NextIntent").ssml
    assert "Step 2 of 5" in conversation.intent("AMAZON.PreviousIntent").ssml
    assert "Step 1 of 5" in conversation.intent("AMAZON.StartOverIntent").ssml
    first = conversation.intent("AMAZON.PreviousIntent").ssml
    assert catalogue.prompts["step_first"] in first and "Step 1 of 5" in first
    for number in (2, 3, 4, 5):
        assert f"Step {number} of 5" in conversation.intent("AMAZON.NextIntent").ssml
    assert catalogue.prompts["step_last"] in conversation.intent("AMAZON.NextIntent").ssml
    # The walk is over: Next no longer moves.
    assert catalogue.prompts["not_walking_steps"] in conversation.intent("AMAZON.NextIntent").ssml
    goodbye = conversation.intent("AMAZON.StopIntent")
    assert goodbye.end_session and conversation.ended


def test_yes_takes_up_the_offer_and_no_declines_it(conversation, catalogue):
    offer = catalogue.topic("WhatIsKyphoplastyIntent").follow_up
    said = conversation.intent("WhatIsKyphoplastyIntent")
    assert said.ssml.endswith(f"{offer.prompt}</speak>")
    assert "Step 1 of 5" in conversation.intent("AMAZON.YesIntent").ssml
    conversation.intent("WhatIsKyphoplastyIntent")
    assert catalogue.prompts["no_thanks"] in conversation.intent("AMAZON.NoIntent").ssml
    # The offer is used up: a second yes has nothing to accept.
    nothing_offered = to_ssml(catalogue.prompts["nothing_offered"], catalogue)
    assert nothing_offered in conversation.intent("AMAZON.YesIntent").ssml


def test_another_question_withdraws_the_offer(conversation, catalogue):
    conversation.intent("WhatIsKyphoplastyIntent")
    conversation.intent("DrivingIntent")
    nothing_offered = to_ssml(catalogue.prompts["nothing_offered"], catalogue)
    assert nothing_offered in conversation.intent("AMAZON.YesIntent").ssml


def test_repeat_says_the_last_answer_again(conversation):
    answer = conversation.intent("DrivingIntent")
    again = conversation.intent("AMAZON.RepeatIntent")
    assert again.ssml == answer.ssml and again.card_title == answer.card_title


def test_emergency_ends_the_session(conversation, catalogue):
    reply = conversation.intent("EmergencyIntent")
    assert "call your local emergency number now" in reply.ssml
    assert reply.end_session


def test_hard_words_carry_their_pronunciation(conversation):
    ssml = conversation.intent("CompareVertebroplastyIntent").ssml
    assert '<phoneme alphabet="ipa" ph="ˈvɜrtəbroʊˌplæsti">vertebroplasty</phoneme>' in ssml
    assert '<phoneme alphabet="ipa" ph="ˈkaɪfoʊˌplæsti">Kyphoplasty</phoneme>' in ssml


def test_phone_numbers_are_read_as_digits(conversation):
    assert '<say-as interpret-as="telephone">555-0142</say-as>' in conversation.intent(
        "ContactIntent").ssml


def test_ssml_is_made_once_per_text_and_stays_the_same(catalogue, monkeypatch):
    from skill import speech

    text = "Call 555-0142 about kyphoplasty & more."
    first = to_ssml(text, catalogue)
    assert catalogue.ssml_made[text] == first
    assert '<say-as interpret-as="telephone">555-0142</say-as>' in first and "&amp;" in first
    made = []
    monkeypatch.setattr(speech, "_make_ssml", lambda *args: made.append(args) or "remade")
    assert to_ssml(text, catalogue) == first
    assert made == []


def test_ssml_memory_stops_at_its_limit(catalogue, monkeypatch):
    from skill import speech

    monkeypatch.setattr(speech, "SSML_MADE_LIMIT", len(catalogue.ssml_made))
    assert to_ssml("A sentence nobody has said before.", catalogue) == (
        "A sentence nobody has said before.")
    assert "A sentence nobody has said before." not in catalogue.ssml_made


@pytest.mark.parametrize("locale", ["fr-FR", "en-XX", "../../clinic", "en-US/../en-US", ""])
def test_a_locale_without_its_own_catalogue_gets_the_default(locale):
    from skill.catalogue import DEFAULT_LOCALE, catalogue_for_locale

    assert catalogue_for_locale(locale).locale == DEFAULT_LOCALE


def test_a_request_locale_picks_its_own_catalogue(responses_copy, monkeypatch):
    from skill import catalogue as catalogue_module

    text = (responses_copy / "en-US.toml").read_text(encoding="utf-8")
    (responses_copy / "en-GB.toml").write_text(
        text.replace('locale = "en-US"', 'locale = "en-GB"'), encoding="utf-8")
    monkeypatch.setattr(catalogue_module, "RESPONSES_DIR", responses_copy)
    catalogue_module.catalogue_for_locale.cache_clear()
    catalogue_module.cached_catalogue.cache_clear()
    try:
        assert catalogue_module.catalogue_for_locale("en-GB").locale == "en-GB"
    finally:
        catalogue_module.catalogue_for_locale.cache_clear()
        catalogue_module.cached_catalogue.cache_clear()
