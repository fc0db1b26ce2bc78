"""Time a Lambda cold start: import skill.alexa.lambda_function and answer the first LaunchRequest.

Each run is a fresh interpreter (`python -I -S -B`, nothing on its path but the code under
test and the standard library), as a new Lambda container is. The same run times a minimal
ask-sdk-core hello-world skill on the same dependencies, so the ratio shows what our code
adds. By default both load from build/lambda (deploy/build_lambda.py, rebuilt each run), the
folder Lambda unpacks; --venv loads from the project virtualenv instead.

    .venv/bin/python bench/lambda_cold_start.py [--runs 15] [--venv] [--profile]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from deploy.build_lambda import BUILD_DIR, build  # noqa: E402

LAUNCH = PROJECT_ROOT / "tests" / "envelopes" / "launch_request.json"
TARGET_RATIO = 1.5

# Timed inside the fresh interpreter: from before the first import to the first answer.
# `{setup}` puts the code on sys.path; `{skill}` imports the handler.
RUN = """
import json, sys, time
started = time.perf_counter()
{setup}
{skill}
imported = time.perf_counter()
response = lambda_handler(json.loads(sys.argv[1]), None)
answered = time.perf_counter()
assert response["response"]["outputSpeech"]["ssml"], response
print(json.dumps({{"import_ms": (imported - started) * 1000,
                  "first_answer_ms": (answered - imported) * 1000,
                  "total_ms": (answered - started) * 1000}}))
"""

OURS = "from skill.alexa.lambda_function import lambda_handler"

HELLO_WORLD = '''
from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils import is_request_type


class HelloHandler(AbstractRequestHandler):
    """Say hello on launch."""

    def can_handle(self, handler_input):
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input):
        return handler_input.response_builder.speak("Hello").ask("Hello").response


sb = SkillBuilder()
sb.add_request_handler(HelloHandler())
lambda_handler = sb.lambda_handler()
'''


def code_paths(use_venv: bool) -> list[str]:
    """Return the folders the skill and its dependencies load from."""
    if use_venv:
        return [str(PROJECT_ROOT), sysconfig.get_paths()["purelib"]]
    # Always rebuilt (about 4 s): a package left from older code would time that code.
    print("Building build/lambda from the current code (deploy/build_lambda.py)...",
          file=sys.stderr)
    build()
    return [str(BUILD_DIR)]


def run_once(skill_code: str, paths: list[str], envelope: str, env: dict[str, str]) -> dict:
    """Start a fresh interpreter, import a skill, answer one launch; return its timings."""
    setup = f"sys.path[:0] = {paths!r}"
    script = RUN.format(setup=setup, skill=skill_code)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", script, envelope],
                            capture_output=True, text=True, env=env, cwd="/", timeout=60)
    wall_ms = (time.perf_counter() - started) * 1000
    if result.returncode != 0:
        raise SystemExit(f"cold start run failed:\n{result.stderr}")
    return {**json.loads(result.stdout), "process_ms": wall_ms}


def summarize(runs: list[dict]) -> dict:
    """Return the median of every timing over the runs."""
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def profile(paths: list[str], envelope: str, env: dict[str, str]) -> None:
    """Print where our cold start spends its time: imports, then the first request."""
    script = f"""
import cProfile, json, pstats, sys, time
sys.path[:0] = {paths!r}
profiler = cProfile.Profile()
profiler.enable()
{OURS}
lambda_handler(json.loads(sys.argv[1]), None)
profiler.disable()
pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
"""
    result = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", script, envelope],
                            capture_output=True, text=True, env=env, cwd="/", timeout=60)
    print(result.stdout or result.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh interpreters per skill")
    parser.add_argument("--venv", action="store_true",
                        help="load from the project virtualenv instead of build/lambda")
    parser.add_argument("--profile", action="store_true", help="also profile one cold start")
    args = parser.parse_args()

    paths = code_paths(args.venv)
    envelope = LAUNCH.read_text(encoding="utf-8")
    app_id = json.loads(envelope)["context"]["System"]["application"]["applicationId"]
    # Lambda's environment for the function: the skill ID, no AUDIO_BASE_URL.
    env = {"ALEXA_SKILL_ID": app_id, "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"}
    timings: dict[str, list[dict]] = {"ours": [], "hello world": []}
    for _ in range(args.runs):
        # Interleaved so drift in machine load hits both alike.
        timings["ours"].append(run_once(OURS, paths, envelope, env))
        timings["hello world"].append(run_once(HELLO_WORLD, paths, envelope, env))

    where = "project virtualenv" if args.venv else f"{BUILD_DIR.relative_to(PROJECT_ROOT)}/"
    print(f"Lambda cold start, median of {args.runs} fresh `python -I -S -B` runs, "
          f"code from {where} (Python {sys.version.split()[0]})")
    print(f"{'skill':<12} {'import ms':>10} {'1st answer ms':>14} {'import+answer ms':>17} "
          f"{'process ms':>11}")
    medians = {name: summarize(runs) for name, runs in timings.items()}
    for name, m in medians.items():
        print(f"{name:<12} {m['import_ms']:>10.1f} {m['first_answer_ms']:>14.1f} "
              f"{m['total_ms']:>17.1f} {m['process_ms']:>11.1f}")
    ratio = medians["ours"]["total_ms"] / medians["hello world"]["total_ms"]
    process_ratio = medians["ours"]["process_ms"] / medians["hello world"]["process_ms"]
    verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
    print(f"ratio ours / hello world: {ratio:.2f}x import+answer, {process_ratio:.2f}x whole "
          f"process ({verdict} the target of <= {TARGET_RATIO}x on import+answer)")
    if args.profile:
        profile(paths, envelope, env)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
