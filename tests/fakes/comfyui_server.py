"""A faithful fake of ComfyUI's HTTP API on loopback.

``POST /prompt`` queues an API-format workflow (``{"prompt": {node_id: {class_type,
inputs}}, "client_id"}``) and answers ``{prompt_id, number, node_errors}``; the prompt
"runs" for ``run_s`` seconds, then ``GET /history/{prompt_id}`` holds its outputs
(``SaveImage`` -> images, ``VHS_VideoCombine``/``SaveVideo`` -> gifs/videos) and
``GET /view?filename=&subfolder=&type=`` serves the files. ``POST /upload/image`` takes a
multipart image; ``/queue`` and ``/system_stats`` answer as ComfyUI does. Submissions are
counted (``server.submissions("/prompt")``); ``fail_next_prompt`` makes a prompt end in
``status_str: error``.

    uv run python -m tests.fakes.comfyui_server --port 8188
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from tests.fakes.base import FakeServer, Reply, Request, multipart, serve_main, tiny_mp4
from tests.fakes.openai_server import png_bytes

IMAGE_SAVERS = {"SaveImage", "PreviewImage"}
VIDEO_SAVERS = {"VHS_VideoCombine", "SaveVideo", "SaveAnimatedWEBP"}


class ComfyUIServer(FakeServer):
    def __init__(self, port: int = 0, *, run_s: float = 0.2) -> None:
        super().__init__(port)
        self.run_s = run_s
        self.fail_next_prompt = False
        self.prompts: dict[str, dict[str, Any]] = {}  # prompt id -> the injected workflow
        self.started: dict[str, float] = {}
        self.failed: set[str] = set()
        self.files: dict[tuple[str, str], bytes] = {}  # (type, filename) -> bytes
        self.number = 0
        self.state = threading.Lock()
        self.routes = {
            ("POST", "/prompt"): self.queue_prompt,
            ("GET", "/history"): self.history,
            ("GET", "/view"): self.view,
            ("POST", "/upload/image"): self.upload,
            ("GET", "/queue"): self.queue,
            ("GET", "/system_stats"): self.system_stats,
        }

    def queue_prompt(self, request: Request) -> Reply:
        body = request.json()
        workflow = body.get("prompt") if isinstance(body, dict) else None
        errors = _validate(workflow)
        if errors:
            return Reply.of(
                {
                    "error": {
                        "type": "prompt_outputs_failed_validation",
                        "message": "Prompt outputs failed validation",
                    },
                    "node_errors": errors,
                },
                400,
            )
        assert isinstance(workflow, dict)
        with self.state:
            prompt_id = str(uuid.uuid4())
            self.number += 1
            self.prompts[prompt_id] = workflow
            self.started[prompt_id] = time.monotonic()
            if self.fail_next_prompt:
                self.failed.add(prompt_id)
                self.fail_next_prompt = False
            number = self.number
        return Reply.of({"prompt_id": prompt_id, "number": number, "node_errors": {}})

    def _done(self, prompt_id: str) -> bool:
        return time.monotonic() - self.started[prompt_id] >= self.run_s

    def history(self, request: Request) -> Reply:
        prompt_id = request.path.removeprefix("/history").strip("/")
        with self.state:
            ids = [prompt_id] if prompt_id else list(self.prompts)
            entries = {i: self._entry(i) for i in ids if i in self.prompts and self._done(i)}
        return Reply.of(entries)

    def _entry(self, prompt_id: str) -> dict[str, Any]:
        if prompt_id in self.failed:
            status = {
                "status_str": "error",
                "completed": False,
                "messages": [["execution_error", {"exception_message": "CUDA OOM"}]],
            }
            return {"prompt": [0, prompt_id, {}, {}, []], "outputs": {}, "status": status}
        outputs: dict[str, Any] = {}
        for node_id, node in self.prompts[prompt_id].items():
            saved = self._save(prompt_id, node_id, node)
            if saved:
                outputs[node_id] = saved
        status = {"status_str": "success", "completed": True, "messages": []}
        return {
            "prompt": [0, prompt_id, {}, {}, list(outputs)],
            "outputs": outputs,
            "status": status,
        }

    def _save(self, prompt_id: str, node_id: str, node: dict[str, Any]) -> dict[str, Any]:
        kind = node.get("class_type")
        size = _latent_size(self.prompts[prompt_id])
        if kind in IMAGE_SAVERS:
            name = f"ComfyUI_{prompt_id[:8]}_{node_id}_.png"
            if ("output", name) not in self.files:
                self.files[("output", name)] = png_bytes(*size, seed=prompt_id)
            return {"images": [{"filename": name, "subfolder": "", "type": "output"}]}
        if kind in VIDEO_SAVERS:
            name = f"ComfyUI_{prompt_id[:8]}_{node_id}_.mp4"
            if ("output", name) not in self.files:
                fps = float(node.get("inputs", {}).get("frame_rate", 16))
                self.files[("output", name)] = tiny_mp4(_frames(self.prompts[prompt_id]) / fps)
            return {
                "gifs": [
                    {
                        "filename": name,
                        "subfolder": "",
                        "type": "output",
                        "format": "video/h264-mp4",
                    }
                ]
            }
        return {}

    def view(self, request: Request) -> Reply:
        key = (request.query.get("type", "output"), request.query.get("filename", ""))
        data = self.files.get(key)
        if data is None:
            return Reply(404, b"404: Not Found", content_type="text/plain")
        media = "video/mp4" if key[1].endswith(".mp4") else "image/png"
        return Reply(200, data, content_type=media)

    def upload(self, request: Request) -> Reply:
        parts = multipart(request)
        if "image" not in parts:
            return Reply(400, b"", content_type="text/plain")
        filename, data = parts["image"]
        name = filename or "upload.png"
        self.files[("input", name)] = data
        return Reply.of({"name": name, "subfolder": "", "type": "input"})

    def queue(self, request: Request) -> Reply:
        with self.state:
            running = [[0, i, {}, {}, []] for i in self.prompts if not self._done(i)]
        return Reply.of({"queue_running": running, "queue_pending": []})

    def system_stats(self, request: Request) -> Reply:
        return Reply.of(
            {
                "system": {
                    "os": "posix",
                    "comfyui_version": "0.3.0-fake",
                    "python_version": "3.11",
                },
                "devices": [],
            }
        )


def _validate(workflow: Any) -> dict[str, Any]:
    if not isinstance(workflow, dict) or not workflow:
        return {"prompt": {"errors": [{"type": "invalid_prompt", "message": "no prompt"}]}}
    errors: dict[str, Any] = {}
    for node_id, node in workflow.items():
        if not isinstance(node, dict) or "class_type" not in node or "inputs" not in node:
            errors[str(node_id)] = {
                "errors": [{"type": "invalid_node", "message": "class_type and inputs required"}]
            }
    return errors


def _frames(workflow: dict[str, Any]) -> int:
    for node in workflow.values():
        length = node.get("inputs", {}).get("length")
        if isinstance(length, int):
            return length
    return 16


def _latent_size(workflow: dict[str, Any]) -> tuple[int, int]:
    for node in workflow.values():
        inputs = node.get("inputs", {})
        if "width" in inputs and "height" in inputs:
            return int(inputs["width"]), int(inputs["height"])
    return 64, 64


if __name__ == "__main__":
    serve_main(ComfyUIServer, "fake ComfyUI")
