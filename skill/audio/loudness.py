"""Bring speech to a loudness target (ITU-R BS.1770, by pyloudnorm) under a true-peak ceiling.

Gain alone cannot do it: espeak-ng's speech peaks about 20 dB above its loudness, so at
-14 LUFS its peaks would pass 0 dBFS, and a limiter alone would have to take 9 dB off them.
So a compressor first evens out the loud syllables (about 4 dB off the peak-to-loudness
ratio), then a look-ahead limiter takes what is left off the peaks. The level is measured on
the encoded file itself (lossy coding moves peaks), and the gain corrected until it lands.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from skill.audio.mp3 import AudioError

OVERSAMPLING = 4  # true peak: oversample 4x and take the largest magnitude (BS.1770 annex 2)
REFERENCE_RATE = 48_000
# The limiter's gain reaches each peak this early and lets go as slowly: short enough that it
# does not dull the syllables around a peak (8 ms cost 1.5 LU more gain for the same level).
LOOKAHEAD_S = 0.001
LOUDNESS_TOLERANCE_LU = 0.5  # how close to target a clip must land: spread 1 LU at most
QUIETER_LU = 0.3  # how far under target a clip may settle when coding keeps adding peaks
CODING_MARGIN_DB = 1.5  # the limiter aims this far under the ceiling; coding adds peaks
ATTEMPTS = 8  # encodes, each aiming the limiter lower when coding pushed a peak over
MAX_LIMITING_DB = 24.0  # the most gain the search tries above plain gain
SEARCH_TOLERANCE_LU = 0.1
SEARCH_STEPS = 8
FALLBACK_TOLERANCE_LU = 0.5  # the last resort: all clips still within 1 LU of each other
PEAK_HEADROOM_DB = 0.1  # where coded peaks should land under the ceiling
# The compressor: the level over a syllable-scale window, above a threshold this far under the
# clip's own RMS, is brought down this many times.
COMPRESSOR_WINDOW_S = 0.005
COMPRESSOR_THRESHOLD_DB = -6.0
COMPRESSOR_RATIO = 8.0


@dataclass(frozen=True)
class LoudnessTarget:
    """Where a clip's integrated loudness should land, and the true peak it may not pass."""

    lufs: float
    ceiling_dbtp: float

    def recipe(self) -> dict[str, float]:
        """Return the target as data, for content keys and manifests."""
        return {"integrated_lufs": self.lufs, "true_peak_ceiling_dbtp": self.ceiling_dbtp}


ALEXA_LOUDNESS = LoudnessTarget(lufs=-14.0, ceiling_dbtp=-3.0)  # Amazon's guide: about -14


@dataclass(frozen=True)
class Level:
    """A clip's integrated loudness (LUFS) and true peak (dBTP)."""

    lufs: float
    true_peak_dbtp: float


def _decibels(value: float) -> float:
    return 20 * math.log10(value) if value > 0 else -math.inf


def true_peak_dbtp(samples, sample_rate: int) -> float:
    """Return the true peak of float samples in dBTP: the 4x-oversampled largest magnitude."""
    import numpy as np
    from scipy.signal import resample_poly

    if not len(samples):
        return -math.inf
    return _decibels(float(np.max(np.abs(resample_poly(samples, OVERSAMPLING, 1)))))


