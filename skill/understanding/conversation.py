"""Run the real skill handlers on real request envelopes, without Alexa's cloud."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope

from skill.catalogue import Catalogue
from skill.speech import plain_text, to_ssml

LOCAL_APPLICATION_ID = "amzn1.ask.skill.local-offline"


def request_envelope(request: dict, *, session: dict | None, locale: str,
                     application_id: str = LOCAL_APPLICATION_ID) -> dict:
    """Return the JSON Alexa would send for one request, with no user or device details."""
    request = {"requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
               "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
               "locale": locale, **request}
    envelope = {
        "version": "1.0",
        "context": {"System": {"application": {"applicationId": application_id},
                               "user": {"userId": "amzn1.ask.account.local"}}},
        "request": request,
    }
    if session is not None:
        envelope["session"] = session
    return envelope


@dataclass
class Reply:
    """What the skill said for one turn, as the kiosk and the command line use it."""

    intent: str
    text: str
    ssml: str
    reprompt: str
    end_session: bool
    card_title: str
    response: dict = field(repr=False)


class Conversation:
    """One session with the skill: launch, questions, next and repeat, stop."""

    def __init__(self, skill: CustomSkill, catalogue: Catalogue,
                 application_id: str = LOCAL_APPLICATION_ID):
        self.skill, self.catalogue, self.application_id = skill, catalogue, application_id
        self.session_id = f"amzn1.echo-api.session.{uuid.uuid4()}"
        self.attributes: dict | None = None
        self.ended = False

    def _session(self) -> dict:
        return {"new": self.attributes is None, "sessionId": self.session_id,
                "application": {"applicationId": self.application_id},
                "attributes": self.attributes or {},
                "user": {"userId": "amzn1.ask.account.local"}}

    def send(self, request: dict, intent: str = "") -> Reply:
        """Send one request through the skill and keep its session attributes."""
        envelope = request_envelope(request, session=self._session(),
                                    locale=self.catalogue.locale,
                                    application_id=self.application_id)
        payload = self.skill.serializer.deserialize(payload=json.dumps(envelope),
                                                    obj_type=RequestEnvelope)
        result = self.skill.serializer.serialize(
            self.skill.invoke(request_envelope=payload, context=None))
        self.attributes = result.get("sessionAttributes") or {}
        response = result.get("response", {})
        ssml = response.get("outputSpeech", {}).get("ssml", "")
        card = response.get("card") or {}
        end = response.get("shouldEndSession", True) is not False
        self.ended = end
        reprompt = response.get("reprompt", {}).get("outputSpeech", {}).get("ssml", "")
        return Reply(intent=intent or request.get("type", ""),
                     text=card.get("content") or plain_text(ssml), ssml=ssml,
                     reprompt=reprompt, end_session=end, card_title=card.get("title", ""),
                     response=result)

    def launch(self) -> Reply:
        """Open the skill as 'Alexa, open ...' would."""
        return self.send({"type": "LaunchRequest"}, "LaunchRequest")

    def intent(self, name: str) -> Reply:
        """Send an IntentRequest for one intent, as Alexa does once it has understood."""
        return self.send({"type": "IntentRequest", "dialogState": "COMPLETED",
                          "intent": {"name": name, "confirmationStatus": "NONE"}}, name)

    def end(self, reason: str = "USER_INITIATED") -> Reply:
        """Close the session as Alexa does when the user walks away."""
        return self.send({"type": "SessionEndedRequest", "reason": reason}, "SessionEndedRequest")


# What a person types in `chat` for Alexa's built-in intents, which Alexa resolves itself.
BUILT_IN_WORDS = {
    "next": "AMAZON.NextIntent", "previous": "AMAZON.PreviousIntent",
    "back": "AMAZON.PreviousIntent", "go back": "AMAZON.PreviousIntent",
    "repeat": "AMAZON.RepeatIntent", "say that again": "AMAZON.RepeatIntent",
    "start over": "AMAZON.StartOverIntent", "yes": "AMAZON.YesIntent", "yes please":
    "AMAZON.YesIntent", "no": "AMAZON.NoIntent", "no thanks": "AMAZON.NoIntent",
    "help": "AMAZON.HelpIntent", "stop": "AMAZON.StopIntent", "cancel": "AMAZON.CancelIntent",
    "goodbye": "AMAZON.StopIntent", "home": "AMAZON.NavigateHomeIntent",
}


def built_in_intent(question: str) -> str | None:
    """Return the built-in intent a short command like 'next' or 'stop' stands for."""
    return BUILT_IN_WORDS.get(" ".join(question.lower().strip(" .!?").split()))


def answer_question(conversation: Conversation, matcher, question: str) -> dict:
    """Match a free-text question offline and answer it through the real handlers.

    When the matcher is not sure enough to answer but has likely topics, the reply offers
    them instead ("Did you mean: ...?") and lists their intents in "choices".
    """
    from skill.understanding.matcher import did_you_mean

    match = matcher.match(question)
    choices = list(getattr(match, "choices", ()) or ())
    catalogue = conversation.catalogue
    if choices:
        text = did_you_mean(catalogue, tuple(choices))
        return {
            "question": question, "intent": match.intent, "confidence": match.confidence,
            "text": text, "ssml": to_ssml(text, catalogue), "end_session": False,
            "emergency": False, "source": "", "choices": choices,
        }
    reply = conversation.intent(match.intent)
    topic = catalogue.topics.get(match.intent)
    return {
        "question": question,
        "intent": match.intent,
        "confidence": match.confidence,
        "text": reply.text,
        "ssml": reply.ssml,
        "end_session": reply.end_session,
        "emergency": match.intent == "EmergencyIntent",
        "source": topic.source if topic else "",
        "choices": [],
    }


# How a person picks one of the offered choices in `chat`.
CHOICE_WORDS = {"1": 0, "one": 0, "first": 0, "the first": 0, "the first one": 0,
                "2": 1, "two": 1, "second": 1, "the second": 1, "the second one": 1,
                "3": 2, "three": 2, "third": 2, "the third": 2, "the third one": 2}


def picked_choice(reply: str, choices: list[str]) -> str | None:
    """Return the intent a reply picks from the offered choices, or None."""
    said = " ".join(reply.lower().strip(" .!?").split())
    if said in ("yes", "yes please", "yeah", "that one") and len(choices) == 1:
        return choices[0]
    index = CHOICE_WORDS.get(said)
    return choices[index] if index is not None and index < len(choices) else None
