"""Time the audio export with offline espeak: a full run, a cached run, one changed answer."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from skill.audio.export import export_audio  # noqa: E402
from skill.catalogue import RESPONSES_DIR, load_catalogue  # noqa: E402

TARGETS = {"cached run": 1.0, "one changed answer": 2.0}  # seconds; a full run has none
CHANGED_INTENT = "DrivingIntent"


def timed(catalogue, folder: Path) -> tuple[float, int]:
    """Run one export and return its wall time and how many clips it rendered."""
    started = time.perf_counter()
    result = export_audio(catalogue, folder, engine="espeak")
    if result.failed:
        raise SystemExit(result.failure_report())
    return time.perf_counter() - started, len(result.rendered)


def main() -> int:
    """Print the three figures beside their targets; exit 1 when a target is missed."""
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--locale", default="en-US")
    args = options.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        folder = scratch / "audio" / args.locale
        responses = Path(shutil.copytree(RESPONSES_DIR, scratch / "responses"))
        catalogue = load_catalogue(args.locale, responses_dir=responses)

        figures = {"full run": timed(catalogue, folder), "cached run": timed(catalogue, folder)}
        toml = responses / f"{args.locale}.toml"
        answer = catalogue.topic(CHANGED_INTENT).answer
        toml.write_text(toml.read_text(encoding="utf-8").replace(answer, answer + " Thank you."),
                        encoding="utf-8")
        changed = load_catalogue(args.locale, responses_dir=responses)
        figures["one changed answer"] = timed(changed, folder)

    print(f"Audio export, {len(catalogue.clips())} clips, engine espeak, locale {args.locale}")
    missed = 0
    for name, (seconds, rendered) in figures.items():
        target = TARGETS.get(name)
        verdict = "" if target is None else (
            f"target < {target:.0f} s: {'met' if seconds < target else 'MISSED'}")
        missed += target is not None and seconds >= target
        print(f"  {name:<20} {seconds:6.2f} s  {rendered:>3} rendered  {verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
