"""A fake of the HTTP lip-sync service protocol Nexus speaks (docs/providers.md).

``POST /v1/lipsync`` (multipart: ``audio``, ``face``, ``model``) -> ``{"job_id"}``;
``GET /v1/lipsync/{job_id}`` -> ``{"status": queued|running|succeeded|failed, "error"}``
(running for ``run_s`` seconds); ``GET /v1/lipsync/{job_id}/result`` -> an MP4 as long as
the audio. Submissions are counted (``server.submissions("/v1/lipsync")``).

    uv run python -m tests.fakes.lipsync_server --port 8901
"""

from __future__ import annotations

import io
import threading
import time
import uuid
import wave

from tests.fakes.base import FakeServer, Reply, Request, multipart, serve_main, tiny_mp4


def _audio_seconds(data: bytes) -> float:
    try:
        with wave.open(io.BytesIO(data)) as reader:
            return reader.getnframes() / reader.getframerate()
    except (wave.Error, EOFError, ZeroDivisionError):
        return 0.0


class LipsyncServer(FakeServer):
    def __init__(self, port: int = 0, *, run_s: float = 0.2) -> None:
        super().__init__(port)
        self.run_s = run_s
        self.fail_next_job = False
        self.jobs: dict[str, tuple[float, float, bool]] = {}  # id -> (started, seconds, fails)
        self.state = threading.Lock()
        self.routes = {
            ("POST", "/v1/lipsync"): self.submit,
            ("GET", "/v1/lipsync/"): self.status_or_result,
            ("GET", "/v1/health"): lambda r: Reply.of({"status": "ok"}),
        }

    def submit(self, request: Request) -> Reply:
        parts = multipart(request)
        if "audio" not in parts or "face" not in parts:
            return Reply.of({"error": "audio and face are required"}, 422)
        seconds = _audio_seconds(parts["audio"][1])
        if seconds <= 0:
            return Reply.of({"error": "audio is not a WAV file"}, 422)
        with self.state:
            job_id = uuid.uuid4().hex
            self.jobs[job_id] = (time.monotonic(), seconds, self.fail_next_job)
            self.fail_next_job = False
        return Reply.of({"job_id": job_id, "status": "queued"}, 202)

    def status_or_result(self, request: Request) -> Reply:
        rest = request.path.removeprefix("/v1/lipsync/")
        job_id, _, tail = rest.partition("/")
        with self.state:
            job = self.jobs.get(job_id)
        if job is None:
            return Reply.of({"error": "no such job"}, 404)
        started, seconds, fails = job
        done = time.monotonic() - started >= self.run_s
        status = "running" if not done else ("failed" if fails else "succeeded")
        if tail == "result":
            if status != "succeeded":
                return Reply.of({"error": f"job is {status}"}, 409)
            return Reply(200, tiny_mp4(seconds), content_type="video/mp4")
        body = {"job_id": job_id, "status": status}
        if status == "failed":
            body["error"] = "no face found"
        return Reply.of(body)


if __name__ == "__main__":
    serve_main(LipsyncServer, "fake lip-sync service")
