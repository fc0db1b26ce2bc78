"""The kiosk's JSON endpoints and audio files, through Flask's test client."""

from __future__ import annotations

import base64
import dataclasses
import gzip
import json
import logging
import re
import shutil

import pytest
from flask import Flask

from skill.catalogue import APOSTROPHES, Clinic, intro_clip_id, step_clip_id
from skill.kiosk import MAX_QUESTION_CHARS, kiosk_blueprint, kiosk_from_settings
from skill.understanding.matcher import red_flag_rules
from tests.kiosk_support import export_audio


@pytest.fixture(scope="module")
def exported(tmp_path_factory, catalogue):
    """An espeak export of every clip in the shipped catalogue."""
    return export_audio(catalogue, tmp_path_factory.mktemp("audio"))


@pytest.fixture(scope="module")
def manifest(exported):
    return {e["id"]: e for e in json.loads((exported / "manifest.json").read_text())["clips"]}


def kiosk_app(catalogue, skill, folder) -> Flask:
    app = Flask("kiosk_test")
    app.register_blueprint(kiosk_blueprint(catalogue, folder, skill=skill))
    return app


@pytest.fixture(scope="module")
def client(catalogue, skill, exported):
    return kiosk_app(catalogue, skill, exported).test_client()


def audio_path(url: str) -> str:
    return url.split("?", 1)[0]


def test_questions_list_every_topic_but_emergency_by_group(client, catalogue, manifest):
    data = client.get("/kiosk/questions.json").get_json()
    assert [g["label"] for g in data["groups"]] == [
        "About the procedure", "The day of the procedure", "After the procedure", "Contact"]
    listed = {q["intent"]: q for g in data["groups"] for q in g["questions"]}
    assert set(listed) == set(catalogue.topics) - {"EmergencyIntent"}
    for intent, question in listed.items():
        topic = catalogue.topics[intent]
        assert question["label"] == topic.question
        assert question["caption"] == (topic.card_text if topic.steps else topic.answer)
        assert audio_path(question["audio"]) == f"/audio/{manifest[intent]['file']}"
    steps = listed["ProcedureStepsIntent"]
    topic = catalogue.topics["ProcedureStepsIntent"]
    assert steps["intro"]["caption"] == topic.answer
    assert audio_path(steps["intro"]["audio"]) == f"/audio/{manifest[intro_clip_id(topic.intent)]['file']}"
    assert [s["caption"] for s in steps["steps"]] == list(topic.steps)
    assert [audio_path(s["audio"]) for s in steps["steps"]] == [
        f"/audio/{manifest[step_clip_id(topic.intent, n)]['file']}" for n in range(1, len(topic.steps) + 1)]
    assert data["clinic"]["name"] == catalogue.clinic.name
    assert data["emergency"]["caption"] == catalogue.topics["EmergencyIntent"].answer


def test_stale_or_missing_clips_get_no_audio_url(tmp_path, catalogue, skill, exported):
    folder = tmp_path / "audio"
    shutil.copytree(exported, folder)
    data = json.loads((folder / "manifest.json").read_text())
    kept = []
    for entry in data["clips"]:
        if entry["id"] == "DrivingIntent":
            entry["text"] = "Words the catalogue no longer says."
        if entry["id"] != "AnesthesiaIntent":
            kept.append(entry)
    (folder / "manifest.json").write_text(json.dumps({**data, "clips": kept}))
    (folder / next(e["file"] for e in kept if e["id"] == "RecoveryIntent")).unlink()
    listed = {q["intent"]: q for g in kiosk_app(catalogue, skill, folder).test_client()
              .get("/kiosk/questions.json").get_json()["groups"] for q in g["questions"]}
    assert listed["DrivingIntent"]["audio"] is None
    assert listed["AnesthesiaIntent"]["audio"] is None
    assert listed["RecoveryIntent"]["audio"] is None
    assert listed["DrivingIntent"]["caption"] == catalogue.topics["DrivingIntent"].answer
    assert listed["WhatIsKyphoplastyIntent"]["audio"]


def test_no_export_at_all_still_lists_captions(tmp_path, catalogue, skill):
    data = kiosk_app(catalogue, skill, tmp_path).test_client().get("/kiosk/questions.json")
    questions = [q for g in data.get_json()["groups"] for q in g["questions"]]
    assert questions and all(q["audio"] is None and q["caption"] for q in questions)


