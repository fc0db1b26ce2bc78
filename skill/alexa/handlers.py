"""The Alexa skill: one handler for every catalogue topic, small ones for the built-ins."""

from __future__ import annotations

import logging
import os

from ask_sdk_core.dispatch_components import (
    AbstractExceptionHandler,
    AbstractRequestHandler,
    AbstractRequestInterceptor,
)
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils import is_intent_name, is_request_type
from ask_sdk_model import Response
from ask_sdk_model.ui import SimpleCard

from skill.alexa.clips import ClipLibrary
from skill.alexa.serializer import ModelSerializer
from skill.catalogue import (
    DEFAULT_LOCALE,
    FALLBACK_CLIP_ID,
    Catalogue,
    Topic,
    catalogue_for_locale,
    intro_clip_id,
    step_clip_id,
)
from skill.speech import to_ssml

log = logging.getLogger("skill")

# Session attribute keys: what was last said (for Repeat), the step walk, and an open offer.
LAST = "last"
WALK = "steps"
OFFER = "offer"


def catalogue_of(handler_input: HandlerInput) -> Catalogue:
    """Return the catalogue the interceptor chose for this request's locale."""
    return handler_input.attributes_manager.request_attributes["catalogue"]


def clips_of(handler_input: HandlerInput) -> ClipLibrary:
    """Return the pre-rendered clips available for this request's locale."""
    return handler_input.attributes_manager.request_attributes["clips"]


def say(handler_input: HandlerInput, speech: str, *, reprompt: str | None = None,
        card: tuple[str, str] | None = None, end: bool = False) -> Response:
    """Build a response from inner SSML and remember it so Repeat can say it again."""
    builder = handler_input.response_builder.speak(speech)
    if card:
        builder.set_card(SimpleCard(title=card[0], content=card[1]))
    if end:
        builder.set_should_end_session(True)
    else:
        builder.ask(reprompt or speech)
        handler_input.attributes_manager.session_attributes[LAST] = {
            "speech": speech, "reprompt": reprompt or speech,
            "card": list(card) if card else None,
        }
    return builder.response


def answer_topic(handler_input: HandlerInput, topic: Topic) -> Response:
    """Answer one catalogue topic, starting the step walk if it has steps."""
    catalogue, clips = catalogue_of(handler_input), clips_of(handler_input)
    session = handler_input.attributes_manager.session_attributes
    session.pop(OFFER, None)
    session.pop(WALK, None)
    card = (topic.card_title, topic.card_text)
    if topic.end_session:
        return say(handler_input, to_ssml(topic.answer, catalogue), card=card, end=True)
    if topic.steps:
        session[WALK] = {"intent": topic.intent, "index": 0}
        speech = clips.speech(intro_clip_id(topic.intent), topic.answer, catalogue)
        return say_step(handler_input, topic, 0, lead=speech)
    speech = clips.speech(topic.intent, topic.answer, catalogue)
    if topic.follow_up:
        session[OFFER] = topic.follow_up.intent
        prompt = to_ssml(topic.follow_up.prompt, catalogue)
    else:
        prompt = to_ssml(catalogue.prompts["anything_else"], catalogue)
    return say(handler_input, f"{speech} {prompt}", reprompt=prompt, card=card)


def say_step(handler_input: HandlerInput, topic: Topic, index: int, lead: str = "") -> Response:
    """Say step `index` of a topic's steps with what to say next."""
    catalogue, clips = catalogue_of(handler_input), clips_of(handler_input)
    prompts, total = catalogue.prompts, len(topic.steps)
    handler_input.attributes_manager.session_attributes[WALK] = {"intent": topic.intent,
                                                                 "index": index}
    intro = to_ssml(prompts["step_intro"].format(number=index + 1, total=total), catalogue)
    step = clips.speech(step_clip_id(topic.intent, index + 1), topic.steps[index], catalogue)
    if index + 1 < total:
        prompt = to_ssml(prompts["step_next"].format(next=index + 2), catalogue)
    else:
        prompt = to_ssml(prompts["step_last"], catalogue)
    speech = " ".join(part for part in (lead, intro, step, prompt) if part)
    return say(handler_input, speech, reprompt=prompt, card=(topic.card_title, topic.card_text))


def say_prompt(handler_input: HandlerInput, key: str, reprompt_key: str | None = None,
               *, end: bool = False) -> Response:
    """Say one of the catalogue's fixed prompts."""
    catalogue = catalogue_of(handler_input)
    speech = to_ssml(catalogue.prompts[key], catalogue)
    reprompt = to_ssml(catalogue.prompts[reprompt_key], catalogue) if reprompt_key else None
    return say(handler_input, speech, reprompt=reprompt, end=end)


