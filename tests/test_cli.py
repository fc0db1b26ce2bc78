"""The command line answers through the real handlers, one question or many, and in a chat."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from skill.catalogue import PROJECT_ROOT
from skill.understanding.matcher import trained_classifier


@pytest.fixture(autouse=True, scope="module")
def matcher_is_trained(catalogue):
    # Train here, where it may take minutes, so each command below loads it from build/matcher/.
    trained_classifier(catalogue)


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "skill", *args], cwd=PROJECT_ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_ask_prints_the_answer(catalogue):
    result = run_cli("ask", "can I drive after the procedure?")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == catalogue.topic("DrivingIntent").answer


def test_ask_json_reads_one_question_per_line(catalogue):
    questions = ["what is kyphoplasty?", "I have chest pain", "what's the weather today", ""]
    result = run_cli("ask", "--json", "-", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["question"] for row in rows] == questions[:3]
    assert [row["intent"] for row in rows] == [
        "WhatIsKyphoplastyIntent", "EmergencyIntent", "AMAZON.FallbackIntent"]
    for row in rows:
        assert {"question", "intent", "confidence", "text", "ssml"} <= row.keys()
        assert row["ssml"].startswith("<speak>") and 0.0 <= row["confidence"] <= 1.0
    assert rows[0]["text"] == catalogue.topic("WhatIsKyphoplastyIntent").answer
    assert rows[1]["text"] == catalogue.topic("EmergencyIntent").answer and rows[1]["emergency"]
    assert rows[2]["text"] == catalogue.prompts["fallback"]


def test_ask_without_a_question_explains_itself():
    result = run_cli("ask")
    assert result.returncode == 2 and "Give a question" in result.stderr


def test_chat_walks_the_steps_and_stops(catalogue):
    steps = catalogue.topic("ProcedureStepsIntent").steps
    script = "what are the steps?\nnext\nrepeat\nprevious\nstop\n"
    result = run_cli("chat", stdin=script)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("Alexa: ")]
    assert lines[0] == f"Alexa: {catalogue.prompts['welcome']}"
    assert steps[0] in lines[1] and "Step 1 of 5" in lines[1]
    assert steps[1] in lines[2] and "Step 2 of 5" in lines[2]
    assert lines[3] == lines[2]
    assert "Step 1 of 5" in lines[4]
    assert lines[5] == f"Alexa: {catalogue.prompts['goodbye']}"
    assert len(lines) == 6


def test_chat_ends_on_end_of_input():
    result = run_cli("chat", stdin="will I be asleep?\n")
    assert result.returncode == 0 and result.stdout.count("Alexa: ") == 2


def test_help_text_lists_every_command():
    result = run_cli("--help")
    for command in ("build-model", "validate", "ask", "chat", "serve"):
        assert command in result.stdout


def test_broken_catalogue_is_reported_not_a_traceback(tmp_path):
    clinic = tmp_path / "clinic.toml"
    clinic.write_text('name = "X"\nfax = "1"\n')
    result = subprocess.run([sys.executable, "-m", "skill", "ask", "hi"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=60,
                            env={"CLINIC_SETTINGS": str(clinic), "PATH": ""})
    assert result.returncode == 2
    assert "clinic.toml.fax: unknown key" in result.stderr and "Traceback" not in result.stderr


def test_an_unsure_question_offers_choices_in_ask_and_chat(catalogue):
    # "pain afterwards" could be what to take for it or how recovery goes. (A bare "pain"
    # gets the emergency answer from the learned backstop: an extra "call now" is safe.)
    result = run_cli("ask", "--json", "pain afterwards")
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout)
    assert row["intent"] == "AMAZON.FallbackIntent" and 1 <= len(row["choices"]) <= 3
    names = [catalogue.topic(intent).choice for intent in row["choices"]]
    assert row["text"].startswith("Did you mean: ") and all(n in row["text"] for n in names)
    assert run_cli("ask", "pain afterwards").stdout.strip() == row["text"]

    result = run_cli("chat", stdin="pain afterwards\nthe first one\nstop\n")
    lines = [line for line in result.stdout.splitlines() if line.startswith("Alexa: ")]
    assert lines[1] == f"Alexa: {row['text']}"
    first = catalogue.topic(row["choices"][0])
    assert lines[2].startswith(f"Alexa: {first.answer}")
