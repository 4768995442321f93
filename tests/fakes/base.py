"""What every protocol fake shares: a threaded HTTP server on loopback, fault switches
(429 + Retry-After, 5xx, slow, malformed JSON, truncated bodies and streams) and counters.

``server.fail(path_prefix, kind, times=None)`` arms a fault for requests whose path starts
with ``path_prefix`` (``times=None``: until ``clear()``); ``server.counts`` counts requests
per ``"METHOD /path"`` (query string dropped) and ``server.submissions(path)`` reads it.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

FaultKind = str  # "429" | "500" | "503" | "slow" | "malformed" | "truncate" | "drop"


@dataclass
class Fault:
    prefix: str
    kind: FaultKind
    times: int | None = None
    retry_after: float = 1.0
    delay_s: float = 2.0


class Request:
    def __init__(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        parts = urlsplit(handler.path)
        self.method = handler.command
        self.path = parts.path
        self.query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.headers = handler.headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body or b"null")


class Reply:
    def __init__(
        self,
        status: int = 200,
        body: bytes = b"",
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        stream: list[bytes] | None = None,
    ) -> None:
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = headers or {}
        self.stream = stream  # SSE chunks, written one by one (chunked encoding)

    @classmethod
    def of(cls, data: Any, status: int = 200) -> Reply:
        return cls(status, json.dumps(data).encode())


Route = Callable[[Request], Reply]


class FakeServer:
    """Subclasses fill ``routes`` with ``(method, path prefix) -> handler``."""

    def __init__(self, port: int = 0) -> None:
        self.routes: dict[tuple[str, str], Route] = {}
        self.faults: list[Fault] = []
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self.httpd.daemon_threads = True
        self.thread: threading.Thread | None = None

    # -- switches ------------------------------------------------------------------------
    def fail(
        self,
        prefix: str,
        kind: FaultKind,
        *,
        times: int | None = None,
        retry_after: float = 1.0,
        delay_s: float = 2.0,
    ) -> None:
        with self.lock:
            self.faults.append(Fault(prefix, kind, times, retry_after, delay_s))

    def clear(self) -> None:
        with self.lock:
            self.faults.clear()

    def submissions(self, path: str, method: str = "POST") -> int:
        with self.lock:
            return self.counts[f"{method} {path}"]

    def _take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if path.startswith(fault.prefix):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self.faults.remove(fault)
                    return fault
        return None

    # -- lifecycle -----------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeServer:
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- serving -------------------------------------------------------------------------
    def route(self, request: Request) -> Reply:
        for (method, prefix), handler in self.routes.items():
            if request.method == method and request.path.startswith(prefix):
                return handler(request)
        return Reply.of(
            {"error": {"message": f"no route {request.path}", "type": "not_found"}}, 404
        )

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Streamed chunks are small writes: without TCP_NODELAY, Nagle's algorithm and
            # the client's delayed ACK hold each for ~40 ms, a model "think time" no
            # real provider has at this size.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                server._serve(self)

            def do_POST(self) -> None:
                server._serve(self)

            def do_DELETE(self) -> None:
                server._serve(self)

        return Handler

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        request = Request(handler, handler.rfile.read(length) if length else b"")
        with self.lock:
            self.counts[f"{request.method} {request.path}"] += 1
        fault = self._take_fault(request.path)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay_s)
            fault = None
        if fault is not None and fault.kind in ("429", "500", "502", "503"):
            self._write(handler, _fault_reply(fault))
            return
        try:
            reply = self.route(request)
        except Exception as exc:  # a bug in a fake must show as a 500, not a dropped socket
            reply = Reply.of({"error": {"message": repr(exc), "type": "fake_error"}}, 500)
        if fault is not None:
            self._write_broken(handler, reply, fault.kind)
        else:
            self._write(handler, reply)

    def _write(self, handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        handler.send_response(reply.status)
        handler.send_header("Content-Type", reply.content_type)
        for key, value in reply.headers.items():
            handler.send_header(key, value)
        if reply.stream is not None:
            handler.send_header("Transfer-Encoding", "chunked")
            handler.end_headers()
            for chunk in reply.stream:
                _chunk(handler, chunk)
            handler.wfile.write(b"0\r\n\r\n")
            return
        handler.send_header("Content-Length", str(len(reply.body)))
        handler.end_headers()
        handler.wfile.write(reply.body)

    def _write_broken(self, handler: BaseHTTPRequestHandler, reply: Reply, kind: str) -> None:
        handler.close_connection = True
        if kind == "malformed":
            self._write(
                handler,
                Reply(
                    reply.status,
                    b'{"choices": [{"message": ',
                    headers=reply.headers,
                    content_type="application/json",
                ),
            )
            return
        handler.send_response(reply.status)
        handler.send_header("Content-Type", reply.content_type)
        if reply.stream is not None:  # half the events, then the connection dies
            handler.send_header("Transfer-Encoding", "chunked")
            handler.end_headers()
            for chunk in reply.stream[: max(1, len(reply.stream) // 2)]:
                _chunk(handler, chunk)
            return
        handler.send_header("Content-Length", str(len(reply.body)))
        handler.end_headers()
        handler.wfile.write(reply.body[: len(reply.body) // 2])


def _chunk(handler: BaseHTTPRequestHandler, data: bytes) -> None:
    handler.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
    handler.wfile.flush()


def _fault_reply(fault: Fault) -> Reply:
    status = int(fault.kind)
    error = {"error": {"message": f"injected {status}", "type": "server_error", "code": status}}
    headers = {"Retry-After": f"{fault.retry_after:g}"} if status in (429, 503) else {}
    return Reply(status, json.dumps(error).encode(), headers=headers)


def serve_main(factory: Callable[[int], FakeServer], description: str) -> None:
    """``python -m tests.fakes.<name> --port N``: serve until interrupted."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = factory(args.port)
    print(f"{description} listening on {server.url}", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()


def multipart(request: Request) -> dict[str, tuple[str | None, bytes]]:
    """The parts of a multipart/form-data body: name -> (filename, bytes)."""
    from email import policy  # noqa: PLC0415 - only the upload routes need it
    from email.message import EmailMessage  # noqa: PLC0415
    from email.parser import BytesParser  # noqa: PLC0415

    head = f"Content-Type: {request.headers.get('Content-Type', '')}\r\n\r\n".encode()
    message = BytesParser(policy=policy.default).parsebytes(head + request.body)
    assert isinstance(message, EmailMessage)
    parts: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            parts[name] = (part.get_filename(), payload)
    return parts


def tiny_mp4(seconds: float) -> bytes:
    """A real H.264 MP4 (64x64, solid colour) from the bundled ffmpeg."""
    import subprocess  # noqa: PLC0415
    import tempfile  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    import imageio_ffmpeg  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.mp4"
        subprocess.run(
            [
                imageio_ffmpeg.get_ffmpeg_exe(),
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                f"color=c=teal:s=64x64:d={max(0.1, seconds):.2f}:r=16",
                "-c:v",
                "libx264",
                "-pix_fmt",
                "yuv420p",
                "-y",
                str(out),
            ],
            check=True,
        )
        return out.read_bytes()
