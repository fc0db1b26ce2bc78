"""Declare the shape of responses/ once, and say in one line per key what breaks it.

pydantic checks every key's type and refuses keys nobody declared, so a key added to a
model below is type-checked with no more code. What the shape cannot say (placeholders,
spoken-text limits, sources, follow-up targets, regular expressions) skill/catalogue/__init__.py
checks afterwards. Strict mode: TOML has real booleans, numbers and lists, so "no" is never
read as a boolean and 5 never as text.

Not imported where pydantic is missing: the Lambda package answers from a catalogue that
deploy/build_lambda.py loaded with these checks before it zipped it, and leaves this file
out (LEFT_OUT_MODULES there).
"""

from __future__ import annotations

import types
import typing
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, create_model
from pydantic_core import PydanticCustomError

from skill.catalogue import CLINIC_KEYS, RED_FLAG_ID


def _text(value: object) -> object:
    """Refuse anything but a string with something in it."""
    if not isinstance(value, str) or not value.strip():
        raise PydanticCustomError("text", "must be a non-empty string")
    return value


def _setting(value: object) -> object:
    """Refuse anything but a string; an empty one leaves the setting unset."""
    if not isinstance(value, str):
        raise PydanticCustomError("setting", 'must be a string (use "" to leave it unset)')
    return value


# Text that is said, shown or matched: empty would be silence or match every question.
Text = Annotated[str, BeforeValidator(_text)]
Setting = Annotated[str, BeforeValidator(_setting)]


class Shape(BaseModel):
    """A table of one of the responses/ files."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Prompts(Shape):
    """[prompts]: what the assistant says around the answers."""

    welcome: Text
    welcome_reprompt: Text
    help: Text
    help_reprompt: Text
    fallback: Text
    fallback_reprompt: Text
    anything_else: Text
    goodbye: Text
    no_thanks: Text
    nothing_offered: Text
    nothing_to_repeat: Text
    not_walking_steps: Text
    step_intro: Text
    step_next: Text
    step_last: Text
    step_first: Text
    error: Text


class Pronunciation(Shape):
    """[[lexicon]]: one hard word."""

    word: Text
    ipa: Text
    respelling: Text


class Matcher(Shape):
    """[matcher]: questions the offline matcher declines."""

    out_of_scope: list[Text] = []
    out_of_scope_patterns: list[Text] = []


class FollowUp(Shape):
    """A topic's follow_up = { prompt = ..., intent = ... }."""

    prompt: Text
    intent: Text


class Topic(Shape):
    """[[topic]]: one question, its answer and its source."""

    intent: Text
    group: Text
    question: Text
    card_title: Text
    # Checked as spoken text by the loader, which names what is missing.
    answer: str | None = None
    unset_answer: str | None = None
    choice: str | None = None
    card_text: Text | None = None
    section: Text | None = None
    quote: Text | None = None
    setting: Text | None = None
    rule: Text | None = None
    steps: list[Text] = []
    step_quotes: list[Text] | None = None
    follow_up: FollowUp | None = None
    end_session: bool = False
    utterances: list[Text] = []


class CatalogueFile(Shape):
    """responses/<locale>.toml."""

    locale: Text
    invocation_name: Text
    prompts: Prompts
    groups: dict[str, Text]
    lexicon: list[Pronunciation] = []
    matcher: Matcher = Matcher()
    topic: list[Topic]


class Everywhere(Shape):
    """[everywhere]: phrases that set a signal aside in every category, and words that don't."""

    not_when: list[Text] = []
    now: list[Text] = []


class Category(Shape):
    """[[category]]: one family of red-flag symptoms."""

    id: Text
    name: str | None = None
    signals: list[Text] = []
    not_when: list[Text] = []
    must: list[Text] = []
    must_not: list[Text] = []
    utterances: list[Text] = []


class RedFlagFile(Shape):
    """responses/red-flags/<locale>.toml."""

    everywhere: Everywhere = Everywhere()
    category: list[Category] = []


ClinicFile = create_model(
    "ClinicFile", __base__=Shape, __doc__="responses/clinic.toml: the clinic's own settings.",
    **{key: (Setting | None, None) for key in sorted(CLINIC_KEYS)})


