"""The Lambda package: built by deploy/build_lambda.py, packaged by serverless offline, and run.

The zip must hold only what Lambda runs, the CloudFormation serverless writes must let
Alexa (and only our skill) invoke the function, and the handler inside the zip must answer
with nothing but the zip and the standard library on its path.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from deploy.build_lambda import ZIP_PATH, build
from skill.speech import to_ssml
from tests.js.node_tools import PROJECT_ROOT, node, npm_bin

pytestmark = pytest.mark.node

SKILL_ID = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
GOLDEN_APP_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
PLACEHOLDER_SKILL_ID = "amzn1.ask.skill.REPLACE-ME"
MAX_ZIP_BYTES = 5_000_000
ENVELOPES = PROJECT_ROOT / "tests" / "envelopes"

MUST_HOLD = ("skill/__init__.py", "skill/alexa/__init__.py", "skill/alexa/lambda_function.py",
             "skill/alexa/handlers.py", "skill/alexa/serializer.py", "skill/alexa/clips.py",
             "skill/catalogue/__init__.py", "skill/speech.py",
             "responses/en-US.toml", "responses/clinic.toml",
             "ask_sdk_core/", "ask_sdk_model/", "ask_sdk_runtime/")
# Top-level names (packages or modules) and project paths that must never reach Lambda.
MUST_NOT_HOLD = ("gtts", "flask", "flask_ask_sdk", "werkzeug", "waitress", "lameenc",
                 "miniaudio", "espeakng_loader", "cryptography", "certvalidator", "oscrypto",
                 "pytest", "requests_mock", "playwright", "sklearn", "rapidfuzz", "torch",
                 "tests", "bench", "deploy", "interaction_model", "node_modules",
                 "skill/audio", "skill/alexa/web.py", "skill/kiosk", "skill/understanding",
                 "skill/alexa/verification.py", "skill/alexa/compat.py", "skill/alexa/model.py",
                 "skill/__main__.py", "skill/catalogue/schema.py",
                 "skill/catalogue/pattern_safety.py")


def serverless_env(home: Path, skill_id: str | None) -> dict[str, str]:
    """Return an environment in which serverless has no credentials and calls no one."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("AWS_", "SLS_", "SERVERLESS_")) and key != "ALEXA_SKILL_ID"}
    env.update({
        "HOME": str(home),  # serverless writes ~/.serverlessrc; keep it out of the real home
        "CI": "1",
        "SLS_TELEMETRY_DISABLED": "1",
        "SLS_TRACKING_DISABLED": "1",
        "SLS_NOTIFICATIONS_MODE": "off",
        "SLS_DEPRECATION_DISABLE": "*",
        "SLS_DISABLE_AUTO_UPDATE": "1",
        "AWS_EC2_METADATA_DISABLED": "true",  # no probe of the instance metadata address
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-aws-credentials"),
        "AWS_CONFIG_FILE": str(home / "no-aws-config"),
        "NO_COLOR": "1",
    })
    if skill_id is not None:
        env["ALEXA_SKILL_ID"] = skill_id
    return env


def run_serverless(home: Path, skill_id: str | None, *args: str) -> str:
    """Run the pinned serverless CLI in the project and return its output."""
    command = [node(), str(npm_bin("serverless", "serverless")), *args]
    result = subprocess.run(command, cwd=PROJECT_ROOT, env=serverless_env(home, skill_id),
                            capture_output=True, text=True, timeout=180)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"serverless {' '.join(args)} failed:\n{output}"
    return output


@pytest.fixture(scope="module")
def lambda_zip():
    """Build build/lambda.zip as `make` does and return its path."""
    built = build()
    assert built["zip"] == ZIP_PATH
    return ZIP_PATH


@pytest.fixture(scope="module")
def template(lambda_zip, tmp_path_factory):
    """Run `serverless package` offline with our skill ID; return its CloudFormation."""
    home = tmp_path_factory.mktemp("serverless-home")
    out = tmp_path_factory.mktemp("serverless-package")
    run_serverless(home, SKILL_ID, "package", "--stage", "test", "--package", str(out))
    return json.loads((out / "cloudformation-template-update-stack.json").read_text())


def resources(template: dict, kind: str) -> list[dict]:
    """Return the properties of every resource of one type."""
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == kind]


@pytest.fixture(scope="module")
def zip_names(lambda_zip):
    with zipfile.ZipFile(lambda_zip) as archive:
        return archive.namelist()


def test_only_alexa_invoking_for_our_skill_may_call_the_function(template):
    permissions = resources(template, "AWS::Lambda::Permission")
    assert len(permissions) == 1, permissions
    permission = permissions[0]
    assert permission["Principal"] == "alexa-appkit.amazon.com"
    assert permission["Action"] == "lambda:InvokeFunction"
    # The skill ID check Lambda itself enforces: other skills cannot invoke the function.
    assert permission["EventSourceToken"] == SKILL_ID
    assert permission["FunctionName"] == {"Fn::GetAtt": ["SkillLambdaFunction", "Arn"]}


def test_function_runs_the_packaged_handler_on_python311_with_the_skill_id(template):
    (function,) = resources(template, "AWS::Lambda::Function")
    assert function["Handler"] == "skill/alexa/lambda_function.lambda_handler"
    assert function["Runtime"] == "python3.11"
    assert function["Architectures"] == ["x86_64"]
    assert function["Environment"]["Variables"]["ALEXA_SKILL_ID"] == SKILL_ID
    assert function["Timeout"] < 8, "Alexa gives up after 8 s"
    assert function["Code"]["S3Key"].endswith("/lambda.zip")