class CatalogueInterceptor(AbstractRequestInterceptor):
    """Resolve the request's locale to its catalogue and clips once per request."""

    def __init__(self, catalogue: Catalogue | None, clips: ClipLibrary | None):
        self.catalogue, self.clips = catalogue, clips

    def process(self, handler_input):
        catalogue = self.catalogue
        if catalogue is None:
            locale = getattr(handler_input.request_envelope.request, "locale", None)
            catalogue = catalogue_for_locale(locale or DEFAULT_LOCALE)
        attributes = handler_input.attributes_manager.request_attributes
        attributes["catalogue"] = catalogue
        attributes["clips"] = self.clips or ClipLibrary.from_environment(catalogue)


class LaunchRequestHandler(AbstractRequestHandler):
    """Welcome the patient with a few example questions."""

    def can_handle(self, handler_input):
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input):
        return say_prompt(handler_input, "welcome", "welcome_reprompt")


class CatalogueTopicHandler(AbstractRequestHandler):
    """Answer any intent the catalogue has a topic for."""

    def can_handle(self, handler_input):
        if not is_request_type("IntentRequest")(handler_input):
            return False
        name = handler_input.request_envelope.request.intent.name
        return name in catalogue_of(handler_input).topics

    def handle(self, handler_input):
        name = handler_input.request_envelope.request.intent.name
        return answer_topic(handler_input, catalogue_of(handler_input).topic(name))


class StepWalkHandler(AbstractRequestHandler):
    """Move through the procedure steps with Next, Previous and Start Over."""

    MOVES = {"AMAZON.NextIntent": 1, "AMAZON.PreviousIntent": -1, "AMAZON.StartOverIntent": 0}

    def can_handle(self, handler_input):
        return any(is_intent_name(name)(handler_input) for name in self.MOVES)

    def handle(self, handler_input):
        name = handler_input.request_envelope.request.intent.name
        walk = handler_input.attributes_manager.session_attributes.get(WALK)
        if not walk:
            if name == "AMAZON.StartOverIntent":
                return say_prompt(handler_input, "welcome", "welcome_reprompt")
            return say_prompt(handler_input, "not_walking_steps", "anything_else")
        topic = catalogue_of(handler_input).topic(walk["intent"])
        if name == "AMAZON.StartOverIntent":
            return say_step(handler_input, topic, 0)
        index = walk["index"] + self.MOVES[name]
        if index < 0:
            catalogue = catalogue_of(handler_input)
            return say_step(handler_input, topic, 0,
                            lead=to_ssml(catalogue.prompts["step_first"], catalogue))
        if index >= len(topic.steps):
            handler_input.attributes_manager.session_attributes.pop(WALK, None)
            return say_prompt(handler_input, "step_last", "anything_else")
        return say_step(handler_input, topic, index)


class RepeatHandler(AbstractRequestHandler):
    """Say the last answer again, word for word."""

    def can_handle(self, handler_input):
        return is_intent_name("AMAZON.RepeatIntent")(handler_input)

    def handle(self, handler_input):
        last = handler_input.attributes_manager.session_attributes.get(LAST)
        if not last:
            return say_prompt(handler_input, "nothing_to_repeat", "anything_else")
        card = tuple(last["card"]) if last.get("card") else None
        return say(handler_input, last["speech"], reprompt=last["reprompt"], card=card)


class FollowUpReplyHandler(AbstractRequestHandler):
    """Take up, or turn down, the offer made after the last answer."""

    def can_handle(self, handler_input):
        return (is_intent_name("AMAZON.YesIntent")(handler_input)
                or is_intent_name("AMAZON.NoIntent")(handler_input))

    def handle(self, handler_input):
        offer = handler_input.attributes_manager.session_attributes.pop(OFFER, None)
        catalogue = catalogue_of(handler_input)
        if not offer or offer not in catalogue.topics:
            return say_prompt(handler_input, "nothing_offered", "help_reprompt")
        if is_intent_name("AMAZON.NoIntent")(handler_input):
            return say_prompt(handler_input, "no_thanks", "anything_else")
        return answer_topic(handler_input, catalogue.topic(offer))


