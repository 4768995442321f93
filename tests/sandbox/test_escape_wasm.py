"""The escape suite, WASM tier: each attempt ends with its own error code and the host is
unaffected (no file read or written outside, no connection accepted, no processes, bounded
memory, seconds not minutes)."""

from __future__ import annotations

import resource
import socket
import time
from pathlib import Path

import pytest

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.sandbox.engine import WasmEngine
from nexus.sandbox.runtimes import WasmLanguage
from nexus.sandbox.wasm import run_wasm
from tests.sandbox.conftest import LIMITS

pytestmark = pytest.mark.timeout(60)


def attempt(engine: WasmEngine, language: WasmLanguage, source: str) -> NexusError:
    # Contained: the sandbox's own error, never a hang (the module's pytest timeout bounds it;
    # no wall-clock assertion, which a loaded machine would break).
    with pytest.raises(NexusError) as caught:
        run_wasm(engine, language, source, {}, LIMITS)
    return caught.value


def py(body: str) -> str:
    return "def main(data):\n" + "".join(f"    {line}\n" for line in body.splitlines())


def test_read_outside_scratch(wasm_engine: WasmEngine, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("host-secret-42")
    for lang, src in [
        ("python", py(f"return open({str(secret)!r}).read()")),
        ("javascript", f"export function main() {{ return std.loadFile({str(secret)!r}); }}"),
    ]:
        err = attempt(wasm_engine, lang, src)  # type: ignore[arg-type]
        assert err.code == ErrorCode.SANDBOX_DENIED, (lang, err)
        assert "host-secret-42" not in str(err) + str(err.extra)


def test_read_outside_bypassing_the_runner(wasm_engine: WasmEngine, tmp_path: Path) -> None:
    """Under the runner's audit hook, WASI itself grants nothing: os.open of a host path has
    no preopened dir to resolve against (the hook is courtesy, the capability is the wall)."""
    secret = tmp_path / "secret.txt"
    secret.write_text("host-secret-43")
    src = py(
        "import sys, os\n"
        "sys.modules.clear if False else None\n"
        f"fd = os.open({str(secret)!r}, os.O_RDONLY)\n"
        "return os.read(fd, 100).decode()"
    )
    err = attempt(wasm_engine, "python", src)
    assert err.code == ErrorCode.SANDBOX_DENIED
    assert "host-secret-43" not in str(err) + str(err.extra)


def test_write_outside_scratch(wasm_engine: WasmEngine, tmp_path: Path) -> None:
    target = tmp_path / "escaped.txt"
    for lang, src in [
        ("python", py(f"open({str(target)!r}, 'w').write('x')")),
        ("javascript", f"export function main() {{ std.open({str(target)!r}, 'w').puts('x'); }}"),
    ]:
        err = attempt(wasm_engine, lang, src)  # type: ignore[arg-type]
        assert err.code == ErrorCode.SANDBOX_DENIED, (lang, err)
        assert not target.exists()


def test_network_connect(wasm_engine: WasmEngine) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    src = py(f"import socket\ns = socket.create_connection(('127.0.0.1', {port}))\nreturn 1")
    try:
        err = attempt(wasm_engine, "python", src)
        assert err.code == ErrorCode.SANDBOX_DENIED
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected
    finally:
        listener.close()


def _pids() -> int:
    return sum(1 for p in Path("/proc").iterdir() if p.name.isdigit())


@pytest.mark.parametrize(
    ("lang", "src"),
    [
        ("python", py("import os\nwhile True:\n    os.fork()")),
        ("python", py("import subprocess\nsubprocess.run(['sh', '-c', 'id'])")),
        (
            "python",
            py("import threading\nwhile True:\n    threading.Thread(target=lambda: None).start()"),
        ),
        ("javascript", "export function main() { while (true) os.exec(['/bin/sh', '-c', 'id']); }"),
    ],
    ids=["py-fork-bomb", "py-subprocess", "py-thread-bomb", "js-exec"],
)
def test_process_and_thread_bombs(wasm_engine: WasmEngine, lang: WasmLanguage, src: str) -> None:
    before = _pids()
    err = attempt(wasm_engine, lang, src)
    assert err.code == ErrorCode.SANDBOX_DENIED
    assert _pids() <= before + 5  # other engineers' processes come and go; no bomb here


@pytest.mark.parametrize(
    ("lang", "src"),
    [
        ("python", py("a = []\nwhile True:\n    a.append(bytearray(1 << 20))")),
        (
            "javascript",
            "export function main() { const a = [];"
            " while (true) a.push(new ArrayBuffer(1 << 20)); }",
        ),
    ],
    ids=["python", "javascript"],
)
def test_memory_balloon(wasm_engine: WasmEngine, lang: WasmLanguage, src: str) -> None:
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    err = attempt(wasm_engine, lang, src)
    assert err.code == ErrorCode.SANDBOX_MEMORY
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    assert grown_kb < (LIMITS.memory_bytes >> 10) + 64 * 1024  # the cap, plus slack


@pytest.mark.parametrize(
    ("lang", "src"),
    [
        ("python", py("while True:\n    pass")),
        ("python", py("import time\ntime.sleep(10_000)")),
        ("python", py("import time\nt = time.time()\nwhile time.time() < t + 3600:\n    pass")),
        ("python", py("import time\nwhile True:\n    time.sleep(0.001)")),
        ("javascript", "export function main() { while (true) {} }"),
        ("javascript", "export function main() { os.sleep(10000000); }"),
        (
            "javascript",
            "export function main() { const t = Date.now(); while (Date.now() < t + 3.6e6) {} }",
        ),
    ],
    ids=[
        "py-loop",
        "py-sleep",
        "py-busy-clock",
        "py-many-sleeps",
        "js-loop",
        "js-sleep",
        "js-busy-clock",
    ],
)
def test_time_abuse_meets_the_deadline(
    wasm_engine: WasmEngine, lang: WasmLanguage, src: str
) -> None:
    started = time.monotonic()
    err = attempt(wasm_engine, lang, src)
    assert err.code == ErrorCode.SANDBOX_TIMEOUT
    assert time.monotonic() - started >= LIMITS.wall_s * 0.9


@pytest.mark.parametrize(
    ("lang", "src"),
    [
        ("python", py("return 'x' * (8 << 20)")),
        ("python", py("while True:\n    print('y' * 4096)")),
        ("javascript", "export function main() { return 'x'.repeat(8 << 20); }"),
        ("javascript", "export function main() { while (true) console.log('y'.repeat(4096)); }"),
    ],
    ids=["py-return", "py-print", "js-return", "js-print"],
)
def test_huge_output(wasm_engine: WasmEngine, lang: WasmLanguage, src: str) -> None:
    err = attempt(wasm_engine, lang, src)
    assert err.code == ErrorCode.SANDBOX_OUTPUT_TOO_LARGE


def test_environment_secrets_are_absent(
    wasm_engine: WasmEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEXUS_TEST_SECRET", "env-secret-99")
    out = run_wasm(wasm_engine, "python", py("import os\nreturn dict(os.environ)"), {}, LIMITS)
    assert out.output == {}
    out = run_wasm(
        wasm_engine, "javascript", "export function main() { return std.getenviron(); }", {}, LIMITS
    )
    assert out.output == {}
    err = attempt(wasm_engine, "python", py("import os\nreturn os.environ['NEXUS_TEST_SECRET']"))
    assert err.code == ErrorCode.SANDBOX_CRASHED
    assert "env-secret-99" not in str(err) + str(err.extra)


def test_scratch_is_usable_and_private(wasm_engine: WasmEngine) -> None:
    src = py("open('/scratch/a.txt', 'w').write('hi')\nreturn open('/scratch/a.txt').read()")
    assert run_wasm(wasm_engine, "python", src, {}, LIMITS).output == "hi"
    again = py("import os\nreturn os.listdir('/scratch')")
    assert run_wasm(wasm_engine, "python", again, {}, LIMITS).output == []  # a new one per run


def test_the_host_still_works_after_the_suite(wasm_engine: WasmEngine) -> None:
    out = run_wasm(wasm_engine, "python", py("return data['n'] * 2"), {"n": 21}, LIMITS)
    assert out.output == 42


@pytest.mark.parametrize(
    ("lang", "src"),
    [
        (
            "python",
            "import sys\nSEEN = []\n"
            "def main(data):\n"
            "    SEEN.append(data['n'])\n"
            "    sys.modules.setdefault('nexus_leak', type(sys)('nexus_leak')).n = data['n']\n"
            "    import builtins\n"
            "    before = getattr(builtins, 'nexus_leak', None)\n"
            "    builtins.nexus_leak = data['n']\n"
            "    return {'seen': SEEN, 'before': before}\n",
        ),
        (
            "javascript",
            "export function main(data) {\n"
            "  const before = globalThis.nexusLeak === undefined ? null : globalThis.nexusLeak;\n"
            "  globalThis.nexusLeak = data.n;\n"
            "  globalThis.seen = (globalThis.seen || []).concat([data.n]);\n"
            "  return { seen: globalThis.seen, before };\n"
            "}",
        ),
    ],
    ids=["python", "javascript"],
)
def test_no_state_survives_from_one_call_to_the_next(
    wasm_engine: WasmEngine, lang: WasmLanguage, src: str
) -> None:
    """Module globals, interpreter-wide state (builtins, sys.modules, globalThis): each call
    starts from the pristine module, the same skill of the same tenant included."""
    for n in (1, 2, 3):
        out = run_wasm(wasm_engine, lang, src, {"n": n}, LIMITS).output
        assert out == {"seen": [n], "before": None}
