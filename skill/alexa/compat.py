"""Import flask-ask-sdk on machines where its unused certificate validator cannot load.

Why this exists
---------------
flask-ask-sdk 1.0.0 imports ``ask_sdk_webservice_support.verifier``, which imports
``certvalidator``, which imports ``oscrypto`` 1.3.0. oscrypto's libcrypto version regex
cannot read two-digit patch versions such as "3.0.19" and raises
``oscrypto.errors.LibraryNotFoundError`` while being imported (wbond/oscrypto issue 78:
fixed upstream, never released). Turning the SDK's verification off does not help because
the failure happens at import time.

We never use the SDK's oscrypto-based ``RequestVerifier``: ``skill.alexa.verification`` checks
every request with ``cryptography`` instead. So, only when the normal import fails with
exactly that oscrypto error, we put a stand-in ``certvalidator`` package into
``sys.modules`` for the duration of the SDK import. The stand-in keeps certvalidator's real
``errors`` module; only its ``CertificateValidator`` is replaced, by one that raises
``CertificateValidatorUnavailable`` as soon as anyone constructs it, so the SDK's verifier
can never pass a request silently. The stand-in is removed from ``sys.modules`` once the
SDK is imported, so any other code importing ``certvalidator`` still fails loudly.

When to remove it
-----------------
Delete this module (and import ``flask_ask_sdk.skill_adapter`` directly) once
``python -c "import certvalidator"`` succeeds in the project virtualenv, i.e. when an
oscrypto release newer than 1.3.0 ships the fix, or when flask-ask-sdk stops importing
certvalidator.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager

_SDK_VERIFIER_MODULE = "ask_sdk_webservice_support.verifier"
_SKILL_ADAPTER_MODULE = "flask_ask_sdk.skill_adapter"

_import_lock = threading.Lock()
_stand_in_used = False


class CertificateValidatorUnavailable(RuntimeError):
    """Raised when code tries to use the SDK's oscrypto-based certificate validation."""


class _StandInCertificateValidator:
    """Refuse every use: the real validator cannot load here and must never be trusted."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise CertificateValidatorUnavailable(
            "The Alexa SDK's own certificate check (certvalidator/oscrypto) is not available "
            "on this machine, so it cannot verify anything. Turn the SDK's signature "
            "verification off and verify requests with skill.alexa.verification instead."
        )


def stand_in_used() -> bool:
    """Return whether the SDK was imported with the stand-in certificate validator."""
    return _stand_in_used


def import_skill_adapter() -> types.ModuleType:
    """Import and return ``flask_ask_sdk.skill_adapter``, working around broken oscrypto."""
    _import_sdk_verifier()
    return importlib.import_module(_SKILL_ADAPTER_MODULE)


def import_webservice_verifier() -> types.ModuleType:
    """Import and return ``ask_sdk_webservice_support.verifier``, working around broken oscrypto."""
    return _import_sdk_verifier()


def _import_sdk_verifier() -> types.ModuleType:
    """Import the SDK verifier module, standing in for certvalidator only if oscrypto fails."""
    global _stand_in_used
    with _import_lock:
        if _SDK_VERIFIER_MODULE in sys.modules:
            return sys.modules[_SDK_VERIFIER_MODULE]
        try:
            return importlib.import_module(_SDK_VERIFIER_MODULE)
        except Exception as error:
            if not _is_oscrypto_version_failure(error):
                raise
        with _stand_in_certvalidator():
            module = importlib.import_module(_SDK_VERIFIER_MODULE)
        _stand_in_used = True
        return module


def _is_oscrypto_version_failure(error: BaseException) -> bool:
    """Return whether ``error`` is oscrypto failing to detect the libcrypto version."""
    try:
        from oscrypto.errors import LibraryNotFoundError
    except ImportError:
        return False
    return isinstance(error, LibraryNotFoundError)


@contextmanager
def _stand_in_certvalidator() -> Iterator[None]:
    """Put a certvalidator package with a refusing validator into sys.modules, then remove it."""
    spec = importlib.util.find_spec("certvalidator")
    if spec is None or spec.submodule_search_locations is None:
        raise ImportError("certvalidator is not installed, so there is nothing to stand in for")
    stand_in = types.ModuleType("certvalidator", "Stand-in: see skill.alexa.compat.")
    # Keeping the real package path lets `certvalidator.errors` load from the installed
    # package, so the SDK catches the same exception classes it was written against.
    stand_in.__path__ = list(spec.submodule_search_locations)
    stand_in.CertificateValidator = _StandInCertificateValidator
    previous = sys.modules.get("certvalidator")
    sys.modules["certvalidator"] = stand_in
    try:
        importlib.import_module("certvalidator.errors")
        yield
    finally:
        if previous is None:
            sys.modules.pop("certvalidator", None)
        else:
            sys.modules["certvalidator"] = previous