@pytest.mark.parametrize(("question", "intent"), [
    ("can I drive home afterwards?", "DrivingIntent"),
    ("will I be asleep", "AnesthesiaIntent"),
    ("what are the steps?", "ProcedureStepsIntent"),
])
def test_ask_answers_with_caption_and_clip(client, catalogue, manifest, question, intent):
    reply = client.post("/kiosk/ask", json={"question": question})
    assert reply.status_code == 200
    data = reply.get_json()
    topic = catalogue.topics[intent]
    assert data["intent"] == intent
    assert data["emergency"] is False
    assert data["title"] == topic.question
    assert data["caption"] == (topic.card_text if topic.steps else topic.answer)
    assert audio_path(data["audio"]) == f"/audio/{manifest[intent]['file']}"
    assert {"question", "confidence", "text", "ssml", "end_session", "source"} <= set(data)


def test_ask_red_flag_is_an_emergency(client, catalogue):
    data = client.post("/kiosk/ask", json={"question": "I have chest pain"}).get_json()
    assert data["emergency"] is True
    assert data["caption"] == catalogue.topics["EmergencyIntent"].answer
    assert data["audio"]


def test_ask_out_of_scope_gets_the_fallback(client, catalogue, manifest):
    data = client.post("/kiosk/ask", json={"question": "what's the weather in paris"}).get_json()
    assert data["intent"] == "AMAZON.FallbackIntent"
    assert data["caption"] == catalogue.prompts["fallback"]
    # Said in the same recorded voice as the answers.
    assert audio_path(data["audio"]) == f"/audio/{manifest['fallback']['file']}"
    with client.get(data["audio"]) as clip:
        assert clip.status_code == 200 and clip.mimetype == "audio/mpeg"
    assert data["emergency"] is False


@pytest.mark.parametrize(("body", "content_type", "message"), [
    (b"", "application/json", "JSON"),
    (b"{not json", "application/json", "JSON"),
    (b"question=hi", "application/x-www-form-urlencoded", "JSON"),
    (b"[\"will I be asleep\"]", "application/json", "JSON"),
    (b"{}", "application/json", "type a question"),
    (b"{\"question\": \"   \"}", "application/json", "type a question"),
    (b"{\"question\": 42}", "application/json", "type a question"),
    (json.dumps({"question": "a" * (MAX_QUESTION_CHARS + 1)}).encode(), "application/json",
     "under 500 characters"),
    (json.dumps({"question": "a" * 20_000}).encode(), "application/json",
     "under 500 characters"),
])
def test_ask_refuses_bad_input_with_a_human_message(client, body, content_type, message):
    reply = client.post("/kiosk/ask", data=body, content_type=content_type)
    assert reply.status_code == 400
    assert message in reply.get_json()["error"]


def test_ask_takes_a_question_of_exactly_the_limit(client):
    question = "will I be asleep " + "a" * (MAX_QUESTION_CHARS - 17)
    assert len(question) == MAX_QUESTION_CHARS
    assert client.post("/kiosk/ask", json={"question": question}).status_code == 200


def test_ask_never_logs_the_question(client, caplog):
    secret = "my neighbour Margaret has chest pain"
    with caplog.at_level(logging.DEBUG):
        client.post("/kiosk/ask", json={"question": secret})
        client.post("/kiosk/ask", json={"question": "x" * 600})
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "EmergencyIntent" in logged
    assert "Margaret" not in logged and "xxxx" not in logged