class HelpHandler(AbstractRequestHandler):
    """Say what the skill can answer, with an example."""

    def can_handle(self, handler_input):
        return is_intent_name("AMAZON.HelpIntent")(handler_input)

    def handle(self, handler_input):
        return say_prompt(handler_input, "help", "help_reprompt")


class NavigateHomeHandler(AbstractRequestHandler):
    """Go back to the welcome, as Alexa's home gesture asks."""

    def can_handle(self, handler_input):
        return is_intent_name("AMAZON.NavigateHomeIntent")(handler_input)

    def handle(self, handler_input):
        session = handler_input.attributes_manager.session_attributes
        session.pop(WALK, None)
        session.pop(OFFER, None)
        return say_prompt(handler_input, "welcome", "welcome_reprompt")


class StopHandler(AbstractRequestHandler):
    """Say goodbye and end the session."""

    def can_handle(self, handler_input):
        return (is_intent_name("AMAZON.StopIntent")(handler_input)
                or is_intent_name("AMAZON.CancelIntent")(handler_input))

    def handle(self, handler_input):
        return say_prompt(handler_input, "goodbye", end=True)


class FallbackHandler(AbstractRequestHandler):
    """Decline what the skill cannot answer, and any intent it does not know, without guessing."""

    def can_handle(self, handler_input):
        return is_request_type("IntentRequest")(handler_input)

    def handle(self, handler_input):
        handler_input.attributes_manager.session_attributes.pop(OFFER, None)
        catalogue, clips = catalogue_of(handler_input), clips_of(handler_input)
        speech = clips.speech(FALLBACK_CLIP_ID, catalogue.prompts["fallback"], catalogue)
        reprompt = to_ssml(catalogue.prompts["fallback_reprompt"], catalogue)
        return say(handler_input, speech, reprompt=reprompt)


class SessionEndedHandler(AbstractRequestHandler):
    """Acknowledge the end of a session; Alexa ignores any speech here."""

    def can_handle(self, handler_input):
        return is_request_type("SessionEndedRequest")(handler_input)

    def handle(self, handler_input):
        return handler_input.response_builder.response


class SilentRequestHandler(AbstractRequestHandler):
    """Answer System.ExceptionEncountered and any other request type with an empty response."""

    def can_handle(self, handler_input):
        return True

    def handle(self, handler_input):
        return handler_input.response_builder.response


class ApologyExceptionHandler(AbstractExceptionHandler):
    """Apologize instead of failing when a handler raises."""

    def can_handle(self, handler_input, exception):
        return True

    def handle(self, handler_input, exception):
        # Only the exception type: its message may carry what the user said.
        log.error("handler failed: %s", type(exception).__name__)
        try:
            catalogue = catalogue_of(handler_input)
            speech, reprompt = catalogue.prompts["error"], catalogue.prompts["anything_else"]
        except Exception:  # the catalogue itself may be what failed
            speech = "Sorry, something went wrong on my side. Please try asking again."
            reprompt = "What would you like to know?"
        builder = handler_input.response_builder.speak(speech).ask(reprompt)
        return builder.response


def build_skill(catalogue: Catalogue | None = None, clips: ClipLibrary | None = None,
                skill_id: str | None = None) -> CustomSkill:
    """Assemble the skill; with no catalogue given, each request's locale picks one.

    skill_id None reads ALEXA_SKILL_ID; an empty string turns the check off, for requests
    built on this machine (kiosk, command line) that never come from Alexa.
    """
    sb = SkillBuilder()
    if skill_id is None:
        skill_id = os.environ.get("ALEXA_SKILL_ID")
    sb.skill_id = skill_id or None
    sb.add_global_request_interceptor(CatalogueInterceptor(catalogue, clips))
    # Order matters: the first handler that can handle a request answers it.
    sb.add_request_handler(LaunchRequestHandler())
    sb.add_request_handler(CatalogueTopicHandler())
    sb.add_request_handler(StepWalkHandler())
    sb.add_request_handler(RepeatHandler())
    sb.add_request_handler(FollowUpReplyHandler())
    sb.add_request_handler(HelpHandler())
    sb.add_request_handler(NavigateHomeHandler())
    sb.add_request_handler(StopHandler())
    sb.add_request_handler(FallbackHandler())
    sb.add_request_handler(SessionEndedHandler())
    sb.add_request_handler(SilentRequestHandler())
    sb.add_exception_handler(ApologyExceptionHandler())
    skill = sb.create()
    # Same models and JSON as the SDK's serializer, without its per-request reflection.
    skill.serializer = ModelSerializer()
    return skill
