"""EBU R128 / ITU-R BS.1770-4 loudness in numpy, and a look-ahead true-peak limiter.

Used on short signals (one speech line) where starting ffmpeg would cost more than the work:
K-weighting is the two BS.1770 biquads applied as an FFT convolution with their impulse
response (it decays below 1e-12 well inside the kernel), gating is the standard absolute
(-70 LUFS) and relative (-10 LU) two-stage gate over 400 ms blocks with 75 % overlap, true
peak comes from 4x band-limited (FFT) oversampling. tests/composer check it against ffmpeg's
``ebur128`` filter.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.floating[Any]]
"""Mono (n,) or multichannel (n, channels) float samples in [-1, 1]."""
Biquad = tuple[tuple[float, float, float], tuple[float, float, float]]

ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
SILENCE_LUFS = -70.0
"""Reported for signals with no block above the absolute gate (what ffmpeg prints too)."""
_BLOCK_S = 0.4
_STEP_S = 0.1
_OVERSAMPLE = 4
_TP_BLOCK = 1 << 15
_TP_MARGIN = 256


def k_weighting(rate: int) -> tuple[Biquad, Biquad]:
    """The BS.1770 pre-filter (high shelf) and RLB high-pass, designed for ``rate``.

    Same analog prototypes as libebur128 and ffmpeg's ebur128, so any sample rate works.
    """
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh = 10 ** (gain_db / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf: Biquad = (
        ((vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0),
        (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0),
    )
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    a0 = 1 + k / q + k * k
    highpass: Biquad = ((1.0, -2.0, 1.0), (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0))
    return shelf, highpass


@cache
def k_weighting_response(rate: int) -> npt.NDArray[np.float64]:
    """Impulse response of the K-weighting cascade, long enough to have decayed to ~1e-12."""
    n = 1 << max(10, math.ceil(math.log2(rate / 3)))
    signal = [0.0] * n
    signal[0] = 1.0
    for (b0, b1, b2), (_, a1, a2) in k_weighting(rate):
        out = [0.0] * n
        x1 = x2 = y1 = y2 = 0.0
        for i, x in enumerate(signal):
            y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
            out[i] = y
            x1, x2, y1, y2 = x, x1, y, y1
        signal = out
    return np.asarray(signal, dtype=np.float64)


def _fft_size(n: int) -> int:
    """A length >= n with only small prime factors (fast for numpy's FFT)."""
    size = 1 << max(0, (n - 1).bit_length())
    for candidate in (size * 3 // 4, size * 5 // 8, size * 9 // 16):
        if candidate >= n:
            size = min(size, candidate)
    return size


def _channels(samples: Samples) -> npt.NDArray[np.float64]:
    data = np.asarray(samples, dtype=np.float64)
    return data[:, None] if data.ndim == 1 else data


def k_weight(samples: Samples, rate: int) -> npt.NDArray[np.float64]:
    """K-weighted copy of ``samples`` as (n, channels) float64 (exactly the IIR output)."""
    data = _channels(samples)
    n = data.shape[0]
    response = k_weighting_response(rate)[:n]
    size = _fft_size(n + len(response) - 1)
    spectrum = np.fft.rfft(data, size, axis=0) * np.fft.rfft(response, size)[:, None]
    return np.fft.irfft(spectrum, size, axis=0)[:n]


def block_powers(weighted: npt.NDArray[np.float64], rate: int) -> npt.NDArray[np.float64]:
    """Channel-summed mean square of every 400 ms block (100 ms hop); BS.1770 weights L/R 1.0.

    A signal shorter than one block is measured as a single block of its own length.
    """
    step = round(rate * _STEP_S)
    per_block = round(_BLOCK_S / _STEP_S)
    steps = weighted.shape[0] // step
    if weighted.size == 0:
        return np.zeros(0)
    if steps < per_block:
        return np.asarray([float(np.mean(np.sum(weighted**2, axis=1)))])
    energy = np.sum(weighted[: steps * step] ** 2, axis=1).reshape(steps, step).sum(axis=1)
    window = np.lib.stride_tricks.sliding_window_view(energy, per_block).sum(axis=1)
    return window / (step * per_block)


def _lufs(power: npt.NDArray[np.float64] | float) -> npt.NDArray[np.float64]:
    return -0.691 + 10 * np.log10(np.maximum(power, 1e-20))


def gated_loudness(powers: npt.NDArray[np.float64]) -> float:
    """Integrated loudness (LUFS) of block powers through the absolute and relative gates."""
    kept = powers[_lufs(powers) > ABSOLUTE_GATE_LUFS]
    if kept.size == 0:
        return SILENCE_LUFS
    relative = float(_lufs(float(np.mean(kept)))) + RELATIVE_GATE_LU
    kept = kept[_lufs(kept) > relative]
    return float(_lufs(float(np.mean(kept))))


def integrated_loudness(samples: Samples, rate: int) -> float:
    """BS.1770-4 integrated loudness in LUFS (mono counts as one channel)."""
    return gated_loudness(block_powers(k_weight(samples, rate), rate))


def peak_levels(samples: Samples) -> npt.NDArray[np.float64]:
    """Per sample, the largest magnitude of the 4x band-limited signal from it to the next.

    Oversampling is an FFT interpolation over overlapping blocks (margins hide the wrap-around).
    """
    data = _channels(samples)
    n = data.shape[0]
    levels = np.zeros(n)
    padded = np.pad(data, ((_TP_MARGIN, _TP_MARGIN + _TP_BLOCK), (0, 0)))
    span = _TP_BLOCK + 2 * _TP_MARGIN
    for start in range(0, n, _TP_BLOCK):
        block = padded[start : start + span]
        up = np.fft.irfft(np.fft.rfft(block, axis=0), span * _OVERSAMPLE, axis=0) * _OVERSAMPLE
        inner = up[_TP_MARGIN * _OVERSAMPLE : (_TP_MARGIN + _TP_BLOCK) * _OVERSAMPLE]
        count = min(_TP_BLOCK, n - start)
        per_sample = np.abs(inner[: count * _OVERSAMPLE]).reshape(count, _OVERSAMPLE, -1)
        levels[start : start + count] = per_sample.max(axis=(1, 2))
    return np.maximum(levels, np.max(np.abs(data), axis=1))


def true_peak(samples: Samples) -> float:
    """Largest absolute value of the 4x oversampled signal (linear; BS.1770 true peak)."""
    levels = peak_levels(samples)
    return float(levels.max()) if levels.size else 0.0


def to_db(value: float) -> float:
    return 20 * math.log10(value) if value > 1e-10 else -200.0


def limit_peaks(
    samples: Samples,
    rate: int,
    ceiling_db: float,
    *,
    attack_s: float = 0.003,
    release_s: float = 0.08,
) -> npt.NDArray[np.float32]:
    """Keep the true peak at or under ``ceiling_db`` with smooth gain changes.

    The gain (in dB) is the lower envelope of the reductions each sample's oversampled level
    needs, with linear ramps: it falls over ``attack_s`` (looking ahead) before a peak and
    recovers over ``release_s`` after it (both for a 12 dB reduction). Running minima compute
    it exactly, so no sample gets less reduction than it needs.
    """
    data = np.asarray(samples, dtype=np.float64)
    need = np.minimum(0.0, ceiling_db - 20 * np.log10(np.maximum(peak_levels(data), 1e-10)))
    if not np.any(need < 0):
        return data.astype(np.float32)
    index = np.arange(need.size, dtype=np.float64)
    attack = 12.0 / max(1.0, attack_s * rate)
    release = 12.0 / max(1.0, release_s * rate)
    after = np.minimum.accumulate(need - release * index) + release * index
    before = (np.minimum.accumulate((need + attack * index)[::-1]))[::-1] - attack * index
    gain = 10 ** (np.minimum(after, before) / 20)
    out = data * (gain[:, None] if data.ndim == 2 else gain)
    return out.astype(np.float32)