def test_print_works_offline_and_without_a_skill_id_fails_closed(lambda_zip, tmp_path):
    printed = run_serverless(tmp_path, None, "print", "--format", "json")
    config = json.loads(printed[printed.index("{"):])
    assert config["provider"]["environment"]["ALEXA_SKILL_ID"] == PLACEHOLDER_SKILL_ID
    assert config["functions"]["skill"]["events"] == [
        {"alexaSkill": {"appId": PLACEHOLDER_SKILL_ID, "enabled": True}}]


@pytest.mark.parametrize("name", MUST_HOLD)
def test_zip_holds_what_lambda_runs(zip_names, name):
    assert any(n == name or n.startswith(name) for n in zip_names), name


def test_zip_holds_nothing_else(zip_names):
    found = sorted({n for n in zip_names for banned in MUST_NOT_HOLD
                    if n == banned or n.startswith((f"{banned}/", f"{banned}-", f"{banned}."))})
    assert not found, found


def test_zip_is_small(lambda_zip, record_property):
    size = lambda_zip.stat().st_size
    record_property("lambda_zip_bytes", size)
    assert size < MAX_ZIP_BYTES, f"build/lambda.zip is {size:,} bytes"


def test_zip_is_reproducible(lambda_zip, tmp_path):
    again = build(tmp_path / "lambda", tmp_path / "lambda.zip")
    digest = lambda path: hashlib.sha256(path.read_bytes()).hexdigest()  # noqa: E731
    assert digest(again["zip"]) == digest(lambda_zip)


# Runs in `python -I -S -B`: no site-packages, no environment, no current folder; only the
# unzipped package and the standard library. Prints each answer (or the error) and every
# module file that was loaded from anywhere else.
CLEAN_RUN = """
import json, sys, sysconfig
package = sys.argv[1]
sys.path.insert(0, package)
import skill.alexa.lambda_function as function
answers = []
for envelope in json.load(sys.stdin):
    try:
        answers.append({"response": function.lambda_handler(envelope, None)})
    except Exception as error:
        answers.append({"error": type(error).__name__})
stdlib = (sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"])
outside = sorted(m.__file__ for m in list(sys.modules.values())
                 if getattr(m, "__file__", None) and not m.__file__.startswith((package, *stdlib)))
print(json.dumps({"answers": answers, "outside": outside, "site": "site" in sys.modules}))
"""


def test_handler_in_the_zip_answers_with_a_clean_interpreter(lambda_zip, tmp_path, catalogue):
    package = tmp_path / "task"
    with zipfile.ZipFile(lambda_zip) as archive:
        archive.extractall(package)
    launch = json.loads((ENVELOPES / "launch_request.json").read_text())
    other_skill = json.loads(json.dumps(launch))
    other_skill["context"]["System"]["application"]["applicationId"] = SKILL_ID
    env = {"ALEXA_SKILL_ID": GOLDEN_APP_ID, "PATH": os.defpath, "LANG": "C.UTF-8"}
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", CLEAN_RUN, str(package)],
        input=json.dumps([launch, other_skill]), cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    ran = json.loads(result.stdout)
    assert ran["site"] is False
    assert ran["outside"] == [], "the handler loaded code from outside the package"
    welcome, refused = ran["answers"]
    assert welcome["response"]["response"]["outputSpeech"]["ssml"] == (
        f"<speak>{to_ssml(catalogue.prompts['welcome'], catalogue)}</speak>")
    assert welcome["response"]["response"]["shouldEndSession"] is False
    # A request for another skill fails the invocation instead of being answered.
    assert "error" in refused, refused


def test_audio_manifests_ship_but_not_the_audio(tmp_path, monkeypatch):
    import deploy.build_lambda as build_lambda

    root = tmp_path / "project"
    (root / "responses").mkdir(parents=True)
    (root / "responses" / "en-US.toml").write_text("locale = 'en-US'\n")
    export = root / "dist" / "audio" / "en-US"
    export.mkdir(parents=True)
    (export / "manifest.json").write_text('{"clips": []}')
    (export / "DrivingIntent.mp3").write_bytes(b"\xff\xf3")
    monkeypatch.setattr(build_lambda, "PROJECT_ROOT", root)
    copied = build_lambda.copy_project_files(tmp_path / "package", [])
    assert sorted(map(str, copied)) == ["dist/audio/en-US/manifest.json", "responses/en-US.toml"]


def left_out_project(root: Path, catalogue_source: str) -> None:
    """Write a skill package whose catalogue imports the schema as given."""
    for name, source in {"__init__.py": "", "alexa/__init__.py": "",
                         "alexa/lambda_function.py": "from skill.catalogue import load\n",
                         "catalogue/__init__.py": catalogue_source,
                         "catalogue/schema.py": "import pydantic\n"}.items():
        (root / "skill" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "skill" / name).write_text(source)


def test_a_schema_imported_only_inside_a_function_stays_out(tmp_path, monkeypatch):
    import deploy.build_lambda as build_lambda

    left_out_project(tmp_path, "def load():\n    from skill.catalogue import schema\n")
    monkeypatch.setattr(build_lambda, "PROJECT_ROOT", tmp_path)
    assert build_lambda.lambda_modules() == [
        "skill", "skill.alexa", "skill.alexa.lambda_function", "skill.catalogue"]


def test_a_schema_imported_as_the_catalogue_loads_stops_the_build(tmp_path, monkeypatch):
    import deploy.build_lambda as build_lambda

    left_out_project(tmp_path, "from skill.catalogue import schema\n\ndef load():\n    pass\n")
    monkeypatch.setattr(build_lambda, "PROJECT_ROOT", tmp_path)
    with pytest.raises(build_lambda.BuildError, match=r"skill\.catalogue imports "
                       r"skill\.catalogue\.schema as it loads"):
        build_lambda.lambda_modules()
