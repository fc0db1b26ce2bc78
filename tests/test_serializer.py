"""ModelSerializer must build exactly what ask-sdk-core's DefaultSerializer builds."""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum

import pytest
from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope, ResponseEnvelope
from ask_sdk_model.request import Request
from ask_sdk_model.ui.play_behavior import PlayBehavior

from skill.alexa.serializer import ModelSerializer
from tests.conftest import ENVELOPES

REFERENCE = DefaultSerializer()
NATIVE_SAMPLES = {
    "str": "text", "int": 7, "float": 2.5, "bool": True, "object": {"free": ["form", 1]},
    "datetime": "2026-11-25T12:34:56Z", "date": "2026-11-25",
}
MAX_DEPTH = 7


def sample(type_name: str, depth: int = 0, pick: int = 0):
    """Return a JSON value with every field of ``type_name`` filled in, to a fixed depth."""
    if depth > MAX_DEPTH:
        return None
    if type_name in NATIVE_SAMPLES:
        return NATIVE_SAMPLES[type_name]
    if type_name.startswith("list["):
        item = sample(type_name[5:-1], depth + 1, pick)
        return [] if item is None else [item, item]
    if type_name.startswith("dict("):
        value = sample(re.match(r"dict\(([^,]*), (.*)\)", type_name).group(2), depth + 1, pick)
        return {} if value is None else {"first": value}
    cls = class_named(type_name)
    if issubclass(cls, Enum):
        members = list(cls)
        return members[pick % len(members)].value
    subclasses = getattr(cls, "discriminator_value_class_map", None)
    if subclasses:
        kind = sorted(subclasses)[pick % len(subclasses)]
        fields = model_fields(subclasses[kind], depth, pick)
        fields[cls.json_discriminator_key] = kind
        return fields
    return model_fields(type_name, depth, pick)


def model_fields(type_name: str, depth: int, pick: int) -> dict:
    """Fill every declared field of a model class under its JSON key."""
    cls = class_named(type_name)
    names = getattr(cls, "attribute_map", {}) or {}
    fields = {}
    for attr, field_type in cls.deserialized_types.items():
        value = sample(field_type, depth + 1, pick)
        if value is not None:
            fields[names.get(attr, attr)] = value
    return fields


def class_named(type_name: str) -> type:
    """Import an ask-sdk-model class from its dotted name."""
    module, _, name = type_name.rpartition(".")
    return getattr(__import__(module, fromlist=[name]), name)


def envelope_for(request_type: str, pick: int = 0) -> dict:
    """A full envelope around one request type, plus a key the model does not declare."""
    envelope = model_fields("ask_sdk_model.request_envelope.RequestEnvelope", 0, pick)
    subclass = Request.discriminator_value_class_map[request_type]
    envelope["request"] = {**model_fields(subclass, 1, pick), "type": request_type}
    envelope["notInTheModel"] = {"kept": True}
    return envelope


def both(payload: str, obj_type=RequestEnvelope):
    """Deserialize with the SDK's serializer and ours."""
    return REFERENCE.deserialize(payload, obj_type), ModelSerializer().deserialize(payload, obj_type)


@pytest.mark.parametrize("request_type", sorted(Request.discriminator_value_class_map))
@pytest.mark.parametrize("pick", [0, 1])
def test_every_request_type_reads_and_writes_as_the_sdk_does(request_type, pick):
    payload = json.dumps(envelope_for(request_type, pick))
    expected, actual = both(payload)
    assert type(actual.request) is type(expected.request)
    assert actual == expected
    ours = ModelSerializer()
    assert ours.serialize(actual) == REFERENCE.serialize(expected)
    # Written twice: the second write uses the field list cached by the first.
    assert json.dumps(ours.serialize(actual)) == json.dumps(REFERENCE.serialize(expected))


def test_the_generated_envelopes_really_are_full():
    """Guard the test above: an empty sample would make every comparison pass."""
    envelope = envelope_for("IntentRequest")
    assert envelope["request"]["intent"]["slots"]["first"]["resolutions"]
    assert envelope["context"]["System"]["device"]["supportedInterfaces"]
    assert envelope["context"]["Viewport"]["experiences"]
    model = ModelSerializer().deserialize(json.dumps(envelope), RequestEnvelope)
    assert model.request.intent.slots["first"].value == "text"
    assert model.request.timestamp == datetime(2026, 11, 25, 12, 34, 56, tzinfo=UTC)
    assert model.notInTheModel == {"kept": True}