def at_reference_rate(samples, sample_rate: int):
    """Return samples resampled to 48 kHz, the rate BS.1770's filters and true peak assume."""
    from scipy.signal import resample_poly

    common = math.gcd(REFERENCE_RATE, sample_rate)
    if sample_rate == REFERENCE_RATE:
        return samples
    return resample_poly(samples, REFERENCE_RATE // common, sample_rate // common)


def _reference_and_lufs(samples, sample_rate: int):
    """Return samples at 48 kHz and their integrated loudness; refuse silence and slivers."""
    seconds = len(samples) / sample_rate
    if seconds < 0.4:  # one BS.1770 gating block
        raise AudioError(f"{seconds:.2f} s of audio is too short to measure its loudness")
    reference = at_reference_rate(samples, sample_rate)
    lufs = _loudness(reference, REFERENCE_RATE)
    if not math.isfinite(lufs):
        raise AudioError("the speech audio is silent: it has no loudness to bring to target")
    return reference, round(lufs, 2)


def measure(samples, sample_rate: int) -> Level:
    """Return the BS.1770 integrated loudness and true peak of mono float samples, at 48 kHz.

    At 16 kHz the K-weighting filter, derived for that rate, reads speech up to 0.8 LU louder
    than at 48 kHz, where a player, Amazon's tools and the standard measure it.
    """
    reference, lufs = _reference_and_lufs(samples, sample_rate)
    return Level(lufs, round(true_peak_dbtp(reference, REFERENCE_RATE), 2))


def compressed(samples, sample_rate: int):
    """Return samples with loud syllables brought closer to the rest: an RMS compressor."""
    import numpy as np
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    width = max(1, round(COMPRESSOR_WINDOW_S * sample_rate))
    power = uniform_filter1d(samples * samples, width, mode="nearest")
    mean_power = float(np.mean(samples * samples))
    if mean_power <= 0:
        return samples
    over_db = np.maximum(0.0, 10 * np.log10(np.maximum(power, 1e-20) / mean_power)
                         - COMPRESSOR_THRESHOLD_DB)
    gain = 10 ** (-over_db * (1 - 1 / COMPRESSOR_RATIO) / 20)
    # Hold, then smooth, over the same window: the gain dips ahead of a loud syllable, no step.
    gain = minimum_filter1d(gain, size=width, mode="nearest")
    return samples * uniform_filter1d(gain, width, mode="nearest")


def _oversampled_peaks(samples):
    """Return each sample's largest 4x-oversampled magnitude around it."""
    import numpy as np
    from scipy.signal import resample_poly

    oversampled = np.abs(resample_poly(samples, OVERSAMPLING, 1))
    return oversampled[: OVERSAMPLING * len(samples)].reshape(-1, OVERSAMPLING).max(axis=1)


def limited(samples, sample_rate: int, ceiling_dbtp: float, gain_db: float = 0.0, peaks=None):
    """Return samples, raised by gain_db, with true peaks under the ceiling (look-ahead limiter).

    peaks are the samples' oversampled peaks, when already known: they scale with the gain.
    """
    import numpy as np
    from scipy.ndimage import minimum_filter1d

    gain = 10 ** (gain_db / 20)
    if peaks is None:
        peaks = _oversampled_peaks(samples)
    ceiling = 10 ** (ceiling_dbtp / 20)
    needed = np.minimum(1.0, ceiling / np.maximum(peaks * gain, 1e-12))
    reach = max(1, round(LOOKAHEAD_S * sample_rate))
    # Holding the lowest gain over +/- reach and then smoothing over the same span keeps the
    # gain at or under what every sample needs, with no step in it to click.
    held = minimum_filter1d(needed, size=2 * reach + 1, mode="nearest")
    window = np.hanning(2 * reach + 3)[1:-1]
    smoothed = np.convolve(np.pad(held, reach, mode="edge"), window / window.sum(), mode="valid")
    return samples * gain * np.minimum(smoothed, needed)


def _loudness(samples, sample_rate: int) -> float:
    import pyloudnorm

    return float(pyloudnorm.Meter(sample_rate).integrated_loudness(samples))


def _gain_for(samples, sample_rate: int, lufs: float, aim_dbtp: float, peaks) -> float:
    """Return the gain (dB) that, with peaks limited to aim_dbtp, gives this loudness."""

    def reached(gain_db: float) -> float:
        return _loudness(limited(samples, sample_rate, aim_dbtp, gain_db, peaks), sample_rate)

    # Secant steps: loudness grows smoothly with gain, ever more slowly as the limiter works.
    low = lufs - _loudness(samples, sample_rate)  # plain gain: limiting only lowers it
    points = [(low, reached(low))]
    gain = low + (lufs - points[0][1]) * 2
    for _ in range(SEARCH_STEPS):
        points.append((gain, reached(gain)))
        if abs(points[-1][1] - lufs) <= SEARCH_TOLERANCE_LU:
            break
        (g0, l0), (g1, l1) = points[-2], points[-1]
        slope = (l1 - l0) / (g1 - g0) if g1 != g0 else 1.0
        step = (lufs - l1) / max(slope, 0.05)
        gain = min(max(g1 + step, low), low + MAX_LIMITING_DB)
    return min(points, key=lambda point: abs(point[1] - lufs))[0]


def leveled(samples, sample_rate: int, target: LoudnessTarget,
            encode: Callable[[object], bytes], decode: Callable[[bytes], object],
            measured: Callable[[bytes, Level], None] = lambda encoded, level: None) -> bytes:
    """Return encoded audio at the target loudness under its ceiling, measured after coding.

    encode turns float samples into a file's bytes; decode turns them back, for measuring.
    measured is given the bytes returned and their level, so no caller has to measure again.
    """
    import numpy as np

    samples = compressed(samples, sample_rate)
    # Refuses silence and clips too short to measure; the true peak is not needed here.
    _, start_lufs = _reference_and_lufs(samples, sample_rate)
    peaks = _oversampled_peaks(samples)
    # The search reads loudness at the clip's own rate, which is quicker; start it off by what
    # that reading differs from the 48 kHz one, and let each coded result correct it further.
    offset = _loudness(samples, sample_rate) - start_lufs
    aim, wanted = target.ceiling_dbtp - CODING_MARGIN_DB, target.lufs + offset
    closest = None  # the try nearest the target loudness whose peaks stayed under the ceiling
    aiming_at, peaks_over = target.lufs, 0
    for _ in range(ATTEMPTS):
        gain_db = _gain_for(samples, sample_rate, wanted, aim, peaks)
        shaped = limited(samples, sample_rate, aim, gain_db, peaks)
        encoded = encode(np.clip(shaped, -1.0, 32767 / 32768))
        level = measure(decode(encoded), sample_rate)
        loud_enough = abs(level.lufs - target.lufs) <= LOUDNESS_TOLERANCE_LU
        if level.true_peak_dbtp <= target.ceiling_dbtp:
            if loud_enough:
                measured(encoded, level)
                return encoded
            if closest is None or (abs(level.lufs - target.lufs)
                                   < abs(closest[1].lufs - target.lufs)):
                closest = (encoded, level)
        if loud_enough:
            peaks_over += 1
        if peaks_over == 2:
            # Limiting harder only makes coding add more peaks here: settle a little under
            # the target loudness instead, still inside its tolerance, with gentler limiting.
            aiming_at = target.lufs - QUIETER_LU
        # Coding moves loudness and peaks a little: ask for what it took off, and aim the
        # limiter so the coded peaks land just under the ceiling, next time.
        wanted += aiming_at - level.lufs
        aim += target.ceiling_dbtp - PEAK_HEADROOM_DB - level.true_peak_dbtp
    if closest is not None and abs(closest[1].lufs - target.lufs) <= FALLBACK_TOLERANCE_LU:
        measured(*closest)
        return closest[0]  # still inside the target's tolerance, and under the ceiling
    raise AudioError(
        f"could not bring the speech to {target.lufs} LUFS under {target.ceiling_dbtp} dBTP "
        f"in {ATTEMPTS} tries; the last reached {level.lufs} LUFS, {level.true_peak_dbtp} dBTP")
