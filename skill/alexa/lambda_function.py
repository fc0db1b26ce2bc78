"""AWS Lambda entry point: `skill/alexa/lambda_function.lambda_handler`."""

from __future__ import annotations

import json

from ask_sdk_model import RequestEnvelope

from skill.alexa.handlers import build_skill

# Built once per container so warm invocations skip the catalogue load and handler setup.
skill = build_skill()


def lambda_handler(event, context):
    """Answer one Alexa request envelope (a dict) with a response envelope (a dict)."""
    envelope = skill.serializer.deserialize(payload=json.dumps(event), obj_type=RequestEnvelope)
    response = skill.invoke(request_envelope=envelope, context=context)
    return skill.serializer.serialize(response)