def shape_problems(shape: type[BaseModel], data: dict, where: str) -> tuple[list[str], bool]:
    """Return one line per key that breaks a file's shape, and whether all are unknown keys.

    Unknown keys alone leave the rest readable, so the loader can go on to report its
    own checks with them; any other problem means the data cannot be read as declared.
    """
    try:
        shape.model_validate(data)
    except ValidationError as error:
        found = error.errors(include_url=False)
        lines = list(dict.fromkeys(_line(shape, data, where, e) for e in found))
        return lines, all(e["type"] == "extra_forbidden" for e in found)
    return [], True


def _line(shape: type[BaseModel], data: dict, where: str, error: dict) -> str:
    """Turn one pydantic error into "<file>: <dotted key path>: <what is wrong>"."""
    loc = error["loc"]
    kind, value = error["type"], error.get("input")
    if kind == "extra_forbidden":
        expected = ", ".join(_field_names(shape, loc[:-1]))
        message = f"unknown key (expected one of: {expected})"
        if len(loc) == 1:  # a top-level key: "<file>.<key>", as the loader always said
            return f"{where}.{loc[0]}: {message}"
        return f"{where}: {_key_path(loc, data)}: {message}"
    return f"{where}: {_key_path(loc, data)}: {_message(kind, error['msg'], value, loc)}"


def _message(kind: str, default: str, value: object, loc: tuple) -> str:
    """Say what is wrong with one value, in the words a clinic's editor uses."""
    shown = _shown(value)
    name = str(loc[-1]) if loc else ""
    if kind == "missing":
        return "is missing"
    if kind in ("text", "setting"):
        return default if isinstance(value, str) else f"{default}, not {shown}"
    if kind == "string_type":
        return f"must be a string, not {shown}"
    if kind == "bool_type":
        return f"must be true or false (without quotes), not {shown}"
    # A top-level key can be written as a [name] section or [[name]] entries.
    section = name if len(loc) == 1 else ""
    if kind == "list_type":
        if isinstance(value, dict) and section:
            return f"must be a list; write each entry as [[{name}]], not one [{name}] table"
        return f"must be a list in square brackets, not {shown}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        if isinstance(value, list) and section:
            return f"must be one table: write [{name}] once, not [[{name}]]"
        if section:
            return f"must be a table (a [{name}] section), not {shown}"
        return f"must be a table (key = value pairs in {{ }}), not {shown}"
    return f"{default[:1].lower()}{default[1:]} (got {shown})"


def _shown(value: object) -> str:
    """Show a wrong value briefly: a whole table would bury the line."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _key_path(loc: tuple, data: object) -> str:
    """Spell a location as the loader does: topic[3] (DrivingIntent).steps[0], category fever."""
    path, node, previous = "", data, None
    for key in loc:
        child = _child(node, key)
        if isinstance(key, int):
            label = f"[{key}]"
            if previous == "topic" and isinstance(child, dict) and isinstance(
                    child.get("intent"), str):
                label += f" ({child['intent']})"
            if (previous == "category" and isinstance(child, dict)
                    and isinstance(child.get("id"), str) and RED_FLAG_ID.match(child["id"])):
                path = path.removesuffix("category") + f"category {child['id']}"
            else:
                path += label
        else:
            path += f".{key}" if path else str(key)
        node, previous = child, key
    return path


def _child(node: object, key: object) -> object:
    """Return node[key] from raw TOML data, or None where the data has no such entry."""
    if isinstance(node, dict):
        return node.get(key)
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        return node[key]
    return None


def _field_names(shape: type[BaseModel], loc: tuple) -> list[str]:
    """Return the keys declared for the table at loc."""
    annotation: object = shape
    for key in loc:
        annotation = _bare(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            annotation = annotation.model_fields[key].annotation
        else:  # list[X] by index, dict[str, X] by key
            annotation = typing.get_args(annotation)[-1]
    annotation = _bare(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return sorted(annotation.model_fields)
    return []


def _bare(annotation: object) -> object:
    """Strip Annotated[...] and `| None` from a field's type."""
    if typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    return annotation