@pytest.mark.parametrize("name", sorted(path.stem for path in ENVELOPES.glob("*.json")))
def test_golden_envelopes_and_the_skills_answers_match_the_sdk(name, skill):
    payload = (ENVELOPES / f"{name}.json").read_text()
    expected, actual = both(payload)
    assert actual == expected
    response = skill.invoke(request_envelope=actual, context=None)
    assert isinstance(response, ResponseEnvelope)
    assert ModelSerializer().serialize(response) == REFERENCE.serialize(response)


@pytest.mark.parametrize("stamp", [
    "2026-11-25T12:34:56Z", "2026-11-25T12:34:56.5Z", "2026-11-25T12:34:56.123456Z",
    "2026-11-25T12:34:56+02:00", "2026-11-25T12:34:56-05:30", "2026-11-25 12:34:56Z",
    "2026-11-25T12:34:56", "Wed, 25 Nov 2026 12:34:56 GMT",
])
def test_timestamps_are_the_same_instant_as_dateutil_reads_them(stamp):
    expected, actual = both(json.dumps(stamp), "datetime")
    assert actual == expected
    assert actual.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("stamp", ["2026-13-01T00:00:00Z", "not a time"])
def test_impossible_timestamps_fail_for_both(stamp):
    with pytest.raises(SerializationException):
        REFERENCE.deserialize(json.dumps(stamp), "datetime")
    with pytest.raises(SerializationException):
        ModelSerializer().deserialize(json.dumps(stamp), "datetime")


def test_nulls_lists_and_primitives_follow_the_sdk():
    payload = json.dumps({"version": 1, "session": None, "request": {
        "type": "IntentRequest", "requestId": "r", "timestamp": "2026-11-25T12:34:56Z",
        "intent": {"name": "X", "slots": {"a": {"name": "a", "value": None}}}}})
    expected, actual = both(payload)
    assert actual == expected
    assert actual.version == "1"
    assert actual.session is None


def test_other_values_serialize_as_the_sdk_serializes_them():
    values = [("a", 1), Decimal("2"), Decimal("2.5"), date(2026, 11, 25),
              OrderedDict(x=[PlayBehavior.ENQUEUE]), {"when": datetime(2026, 11, 25, tzinfo=UTC)}]
    assert ModelSerializer().serialize(values) == REFERENCE.serialize(values)


def test_the_rare_list_of_several_types_reads_as_the_sdk_reads_it():
    expected, actual = both('["7", 7, null]', "list[int, str, str]")
    assert actual == expected == [7, "7", None]


def test_a_request_type_the_sdk_does_not_know_fails_without_quoting_the_body():
    payload = json.dumps({"request": {"type": "SecretPatientWords", "requestId": "r"}})
    with pytest.raises(SerializationException):
        REFERENCE.deserialize(payload, RequestEnvelope)
    with pytest.raises(SerializationException) as refusal:
        ModelSerializer().deserialize(payload, RequestEnvelope)
    assert "SecretPatientWords" not in str(refusal.value)


def test_a_string_where_a_model_belongs_is_refused():
    # The SDK would read "hello" character by character into a Session; we refuse it.
    payload = json.dumps({"session": "hello", "request": {
        "type": "LaunchRequest", "requestId": "r", "timestamp": "2026-11-25T12:34:56Z"}})
    with pytest.raises(SerializationException, match="Expected a JSON object for Session"):
        ModelSerializer().deserialize(payload, RequestEnvelope)


def test_bad_json_is_refused_without_quoting_it():
    with pytest.raises(SerializationException) as refusal:
        ModelSerializer().deserialize("{my back hurts", RequestEnvelope)
    assert "back" not in str(refusal.value)


def test_threads_reading_with_a_fresh_serializer_all_get_the_sdks_models():
    # Readers are compiled on first use, possibly by several request threads at once.
    ours = ModelSerializer()
    payloads = [json.dumps(envelope_for(kind)) for kind in sorted(
        Request.discriminator_value_class_map)[:16]]
    expected = [REFERENCE.deserialize(payload, RequestEnvelope) for payload in payloads]
    start = threading.Barrier(8)
    results: dict[int, list] = {}

    def read_all(number: int) -> None:
        start.wait()
        order = payloads[number:] + payloads[:number]
        results[number] = [ours.deserialize(payload, RequestEnvelope) for payload in order]

    threads = [threading.Thread(target=read_all, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for number, models in results.items():
        assert models == expected[number:] + expected[:number]
    assert len(results) == 8
