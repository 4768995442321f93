"""ComfyUI and lip-sync provider jobs: injection, polling, outputs, and resuming without
submitting again after the worker died mid-wait (a real subprocess, killed)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.model_router import build_client
from nexus.model_router.adapters.comfyui import inject
from tests.fakes.comfyui_server import ComfyUIServer
from tests.fakes.lipsync_server import LipsyncServer
from tests.fakes.openai_server import png_bytes, wav_bytes
from tests.model_router.conftest import (
    SCOPE,
    LedgerGuard,
    comfyui_provider,
    lipsync_provider,
    migrated_db,
    settings_with,
)

ROOT = Path(__file__).resolve().parents[2]


def test_inject_keeps_types_and_refuses_unknown_names() -> None:
    flow = {"1": {"inputs": {"seed": "{{seed}}", "text": "a {{prompt}}!", "n": 3}}}
    out = inject(flow, {"seed": 7, "prompt": "cat"})
    assert out == {"1": {"inputs": {"seed": 7, "text": "a cat!", "n": 3}}}
    with pytest.raises(NexusError) as caught:
        inject(flow, {"seed": 7})
    assert caught.value.code == ErrorCode.CONFIG_INVALID


async def test_comfyui_image_queues_polls_and_downloads(comfyui_fake: ComfyUIServer) -> None:
    ledger = LedgerGuard()
    client = build_client(
        settings_with(comfyui_provider("comfy", comfyui_fake.url)), ledger, ledger, None
    )
    try:
        result = await client.image(
            SCOPE, "a lighthouse", width=96, height=64, seed=42, negative_prompt="blurry"
        )
    finally:
        await client.close()
    assert result.data.startswith(b"\x89PNG") and result.media_type == "image/png"
    assert (result.provider, result.model, result.cost_usd) == ("comfy", "sdxl", 0.01)
    (workflow,) = comfyui_fake.prompts.values()
    assert workflow["3"]["inputs"]["seed"] == 42
    assert workflow["5"]["inputs"] == {"width": 96, "height": 64, "batch_size": 1}
    assert workflow["6"]["inputs"]["text"] == "storyboard frame, a lighthouse"
    assert workflow["7"]["inputs"]["text"] == "blurry"
    assert comfyui_fake.submissions("/prompt") == 1
    assert comfyui_fake.counts["GET /history/" + result.external_id] >= 1  # type: ignore[operator]


async def test_comfyui_image_to_video_uploads_the_frame(comfyui_fake: ComfyUIServer) -> None:
    client = build_client(
        settings_with(comfyui_provider("comfy", comfyui_fake.url)), None, None, None
    )
    try:
        result = await client.video(SCOPE, png_bytes(32, 32, "x"), "waves", seconds=1.5)
    finally:
        await client.close()
    assert result.media_type == "video/mp4" and b"ftyp" in result.data[:16]
    assert result.usage.video_s == 1.5
    assert comfyui_fake.submissions("/upload/image") == 1
    (workflow,) = comfyui_fake.prompts.values()
    assert workflow["1"]["inputs"]["image"] == "nexus-input.png"
    assert workflow["7"]["inputs"]["length"] == 24


async def test_a_failed_prompt_fails_over_to_the_offline_engine_when_allowed(
    comfyui_fake: ComfyUIServer,
) -> None:
    from nexus.model_router.results import MediaResult  # noqa: PLC0415

    async def storyboard(**kw: object) -> MediaResult:
        return MediaResult(data=b"offline", media_type="image/png")

    comfyui_fake.fail_next_prompt = True
    client = build_client(
        settings_with(comfyui_provider("comfy", comfyui_fake.url)),
        None,
        None,
        None,
        offline={"image": storyboard},
    )
    try:
        result = await client.image(SCOPE, "p", width=64, height=64, seed=1)
    finally:
        await client.close()
    assert (result.provider, result.data) == ("offline", b"offline")
    assert result.failed_over_from == ("comfy/sdxl",)


async def test_lipsync_uploads_polls_and_downloads(lipsync_fake: LipsyncServer) -> None:
    client = build_client(
        settings_with(lipsync_provider("sync", lipsync_fake.url)), None, None, None
    )
    try:
        result = await client.lipsync(SCOPE, wav_bytes(1.0), png_bytes(32, 32, "face"))
    finally:
        await client.close()
    assert result.media_type == "video/mp4" and result.cost_usd == pytest.approx(0.02)
    assert lipsync_fake.submissions("/v1/lipsync") == 1


def _worker(tmp_path: Path, provider: dict[str, object], call: str) -> subprocess.Popen[bytes]:
    settings = {"env": "test", "data_dir": str(tmp_path), "providers": [provider]}
    (tmp_path / "settings.json").write_text(json.dumps(settings))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.model_router.resume_worker", str(tmp_path), call],
        cwd=ROOT,
        env=env,
    )


async def _wait_recorded(tmp_path: Path, proc: subprocess.Popen[bytes]) -> None:
    db = await migrated_db(tmp_path / "nexus.db")
    try:
        from nexus.model_router.jobs import ProviderJobStore  # noqa: PLC0415

        store = ProviderJobStore(db)
        for _ in range(400):
            assert proc.poll() is None, "the worker ended before its job was recorded"
            if await store.find("job-1:frame") is not None:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the worker never recorded its provider job")
    finally:
        await db.dispose()


@pytest.mark.parametrize("kind", ["comfyui", "lipsync"])
async def test_a_killed_worker_resumes_the_provider_job_without_resubmitting(
    tmp_path: Path, comfyui_fake: ComfyUIServer, lipsync_fake: LipsyncServer, kind: str
) -> None:
    fake = comfyui_fake if kind == "comfyui" else lipsync_fake
    fake.run_s = 4.0  # long enough to be killed while waiting
    provider = (
        comfyui_provider("comfy", fake.url)
        if kind == "comfyui"
        else lipsync_provider("sync", fake.url)
    )
    call = "image" if kind == "comfyui" else "lipsync"
    proc = _worker(tmp_path, provider, call)
    try:
        await _wait_recorded(tmp_path, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    db = await migrated_db(tmp_path / "nexus.db")
    client = build_client(settings_with(provider), None, None, None, db=db)
    try:
        if call == "image":
            result = await client.image(
                SCOPE, "p", width=64, height=64, seed=1, resume_key="job-1:frame"
            )
        else:
            result = await client.lipsync(
                SCOPE, wav_bytes(1.0), png_bytes(8, 8, "f"), resume_key="job-1:frame"
            )
        again = await (
            client.image(SCOPE, "p", width=64, height=64, seed=1, resume_key="job-1:frame")
            if call == "image"
            else client.lipsync(
                SCOPE, wav_bytes(1.0), png_bytes(8, 8, "f"), resume_key="job-1:frame"
            )
        )
    finally:
        await client.close()
        await db.dispose()
    assert proc.returncode == -signal.SIGKILL
    assert result.resumed and again.resumed and result.external_id == again.external_id
    path = "/prompt" if kind == "comfyui" else "/v1/lipsync"
    assert fake.submissions(path) == 1


async def test_comfyui_polls_through_429_5xx_and_a_cut_download(
    comfyui_fake: ComfyUIServer,
) -> None:
    comfyui_fake.fail("/history", "429", times=1, retry_after=0.1)
    comfyui_fake.fail("/history", "502", times=1)
    comfyui_fake.fail("/view", "truncate", times=1)
    # the only candidate: its full max_retries (with a fallback left it would get 1 retry)
    only = settings_with(comfyui_provider("comfy", comfyui_fake.url), offline_fallback=False)
    client = build_client(only, None, None, None)
    try:
        result = await client.image(SCOPE, "p", width=32, height=32, seed=3)
    finally:
        await client.close()
    assert result.data.startswith(b"\x89PNG")
    assert comfyui_fake.submissions("/prompt") == 1  # polls retried, never the submission
    assert comfyui_fake.counts["GET /view"] == 2


async def test_a_comfyui_5xx_on_submit_is_not_resubmitted_but_failed_over(
    comfyui_fake: ComfyUIServer,
) -> None:
    comfyui_fake.fail("/prompt", "500")
    client = build_client(
        settings_with(comfyui_provider("comfy", comfyui_fake.url), offline_fallback=False),
        None,
        None,
        None,
    )
    try:
        with pytest.raises(NexusError) as caught:
            await client.image(SCOPE, "p", width=32, height=32, seed=3)
    finally:
        await client.close()
    assert caught.value.code == ErrorCode.PROVIDER_ERROR
    assert comfyui_fake.submissions("/prompt") == 1  # a 5xx may have queued it: never twice
