"""The ask-sdk serializer, with each model class's fields worked out once instead of per request.

ask-sdk-core's ``DefaultSerializer`` re-imports every field's class by name, rebuilds each
class's field map and parses every timestamp with dateutil, on every request; that was most
of what a request to POST /alexa cost. ``ModelSerializer`` builds the same ask-sdk-model
objects and the same dicts, following the same rules, from readers and writers compiled per
type the first time the type is seen. tests/test_serializer.py checks it against
``DefaultSerializer`` field by field for every request type in ask-sdk-model.

Two deliberate differences: a timestamp in Alexa's own form (``2026-11-25T12:00:00Z``) is
read with ``datetime.fromisoformat`` (the same instant; its time zone is ``timezone.utc``
rather than dateutil's choice, which depends on the machine's zone), and a JSON value that
is not an object where a model is expected is refused instead of being read character by
character. Error messages never quote the payload, which may hold what a patient said.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer

Reader = Callable[[Any], Any]

# Alexa stamps requests like 2026-11-25T12:00:00Z (sometimes with milliseconds); anything
# else goes to dateutil exactly as the SDK would.
_ALEXA_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})", re.ASCII
)
_LIST_TYPE = re.compile(r"list\[(.*)\]")
_DICT_TYPE = re.compile(r"dict\(([^,]*), (.*)\)")
_PLAIN_VALUES = frozenset({str, int, float, bool, bytes, type(None)})
# Everything DefaultSerializer.serialize does not write as a model.
_NOT_MODELS = (*DefaultSerializer.PRIMITIVE_TYPES, list, tuple, dict, date, Enum, Decimal)


class ModelSerializer(DefaultSerializer):
    """A drop-in ``DefaultSerializer`` that compiles a reader and a writer per model class."""

    def __init__(self) -> None:
        self._readers: dict[Any, Reader] = {}
        self._fields: dict[type, tuple[tuple[str, str], ...]] = {}
        # Compiling is rare and idempotent; the lock only stops two threads doing it at once.
        self._compiling = threading.RLock()

    def deserialize(self, payload, obj_type):
        """Read a JSON text into ``obj_type`` (a class or an SDK type name like 'list[...]')."""
        if payload is None:
            return None
        try:
            data = json.loads(payload)
        except Exception:
            raise SerializationException("The payload is not valid JSON.") from None
        return self.read(data, obj_type)

    def read(self, data: Any, obj_type) -> Any:
        """Build ``obj_type`` from already parsed JSON data."""
        try:
            return self._reader(obj_type)(data)
        except SerializationException:
            raise
        except Exception as failure:
            # Only the type: the message may quote the payload (a slot value, say).
            raise SerializationException(
                f"The payload does not fit {_type_name(obj_type)} ({type(failure).__name__})."
            ) from None

    def serialize(self, obj):
        """Turn a model object (or list, dict, date...) into JSON-ready data, as the SDK does."""
        kind = type(obj)
        if kind in _PLAIN_VALUES:
            return obj
        if kind is list:
            return [self.serialize(item) for item in obj]
        if kind is dict:
            return {key: self.serialize(value) for key, value in obj.items()}
        fields = self._fields.get(kind)
        if fields is None:
            if isinstance(obj, _NOT_MODELS):
                # The SDK's own rules; what it holds comes back here to be serialized.
                return super().serialize(obj)
            fields = self._fields_of(kind)
        return _model_dict(self, obj, fields)

    def _fields_of(self, cls: type) -> tuple[tuple[str, str], ...]:
        """Return a model's (attribute, JSON key) pairs, for writing and reading alike."""
        fields = self._fields.get(cls)
        if fields is None:
            names = getattr(cls, "attribute_map", None) or {}
            fields = tuple((attr, names.get(attr, attr)) for attr in cls.deserialized_types)
            self._fields[cls] = fields
        return fields

    def _reader(self, obj_type) -> Reader:
        """Return the compiled reader for a class or SDK type name."""
        reader = self._readers.get(obj_type)
        if reader is None:
            with self._compiling:
                reader = self._readers.get(obj_type)
                if reader is None:
                    reader = self._compile(obj_type)
                    self._readers[obj_type] = reader
        return reader

    def _compile(self, obj_type) -> Reader:
        """Work out once how to read one type, following DefaultSerializer's rules."""
        if isinstance(obj_type, str):
            if obj_type.startswith("list["):
                return self._compile_list(obj_type)
            if obj_type.startswith("dict("):
                return self._compile_dict(obj_type)
            if obj_type in self.NATIVE_TYPES_MAPPING:
                return self._reader(self.NATIVE_TYPES_MAPPING[obj_type])
            return self._reader(self._class_named(obj_type))
        if obj_type in self.PRIMITIVE_TYPES:
            return _nullable(_primitive_reader(obj_type))
        if obj_type is object:
            return _as_is
        if obj_type is datetime:
            return _nullable(_read_datetime)
        if obj_type is date:
            return _nullable(lambda value: _read_datetime(value).date())
        return self._compile_model(obj_type)

    def _compile_list(self, obj_type: str) -> Reader:
        """Read 'list[Type]'; the SDK's rare 'list[A, B]' form keeps its own code."""
        match = _LIST_TYPE.match(obj_type)
        if match is None:
            return lambda value: None if value is None else []
        item_type = match.group(1)
        if "," in item_type:
            return lambda value: self._DefaultSerializer__deserialize(value, obj_type)
        item_reader = self._reader(item_type.strip())
        return _nullable(lambda value: [item_reader(item) for item in value])

    def _compile_dict(self, obj_type: str) -> Reader:
        """Read 'dict(str, Type)'."""
        match = _DICT_TYPE.match(obj_type)
        if match is None:
            return lambda value: None if value is None else {}
        value_reader = self._reader(match.group(2))
        return _nullable(lambda value: {key: value_reader(item) for key, item in value.items()})

    def _compile_model(self, cls) -> Reader:
        """Read an SDK model class, choosing the subclass by discriminator where it has one."""
        if isinstance(cls, type) and issubclass(cls, Enum):
            return _nullable(cls)
        if not hasattr(cls, "deserialized_types"):
            return _as_is
        if not hasattr(cls, "get_real_child_model"):
            return _nullable(self._compile_fields(cls))
        by_name: dict[str, Reader] = {}

        def read_by_discriminator(value):
            _require_object(value, cls)
            name = cls.get_real_child_model(value)
            if not name:
                raise SerializationException(
                    f"Couldn't resolve object by discriminator type for {cls.__name__} class"
                )
            reader = by_name.get(name)
            if reader is None:
                with self._compiling:
                    # The SDK does not look for a second discriminator on the subclass.
                    reader = by_name.setdefault(name, self._compile_fields(self._class_named(name)))
            return reader(value)

        return _nullable(read_by_discriminator)

    def _compile_fields(self, cls) -> Reader:
        """Read a model's known fields by their readers and keep unknown keys as given."""
        # A field's reader is compiled when a payload first carries the field: compiling
        # every type a RequestEnvelope can reach would import most of ask-sdk-model (a
        # Lambda cold start), and models refer to themselves (directives in directives).
        plan = [
            [attr, key, cls.deserialized_types[attr], None] for attr, key in self._fields_of(cls)
        ]
        known = frozenset(field[1] for field in plan)

        def read_model(value):
            _require_object(value, cls)
            model = cls()
            for field in plan:
                attr, key, type_name, reader = field
                if key in value:
                    if reader is None:
                        reader = field[3] = self._reader(type_name)
                    setattr(model, attr, reader(value[key]))
            if len(value) > len(known) or not known.issuperset(value):
                # The SDK keeps keys it has no field for as plain attributes.
                for key in value:
                    if key not in known:
                        setattr(model, key, value[key])
            return model

        return read_model

    def _class_named(self, name: str):
        """Resolve a dotted class name as the SDK does, once per name."""
        return self._DefaultSerializer__load_class_from_name(name)