def test_audio_serves_listed_files_as_cacheable_mpeg(client, exported, manifest):
    entry = manifest["DrivingIntent"]
    url = f"/audio/{entry['file']}"
    # Closing each response closes the file send_file opened, as a real server does.
    with client.get(url) as reply:
        assert reply.status_code == 200
        assert reply.mimetype == "audio/mpeg"
        assert reply.data == (exported / entry["file"]).read_bytes()
        assert "max-age=" in reply.headers["Cache-Control"]
        etag = reply.headers["ETag"]
    with client.get(url, headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304
    with client.get(url, headers={"Range": "bytes=0-99"}) as partial:
        assert partial.status_code == 206 and len(partial.data) == 100


@pytest.mark.parametrize("path", [
    "/audio/../manifest.json",
    "/audio/..%2Fmanifest.json",
    "/audio/%2E%2E%2F%2E%2E%2Fpyproject.toml",
    "/audio/..%5C..%5Cpyproject.toml",
    "/audio/manifest.json",
    "/audio/NoSuchIntent.mp3",
    "/audio/.hidden.mp3",
    "/audio/%00.mp3",
    "/audio/",
])
def test_audio_refuses_anything_not_listed(client, path):
    assert client.get(path).status_code == 404


def test_audio_refuses_a_file_in_the_folder_but_not_in_the_manifest(tmp_path, catalogue, skill,
                                                                      exported, manifest):
    folder = tmp_path / "audio"
    shutil.copytree(exported, folder)
    (folder / "notes.mp3").write_bytes(b"not a clip")
    client = kiosk_app(catalogue, skill, folder).test_client()
    assert client.get("/audio/notes.mp3").status_code == 404
    with client.get(f"/audio/{manifest['DrivingIntent']['file']}") as reply:
        assert reply.status_code == 200


def test_page_is_served_at_root_and_kiosk_with_a_strict_policy(client, catalogue):
    for path in ("/", "/kiosk"):
        reply = client.get(path)
        assert reply.status_code == 200
        html = reply.get_data(as_text=True)
        assert catalogue.clinic.name in html and catalogue.clinic.phone in html
        assert "not medical advice" in html
        policy = reply.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "connect-src 'self'" in policy
        assert "http://" not in html.replace("http://localhost", "") and "https://" not in html


def test_page_assets_stay_under_100_kb(client):
    total = 0
    for path in ("/", "/kiosk/static/kiosk.css", "/kiosk/static/kiosk.js",
                 "/kiosk/static/red-flags.js"):
        with client.get(path) as reply:
            assert reply.status_code == 200
            total += len(reply.data)
    # The page carries its own red-flag rules, so a typed emergency is answered with the
    # server gone; gzipped they are about 28 KB of it instead of 74 (bench/README.md).
    assert total < 100 * 1024


def test_settings_choose_the_audio_folder_and_idle_time(exported, skill):
    app = Flask("kiosk_settings")
    app.register_blueprint(kiosk_from_settings(
        {"KIOSK_AUDIO_DIR": str(exported), "KIOSK_IDLE_SECONDS": "45"}, skill=skill))
    client = app.test_client()
    assert 'data-idle-seconds="45"' in client.get("/").get_data(as_text=True)
    listed = client.get("/kiosk/questions.json").get_json()["groups"][0]["questions"]
    assert all(q["audio"] for q in listed)


def test_page_carries_the_rules_packed_and_the_json_api_plainly(client, catalogue):
    html = client.get("/").get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="kiosk-data">(.*?)</script>', html,
                      re.S).group(1)
    data = json.loads(block)
    assert "red_flags" not in data
    unpacked = json.loads(gzip.decompress(base64.b64decode(data["red_flags_packed"])))
    assert unpacked == red_flag_rules(catalogue)
    assert unpacked == client.get("/kiosk/questions.json").get_json()["red_flags"]
    # Packed, the rules are under half the size they are as JSON.
    assert len(data["red_flags_packed"]) < len(json.dumps(unpacked)) / 2


def test_page_data_carries_the_red_flag_rules(client, catalogue):
    rules = client.get("/kiosk/questions.json").get_json()["red_flags"]
    assert rules["apostrophes"] == APOSTROPHES
    assert rules["everywhere"] == [p.pattern for p in catalogue.red_flag_exceptions]
    assert [(c["id"], c["signals"], c["not_when"]) for c in rules["categories"]] == [
        (f.id, [p.pattern for p in f.signals], [p.pattern for p in f.not_when])
        for f in catalogue.red_flags]
    assert len(rules["categories"]) >= 6


@pytest.mark.parametrize(("number", "expected", "absent"), [
    ("911", "call 911 now", "local emergency number"),
    ("", "call your local emergency number", "now."),
])
def test_disclaimer_names_the_clinics_emergency_number(catalogue, skill, exported, number,
                                                       expected, absent):
    values = {**catalogue.clinic.values, "emergency_number": number}
    clinic_catalogue = dataclasses.replace(catalogue, clinic=Clinic(values))
    page = kiosk_app(clinic_catalogue, skill, exported).test_client().get("/").get_data(
        as_text=True)
    disclaimer = " ".join(re.search(r'<p class="disclaimer".*?</p>', page, re.S).group().split())
    assert expected in disclaimer
    assert absent not in disclaimer
