"""Command line: `python -m skill <command>`; `python -m skill --help` lists the commands."""

from __future__ import annotations

import argparse
import json
import sys
from functools import partial

from skill.catalogue import DEFAULT_LOCALE, CatalogueError, load_catalogue
from skill.understanding.embeddings import EmbeddingError


def build_model(args: argparse.Namespace) -> int:
    """Write interaction_model/<locale>.json, or with --check fail when it is stale."""
    from skill.alexa.model import model_path, render_model, write_atomically

    catalogue = load_catalogue(args.locale)
    path, text = model_path(args.locale), render_model(catalogue)
    current = path.read_text(encoding="utf-8") if path.exists() else None
    if args.check:
        if current != text:
            print(f"{path} is stale: the catalogue has changed since it was built.\n"
                  "Run `python -m skill build-model` and commit the result.", file=sys.stderr)
            return 1
        print(f"{path} is up to date.")
        return 0
    if current == text:
        print(f"{path} is already up to date.")
    else:
        write_atomically(path, text)
        print(f"Wrote {path} ({len(catalogue.topics)} topics).")
    return 0


def validate(args: argparse.Namespace) -> int:
    """Check the catalogue and model for anything Alexa or a patient would trip on."""
    from skill.alexa.model import validate as find_problems

    problems = find_problems(load_catalogue(args.locale))
    if problems:
        print(f"Found {len(problems)} problem(s) in the {args.locale} skill:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(f"The {args.locale} skill is valid: the model, answers and sources all check out.")
    return 0


def build_matcher(args: argparse.Namespace) -> int:
    """Train the offline question matcher into build/matcher/, or reuse a fresh one."""
    import time

    from skill.understanding.matcher import QuestionMatcher

    started = time.monotonic()
    print("Training the question matcher (about 2 minutes the first time, seconds after)...",
          file=sys.stderr, flush=True)
    QuestionMatcher(load_catalogue(args.locale))
    print(f"The {args.locale} question matcher is ready ({time.monotonic() - started:.1f} s).")
    return 0


def _session(locale: str):
    from skill.alexa.handlers import build_skill
    from skill.understanding.conversation import Conversation
    from skill.understanding.matcher import QuestionMatcher

    catalogue = load_catalogue(locale)
    skill = build_skill(catalogue, skill_id="")  # requests built here, not by Alexa
    return (lambda: Conversation(skill, catalogue)), QuestionMatcher(catalogue)


def ask(args: argparse.Namespace) -> int:
    """Answer questions from the command line, through the real skill handlers."""
    from skill.understanding.conversation import answer_question

    new_conversation, matcher = _session(args.locale)
    if args.question == "-":
        questions = (line.strip() for line in sys.stdin)
    elif args.question:
        questions = iter([args.question])
    else:
        print("Give a question in quotes, or - to read one question per line.", file=sys.stderr)
        return 2
    for question in questions:
        if not question:
            continue
        answer = answer_question(new_conversation(), matcher, question)
        if args.json:
            print(json.dumps(answer, ensure_ascii=False), flush=True)
        else:
            print(answer["text"])
    return 0


def chat(args: argparse.Namespace) -> int:
    """Talk to the skill turn by turn, as `ask dialog` does with Alexa."""
    from skill.speech import plain_text
    from skill.understanding.conversation import answer_question, built_in_intent, picked_choice

    new_conversation, matcher = _session(args.locale)
    conversation = new_conversation()
    offered: list[str] = []  # the intents of the last "Did you mean" offer
    interactive = sys.stdin.isatty()
    print("Type a question as a patient would. Also: next, previous, repeat, yes, no, help, "
          "stop; after \"Did you mean\", the first, second or third. Ctrl-D leaves.\n")
    print(f"Alexa: {plain_text(conversation.launch().ssml)}")
    while not conversation.ended:
        try:
            # On a pipe, echo the question so the transcript reads like a conversation.
            question = input("You: " if interactive else "").strip()
            if not interactive:
                print(f"You: {question}")
        except (EOFError, KeyboardInterrupt):
            print()
            conversation.end()
            break
        if not question:
            continue
        picked = picked_choice(question, offered)
        intent = picked or built_in_intent(question)
        if intent:
            ssml, offered = conversation.intent(intent).ssml, []
        else:
            answer = answer_question(conversation, matcher, question)
            ssml, offered = answer["ssml"], answer["choices"]
        print(f"Alexa: {plain_text(ssml)}")
    return 0


def serve(args: argparse.Namespace) -> int:
    """Serve the skill (and kiosk) over HTTP."""
    from skill.alexa.web import serve as run_server

    try:
        run_server(host=args.host, port=args.port, insecure_dev=args.insecure_dev)
    except (RuntimeError, ValueError, OSError) as error:
        # Settings and address problems are the operator's to fix: say so without a traceback.
        print(f"Cannot start the server: {error}", file=sys.stderr)
        return 2
    return 0


def export_audio(args: argparse.Namespace) -> int:
    """Render every answer to an Alexa-ready MP3, with a manifest, playlist and transcript."""
    from skill.alexa.clips import audio_dir
    from skill.audio.export import ExportError
    from skill.audio.export import export_audio as run_export
    from skill.audio.phone import PHONE_FOLDER, export_phone_audio

    catalogue = load_catalogue(args.locale)
    if args.format == "phone":
        folder = args.out or audio_dir(args.locale) / PHONE_FOLDER
        run = partial(export_phone_audio, codec=args.codec)
    else:
        folder = args.out or audio_dir(args.locale)
        run = run_export
    try:
        result = run(catalogue, folder, engine=args.engine, force=args.force,
                     progress=sys.stderr)
    except ExportError as error:
        print(error, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\nExport interrupted. The clips finished so far are in {folder} and listed in "
              "its manifest; run the same command again to finish.", file=sys.stderr)
        return 130
    print(result.summary())
    if result.failed:
        print(result.failure_report(), file=sys.stderr)
        return 1
    return 0


def handout(args: argparse.Namespace) -> int:
    """Print every question and answer, the steps and the safety lines to a PDF."""
    from skill.kiosk.handout import HandoutError, write_handout_pdf

    catalogue = load_catalogue(args.locale)
    try:
        out = write_handout_pdf(catalogue, args.out, paper=args.paper)
    except HandoutError as error:
        print(f"Cannot write the handout: {error}", file=sys.stderr)
        return 1
    print(f"Wrote the handout to {out} ({args.paper}).")
    return 0


def parser() -> argparse.ArgumentParser:
    """Describe the commands."""
    top = argparse.ArgumentParser(
        prog="python -m skill",
        description="Kyphoplasty questions answered: an Alexa skill, a clinic kiosk and audio.")
    commands = top.add_subparsers(dest="command", required=True, metavar="command")

    def command(name, handler, help_text):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--locale", default=DEFAULT_LOCALE,
                         help="catalogue locale (default: %(default)s)")
        sub.set_defaults(handler=handler)
        return sub

    sub = command("build-model", build_model, "generate interaction_model/<locale>.json")
    sub.add_argument("--check", action="store_true", help="fail if the committed model is stale")
    command("validate", validate, "check the model and answers as Alexa and patients would")
    command("build-matcher", build_matcher,
            "train the offline question matcher (cached in build/matcher/)")
    sub = command("ask", ask, "answer a question (or - for one per line on standard input)")
    sub.add_argument("question", nargs="?", help='e.g. "can I drive after the procedure?"')
    sub.add_argument("--json", action="store_true", help="print one JSON object per question")
    command("chat", chat, "talk to the skill turn by turn")
    sub = command("serve", serve, "serve the skill at /alexa and the kiosk at /")
    sub.add_argument("--host", default="127.0.0.1",
                     help="address to listen on (default: %(default)s)")
    sub.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    sub.add_argument("--insecure-dev", action="store_true",
                     help="skip signature and timestamp checks; loopback only, for local testing")
    sub = command("export-audio", export_audio,
                  "render every answer to an Alexa-ready MP3 (cached by content)")
    sub.add_argument("--out", metavar="DIR",
                     help="output folder (default: $AUDIO_DIR or dist/audio, then the locale)")
    sub.add_argument("--engine", choices=("auto", "offline", "gtts", "flite", "espeak"),
                     default="auto",
                     help="auto tries Google's gTTS and falls back offline clip by clip, to "
                          "Debian's flite where installed, else espeak-ng; offline skips gTTS; "
                          "a clip read offline under auto is kept until --force "
                          "(default: %(default)s)")
    sub.add_argument("--force", action="store_true",
                     help="render every clip again, ignoring the cache")
    sub.add_argument("--format", choices=("alexa", "phone"), default="alexa",
                     help="alexa: 16 kHz 48 kbps MP3 for Alexa and the kiosk; phone: 8 kHz "
                          "mono G.711 WAV for phone lines, in <out>/phone by default "
                          "(default: %(default)s)")
    sub.add_argument("--codec", choices=("mulaw", "alaw"), default="mulaw",
                     help="G.711 law for --format phone (default: %(default)s)")
    sub = command("handout", handout,
                  "print every question and answer to a PDF to take home (headless Chromium)")
    sub.add_argument("--out", metavar="FILE.pdf", required=True, help="the PDF to write")
    sub.add_argument("--paper", choices=("A4", "Letter"), default="A4",
                     help="paper size (default: %(default)s)")
    return top


def main(argv: list[str] | None = None) -> int:
    """Run one command and return its exit status."""
    args = parser().parse_args(argv)
    try:
        return args.handler(args)
    except (CatalogueError, EmbeddingError) as error:
        print(error, file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
