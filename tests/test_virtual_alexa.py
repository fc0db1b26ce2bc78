"""Conversations with the real web service, driven over HTTP by npm virtual-alexa.

The server is `python -m skill serve --insecure-dev` on a free loopback port (virtual-alexa
cannot sign requests, so only signature and timestamp checks are off; the applicationId is
still checked). virtual-alexa turns sample utterances from interaction_model/en-US.json
into IntentRequests as Alexa would, keeps the session attributes between turns, and
tests/js/conversation.js reports every request and answer for the assertions here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from skill.speech import to_ssml
from tests.js.node_tools import PROJECT_ROOT, node, npm_package

pytestmark = pytest.mark.node

SKILL_ID = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
OTHER_SKILL_ID = "amzn1.ask.skill.99999999-8888-7777-6666-555555555555"
MODEL = PROJECT_ROOT / "interaction_model" / "en-US.json"
DRIVER = PROJECT_ROOT / "tests" / "js" / "conversation.js"
ENDPOINT_LINE = re.compile(r"Alexa endpoint: POST (http://127\.0\.0\.1:\d+/alexa)")
STEP_MOVES = ("AMAZON.NextIntent", "AMAZON.NextIntent", "AMAZON.PreviousIntent",
              "AMAZON.RepeatIntent")


@pytest.fixture(scope="module")
def alexa_url(tmp_path_factory):
    """Run the real server in insecure dev mode on a free loopback port; yield its URL."""
    folder = tmp_path_factory.mktemp("server")
    stdout, stderr = folder / "stdout.txt", folder / "stderr.txt"
    env = {key: value for key, value in os.environ.items()
           if key not in ("AUDIO_BASE_URL", "AUDIO_DIR", "ALEXA_TRUST_ROOTS")}
    env.update({"ALEXA_SKILL_ID": SKILL_ID, "PYTHONUNBUFFERED": "1"})
    command = [sys.executable, "-m", "skill", "serve", "--insecure-dev",
               "--host", "127.0.0.1", "--port", "0"]
    with stdout.open("w") as out, stderr.open("w") as err:
        server = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=err,
                                  stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not (found := ENDPOINT_LINE.search(stdout.read_text())):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"The server did not start:\n{stdout.read_text()}\n"
                            f"{stderr.read_text()}", pytrace=False)
            time.sleep(0.05)
        yield found.group(1)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def converse(url: str, sessions: list[dict], folder: Path) -> list[list[dict]]:
    """Hold the planned sessions through virtual-alexa and return each session's turns."""
    npm_package("virtual-alexa")
    plan = folder / "plan.json"
    plan.write_text(json.dumps({"model": str(MODEL), "url": url, "locale": "en-US",
                                "sessions": sessions}))
    result = subprocess.run([node(), str(DRIVER), str(plan)], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [session["turns"] for session in json.loads(result.stdout)["sessions"]]


def sample_for(intent: str) -> str:
    """Return the first sample utterance of an intent that virtual-alexa can match."""
    intents = json.loads(MODEL.read_text())["interactionModel"]["languageModel"]["intents"]
    samples = next(i.get("samples", []) for i in intents if i["name"] == intent)
    # virtual-alexa cannot match the periods of spelled letters ("x. rays"); Alexa can.
    usable = [s for s in samples if "." not in s]
    assert usable, f"{intent} has no sample utterance virtual-alexa can say"
    return usable[0]


def speech(turn: dict) -> str:
    """Return the SSML the skill said in one turn."""
    assert turn["ok"], turn
    return turn["response"]["response"]["outputSpeech"]["ssml"]


def prompt(catalogue, key: str) -> str:
    return to_ssml(catalogue.prompts[key], catalogue)


@pytest.fixture(scope="module")
def conversations(alexa_url, catalogue, tmp_path_factory):
    """Ask every question the model knows, walk the steps, then help, fallback and stop."""
    topics = list(catalogue.topics.values())
    walk = next(t for t in topics if t.steps)
    ending = [t for t in topics if t.end_session]
    asked = [t for t in topics if not t.end_session]
    questions = [{"utter": sample_for(t.intent)} for t in asked]
    at_walk = asked.index(walk) + 1
    first = ([{"launch": True}] + questions[:at_walk]
             + [{"intend": move} for move in STEP_MOVES] + questions[at_walk:]
             + [{"intend": "AMAZON.HelpIntent"}, {"intend": "AMAZON.FallbackIntent"},
                {"intend": "AMAZON.StopIntent"}])
    sessions = [{"applicationId": SKILL_ID, "turns": first}]
    sessions += [{"applicationId": SKILL_ID,
                  "turns": [{"launch": True}, {"utter": sample_for(t.intent)}]} for t in ending]
    sessions += [{"applicationId": SKILL_ID, "turns": [{"launch": True}, {"endSession": True}]},
                 {"applicationId": OTHER_SKILL_ID, "turns": [{"launch": True}]}]
    turns = converse(alexa_url, sessions, tmp_path_factory.mktemp("conversation"))
    return {"asked": asked, "walk": walk, "ending": ending, "main": turns[0],
            "ending_turns": turns[1:1 + len(ending)], "session_end": turns[-2],
            "other_skill": turns[-1]}


def test_launch_welcomes(conversations, catalogue):
    launch = conversations["main"][0]
    assert launch["request"] == {"type": "LaunchRequest", "intent": None, "newSession": True,
                                 "applicationId": SKILL_ID}
    assert speech(launch) == f"<speak>{prompt(catalogue, 'welcome')}</speak>"
    reply = launch["response"]["response"]
    assert reply["reprompt"]["outputSpeech"]["ssml"] == (
        f"<speak>{prompt(catalogue, 'welcome_reprompt')}</speak>")
    assert reply["shouldEndSession"] is False


def test_every_question_gets_its_catalogue_answer(conversations, catalogue):
    turns = [t for t in conversations["main"] if "utter" in t["turn"]]
    assert len(turns) == len(conversations["asked"])
    for topic, turn in zip(conversations["asked"], turns, strict=True):
        where = f"{topic.intent} via {turn['turn']['utter']!r}"
        assert turn["request"]["intent"] == topic.intent, where
        assert turn["request"]["newSession"] is False, where
        said = speech(turn)
        assert to_ssml(topic.answer, catalogue) in said, where
        if topic.steps:
            assert to_ssml(topic.steps[0], catalogue) in said, where
        elif topic.follow_up:
            assert said.endswith(f"{to_ssml(topic.follow_up.prompt, catalogue)}</speak>"), where
        else:
            assert said.endswith(f"{prompt(catalogue, 'anything_else')}</speak>"), where
        reply = turn["response"]["response"]
        assert reply["card"] == {"type": "Simple", "title": topic.card_title,
                                 "content": topic.card_text}, where
        assert reply["shouldEndSession"] is False, where


def test_the_steps_walk_with_next_previous_and_repeat(conversations, catalogue):
    main, walk = conversations["main"], conversations["walk"]
    start = next(i for i, t in enumerate(main) if t["request"]["intent"] == walk.intent)
    moves = main[start + 1:start + 1 + len(STEP_MOVES)]
    assert [t["request"]["intent"] for t in moves] == list(STEP_MOVES)
    total = len(walk.steps)
    for turn, step in zip(moves[:3], (1, 2, 1), strict=True):
        said = speech(turn)
        assert f"Step {step + 1} of {total}" in said
        assert to_ssml(walk.steps[step], catalogue) in said
    assert speech(moves[3]) == speech(moves[2])


def test_help_fallback_and_stop(conversations, catalogue):
    help_turn, fallback, stop = conversations["main"][-3:]
    assert speech(help_turn) == f"<speak>{prompt(catalogue, 'help')}</speak>"
    assert speech(fallback) == f"<speak>{prompt(catalogue, 'fallback')}</speak>"
    assert speech(stop) == f"<speak>{prompt(catalogue, 'goodbye')}</speak>"
    assert stop["response"]["response"]["shouldEndSession"] is True


def test_emergencies_are_answered_and_end_the_session(conversations, catalogue):
    assert conversations["ending"], "the catalogue has an emergency topic"
    for topic, (launch, turn) in zip(conversations["ending"], conversations["ending_turns"],
                                     strict=True):
        assert launch["request"]["newSession"] is True
        assert turn["request"]["intent"] == topic.intent
        assert to_ssml(topic.answer, catalogue) in speech(turn)
        assert turn["response"]["response"]["shouldEndSession"] is True


def test_session_end_is_acknowledged_without_speech(conversations):
    _, ended = conversations["session_end"]
    assert ended["request"]["type"] == "SessionEndedRequest"
    assert ended["ok"], ended
    assert "outputSpeech" not in ended["response"]["response"]


def test_requests_for_another_skill_are_refused(conversations):
    (launch,) = conversations["other_skill"]
    assert launch["request"]["applicationId"] == OTHER_SKILL_ID
    assert not launch["ok"]
    assert "Invalid response: 400" in launch["error"]
