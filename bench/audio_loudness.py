"""Print every exported clip's loudness and true peak beside Alexa's targets."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from skill.alexa.clips import MANIFEST  # noqa: E402
from skill.audio.export import export_audio  # noqa: E402
from skill.audio.loudness import ALEXA_LOUDNESS, measure  # noqa: E402
from skill.audio.mp3 import DEFAULT_SAMPLE_RATE, decode_mp3  # noqa: E402
from skill.catalogue import load_catalogue  # noqa: E402

TOLERANCE_LU, MAX_SPREAD_LU = 1.0, 1.0


def main() -> int:
    """Export into a scratch folder, measure each MP3 again, and exit 1 when a target is missed."""
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--locale", default="en-US")
    options.add_argument("--engine", default="espeak", help="export engine (default: espeak)")
    args = options.parse_args()
    catalogue = load_catalogue(args.locale)
    target = ALEXA_LOUDNESS
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / args.locale
        result = export_audio(catalogue, folder, engine=args.engine)
        if result.failed:
            raise SystemExit(result.failure_report())
        entries = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["clips"]
        levels = {entry["id"]: measure(decode_mp3((folder / entry["file"]).read_bytes(),
                                                  DEFAULT_SAMPLE_RATE), DEFAULT_SAMPLE_RATE)
                  for entry in entries}
    print(f"Loudness of {len(levels)} clips, engine {args.engine}: target {target.lufs} LUFS "
          f"+/- {TOLERANCE_LU}, true peak <= {target.ceiling_dbtp} dBTP, spread <= "
          f"{MAX_SPREAD_LU} LU (pyloudnorm BS.1770 at 48 kHz, true peak 4x oversampled)")
    missed = []
    for clip_id, level in levels.items():
        wrong = []
        if abs(level.lufs - target.lufs) > TOLERANCE_LU:
            wrong.append("loudness")
        if level.true_peak_dbtp > target.ceiling_dbtp:
            wrong.append("true peak")
        missed += [f"{clip_id} {problem}" for problem in wrong]
        print(f"  {clip_id:<32} {level.lufs:7.2f} LUFS {level.true_peak_dbtp:7.2f} dBTP"
              f"  {'MISSED: ' + ', '.join(wrong) if wrong else 'met'}")
    loudness = [level.lufs for level in levels.values()]
    spread = max(loudness) - min(loudness)
    if spread > MAX_SPREAD_LU:
        missed.append("spread")
    print(f"  range {min(loudness):.2f} to {max(loudness):.2f} LUFS, spread {spread:.2f} LU; "
          f"highest true peak {max(level.true_peak_dbtp for level in levels.values()):.2f} dBTP"
          f"  {'MISSED: ' + ', '.join(missed) if missed else 'all targets met'}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