def _model_dict(serializer: ModelSerializer, obj, fields) -> dict[str, Any]:
    """Write a model's set fields under their JSON keys, leaving out those that are None."""
    written = {}
    for attr, key in fields:
        value = getattr(obj, attr)
        if value is not None:
            written[key] = serializer.serialize(value)
    return written


def _nullable(reader: Reader) -> Reader:
    """Let JSON null read as None whatever the type, as the SDK does."""
    return lambda value: None if value is None else reader(value)


def _as_is(value):
    """Return the value untouched (for 'object' and plain classes)."""
    return value


def _primitive_reader(kind: type) -> Reader:
    """Cast to str, int, float, bool or bytes with the SDK's leniency."""

    def read_primitive(value):
        if type(value) is kind:
            return value
        try:
            return kind(value)
        except UnicodeEncodeError:
            return str(value)
        except TypeError:
            return value
        except ValueError:
            raise SerializationException(
                f"Failed to parse a value into '{kind.__name__}'"
            ) from None

    return read_primitive


def _read_datetime(value) -> datetime:
    """Read a timestamp: Alexa's ISO 8601 form directly, anything else with dateutil."""
    if isinstance(value, str) and _ALEXA_TIMESTAMP.fullmatch(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass  # e.g. month 13: let dateutil give the SDK's answer
    from dateutil.parser import parse  # as the SDK does, only for the unusual forms

    try:
        return parse(value)
    except (ValueError, OverflowError, TypeError):
        raise SerializationException("Failed to parse a timestamp.") from None


def _require_object(value, cls) -> None:
    """Refuse a JSON value that is not an object where a model is expected."""
    if not isinstance(value, dict):
        raise SerializationException(f"Expected a JSON object for {cls.__name__}.")


def _type_name(obj_type) -> str:
    """Name a class or SDK type string for an error message."""
    return obj_type if isinstance(obj_type, str) else getattr(obj_type, "__name__", "?")
