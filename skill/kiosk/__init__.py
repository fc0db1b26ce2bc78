"""Serve the clinic kiosk: one offline page that plays the exported answers, and its JSON API.

The page (``GET /`` and ``GET /kiosk``) lists every question as a button, plays the
exported MP3 for it and shows its words as a caption. ``POST /kiosk/ask`` answers a typed
question through the offline matcher and the real skill handlers. ``GET /audio/<file>``
serves only the files the export's manifest lists. Nothing on the page comes from another
host, and the question text is never logged.
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from markupsafe import Markup

from skill.alexa.clips import ClipLibrary, audio_dir, matching_clip, read_manifest
from skill.catalogue import (
    DEFAULT_LOCALE,
    FALLBACK_CLIP_ID,
    FALLBACK_INTENT,
    Catalogue,
    Topic,
    intro_clip_id,
    load_catalogue,
    step_clip_id,
)
from skill.kiosk.handout import HandoutLinks, render_handout
from skill.understanding.conversation import Conversation, answer_question
from skill.understanding.matcher import red_flag_rules

logger = logging.getLogger("skill.kiosk")

MAX_QUESTION_CHARS = 500
# A JSON body this large cannot hold a question of MAX_QUESTION_CHARS characters plus its key.
MAX_ASK_BODY_BYTES = 8 * 1024
DEFAULT_IDLE_SECONDS = 120
# Audio URLs carry the file's modification time, so a re-export gets new URLs and a
# day-long cache is safe.
AUDIO_MAX_AGE_SECONDS = 24 * 60 * 60
EMERGENCY_INTENT = "EmergencyIntent"
# "Did you mean?" offers at most this many topics when the matcher is unsure.
MAX_CHOICES = 3
DID_YOU_MEAN = "Did you mean:"
# Groups shown as headings on the page, in this order; the emergency topic is never a button.
PAGE_GROUPS = ("about", "day", "after", "contact")

LOCALE_SETTING = "KIOSK_LOCALE"
AUDIO_DIR_SETTING = "KIOSK_AUDIO_DIR"
IDLE_SETTING = "KIOSK_IDLE_SECONDS"

# The page may load nothing from anywhere but this server.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def script_json(value: Any) -> Markup:
    """Write data for a <script type="application/json"> block, as small as it stays safe."""
    # Inside a script block only "<" (which could close it) and its neighbours need escaping;
    # Jinja's tojson also escapes every apostrophe, which the red-flag patterns are full of.
    text = json.dumps(value, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def packed_rules(rules: dict) -> str:
    """Return the red-flag rules as gzipped JSON in base64, as the page unpacks them."""
    # Gzipped they are under a third of their size (28 KB against 74 KB as JSON), which keeps
    # the page under its 100 KB; mtime=0 makes the same rules give the same bytes.
    text = json.dumps(rules, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(gzip.compress(text, compresslevel=9, mtime=0)).decode("ascii")


def kiosk_blueprint(catalogue: Catalogue, audio_folder: str | os.PathLike, skill=None,
                    matcher=None, *, idle_seconds: int = DEFAULT_IDLE_SECONDS) -> Blueprint:
    """Build the kiosk's routes for one catalogue and the folder its audio was exported to."""
    if skill is None:
        from skill.alexa.handlers import build_skill

        # Local requests: the kiosk builds them itself, so no Alexa skill ID applies. The
        # kiosk plays its own clips, so the skill's text is always words, never <audio>.
        skill = build_skill(catalogue, ClipLibrary(), skill_id="")
    if matcher is None:
        from skill.understanding.matcher import QuestionMatcher

        matcher = QuestionMatcher(catalogue)
    folder = Path(audio_folder)
    rules = red_flag_rules(catalogue)
    rules_packed = packed_rules(rules)
    clip_texts = {clip.id: clip.text for clip in catalogue.clips()}
    blueprint = Blueprint("kiosk", __name__, static_folder="static",
                          static_url_path="/kiosk/static", template_folder="templates")
    blueprint.add_app_template_filter(script_json)

    def playable_url(clip_id: str) -> str | None:
        """Return the URL of a clip whose exported words still match the catalogue."""
        entry = matching_clip(read_manifest(folder), clip_id, clip_texts.get(clip_id))
        if not entry or not _plain_name(entry["file"]):
            return None
        try:
            stamp = (folder / entry["file"]).stat().st_mtime_ns
        except OSError:
            return None
        return url_for("kiosk.audio", file=entry["file"], v=format(stamp, "x"))

    def listed_files() -> set[str]:
        return {entry["file"] for entry in read_manifest(folder).values()
                if _plain_name(entry.get("file"))}

    def topic_entry(topic: Topic) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "intent": topic.intent, "label": topic.question,
            "caption": caption_for(topic), "audio": playable_url(topic.intent),
            "steps": [],
        }
        if topic.steps:
            entry["intro"] = {"id": intro_clip_id(topic.intent), "caption": topic.answer,
                              "audio": playable_url(intro_clip_id(topic.intent))}
            entry["steps"] = [
                {"id": step_clip_id(topic.intent, number), "number": number,
                 "label": f"Step {number}", "caption": text,
                 "audio": playable_url(step_clip_id(topic.intent, number))}
                for number, text in enumerate(topic.steps, 1)
            ]
        return entry

    def choice_entry(topic: Topic) -> dict[str, Any]:
        entry = topic_entry(topic)
        return {key: entry[key] for key in ("intent", "label", "caption", "audio")}

    def page_data(*, packed: bool = False) -> dict[str, Any]:
        groups = []
        for group in PAGE_GROUPS:
            topics = [t for t in catalogue.topics.values()
                      if t.group == group and t.intent != EMERGENCY_INTENT]
            if topics:
                groups.append({"id": group, "label": catalogue.groups.get(group, group),
                               "questions": [topic_entry(t) for t in topics]})
        emergency = catalogue.topics.get(EMERGENCY_INTENT)
        return {
            "locale": catalogue.locale,
            "clinic": {"name": catalogue.clinic.name, "phone": catalogue.clinic.phone,
                       "contact": catalogue.clinic.contact_sentence(),
                       "emergency_number": catalogue.clinic.get("emergency_number")},
            "groups": groups,
            "emergency": topic_entry(emergency) if emergency else None,
            "fallback": {"caption": catalogue.prompts["fallback"],
                         "audio": playable_url(FALLBACK_CLIP_ID)},
            # The page runs the same red-flag rules itself, so a typed emergency is shown
            # even when this server cannot be reached (see static/red-flags.js); the page
            # carries them packed, the JSON API plainly.
            **({"red_flags_packed": rules_packed} if packed else {"red_flags": rules}),
        }

    @blueprint.get("/")
    @blueprint.get("/kiosk")
    def page() -> str:
        """Show the kiosk page."""
        data = page_data(packed=True)
        return render_template("kiosk/index.html", data=data, idle_seconds=idle_seconds,
                               lang=catalogue.locale)

    @blueprint.get("/handout")
    def handout() -> str:
        """Show every question and answer as one page to print and take home."""
        links = HandoutLinks(stylesheet=url_for("kiosk.static", filename="handout.css"),
                             script=url_for("kiosk.static", filename="handout.js"),
                             back=url_for("kiosk.page"))
        return render_handout(catalogue, links, idle_seconds=idle_seconds)

    @blueprint.get("/kiosk/questions.json")
    def questions() -> Response:
        """List the questions by group, with their captions, clips and steps."""
        return jsonify(page_data())

    @blueprint.post("/kiosk/ask")
    def ask() -> Response | tuple[Response, int]:
        """Answer a typed question through the matcher and the real skill handlers."""
        if request.content_length is not None and request.content_length > MAX_ASK_BODY_BYTES:
            return _refuse(f"Please keep your question under {MAX_QUESTION_CHARS} characters.")
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _refuse('Send the question as JSON, like {"question": "Will I be asleep?"}.')
        question = body.get("question")
        if not isinstance(question, str) or not question.strip():
            return _refuse("Please type a question first.")
        if len(question) > MAX_QUESTION_CHARS:
            return _refuse(f"Please keep your question under {MAX_QUESTION_CHARS} characters.")
        answer = answer_question(Conversation(skill, catalogue), matcher, question.strip())
        # Likely topics when the matcher is unsure: answer_question reads them off the match.
        answer["choices"] = [choice_entry(catalogue.topics[name]) for name in answer["choices"]
                             if isinstance(name, str) and name in catalogue.topics][:MAX_CHOICES]
        topic = catalogue.topics.get(answer["intent"])
        if answer["choices"] and topic is None:
            # The page shows the choices under this heading; none of them is played yet.
            answer.update(title=DID_YOU_MEAN, caption="", audio=None)
        elif topic is not None:
            entry = topic_entry(topic)
            answer.update(title=topic.question, caption=entry["caption"], audio=entry["audio"])
        elif answer["intent"] == FALLBACK_INTENT:
            answer.update(title="", caption=catalogue.prompts["fallback"],
                          audio=playable_url(FALLBACK_CLIP_ID))
        else:
            answer.update(title="", caption=answer["text"], audio=None)
        # The intent only: what a patient typed may describe their health.
        logger.info("kiosk ask intent=%s confidence=%.2f", answer["intent"],
                    answer["confidence"])
        return jsonify(answer)

    @blueprint.get("/audio/<file>")
    def audio(file: str) -> Response:
        """Serve one exported clip listed in the manifest, read-only and cacheable."""
        if not (_plain_name(file) and file in listed_files() and _regular_file_in(folder, file)):
            abort(404)
        mimetype = "audio/mpeg" if file.lower().endswith(".mp3") else None
        return send_from_directory(folder, file, mimetype=mimetype,
                                   max_age=AUDIO_MAX_AGE_SECONDS)

    @blueprint.after_request
    def harden(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    def caption_for(topic: Topic) -> str:
        # A steps topic is shown with its numbered steps, as on the Alexa card.
        return topic.card_text if topic.steps else topic.answer

    return blueprint


def kiosk_from_settings(settings: Mapping[str, Any] | None = None, skill=None) -> Blueprint:
    """Build the kiosk from app settings, falling back to the environment and defaults.

    KIOSK_LOCALE (default en-US), KIOSK_AUDIO_DIR (default ``audio_dir(locale)``, i.e.
    dist/audio/<locale> or $AUDIO_DIR/<locale>), KIOSK_IDLE_SECONDS (default 120).
    """
    settings = settings or {}

    def setting(name: str) -> Any:
        return settings.get(name) or os.environ.get(name) or None

    locale = setting(LOCALE_SETTING) or DEFAULT_LOCALE
    catalogue = load_catalogue(locale)
    folder = setting(AUDIO_DIR_SETTING) or audio_dir(locale)
    idle = int(setting(IDLE_SETTING) or DEFAULT_IDLE_SECONDS)
    return kiosk_blueprint(catalogue, folder, skill=skill, idle_seconds=idle)


def _plain_name(name: object) -> bool:
    """Tell whether a manifest file name is a plain file name in the export folder."""
    return (isinstance(name, str) and bool(name) and not name.startswith(".")
            and "/" not in name and "\\" not in name and "\x00" not in name)


def _regular_file_in(folder: Path, name: str) -> bool:
    """Tell whether name is a regular file really inside folder, not a link to elsewhere."""
    path = folder / name
    try:
        return (not path.is_symlink() and path.is_file()
                and path.resolve(strict=True).parent == folder.resolve(strict=True))
    except OSError:
        return False


def _refuse(message: str) -> tuple[Response, int]:
    """Answer bad input with 400 and a message a person can act on."""
    return jsonify(error=message), 400
