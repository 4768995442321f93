"""The runner each guest starts: it reads the input JSON on stdin, calls the user's ``main``,
and writes ``{"output": ...}`` as the last stdout line. While ``main`` runs, the user's own
prints go to stderr, so they never corrupt the answer. Attempts outside the sandbox's grant
(files outside /scratch, sockets, processes, threads) raise a denial the runner reports with
exit status 72; a memory failure exits 71; any other exception 70. The WASI capabilities are
the boundary; the runner only turns what they refuse into a precise error code.

The Python runner exchanges Python literals, not JSON text: importing ``json`` (and ``re``
with it) costs a third of CPython's start in wasm. The host writes ``repr`` of the JSON input
and reads the answer with ``ast.literal_eval`` (literals only), then checks it is JSON."""

from __future__ import annotations

EXIT_FAILED = 70
EXIT_MEMORY = 71
EXIT_DENIED = 72
SKILL_DIR = "/skill"
SCRATCH_DIR = "/scratch"

PYTHON_RUNNER = r"""
import sys
_DENY = ("socket.", "subprocess.", "os.system", "os.exec", "os.fork", "os.posix_spawn",
         "os.spawn", "_thread.start_new_thread", "os.kill", "ctypes.", "os.putenv", "os.chdir")
_READ_OK = tuple(p for p in sys.path if p.startswith("/"))
_READ_OK += (sys.prefix + "/", "/scratch/", "/skill/")
import os as _os
_ACCESS = _os.O_WRONLY | _os.O_RDWR  # WASI: O_RDWR = O_RDONLY | O_WRONLY (own bits)
_CHANGES = _os.O_CREAT | _os.O_APPEND | _os.O_TRUNC
def _writes(flags):
    return (flags & _ACCESS) not in (0, _os.O_RDONLY) or bool(flags & _CHANGES)
_NO_MODULES = {"socket", "ssl", "select", "subprocess", "posixsubprocess", "ctypes",
               "multiprocessing", "thread", "threading", "asyncio", "urllib", "http"}
_NO_OS = {"fork", "forkpty", "execv", "execve", "spawnv", "posix_spawn", "system", "kill"}
class SandboxDenied(Exception):
    pass
def _audit(event, args):
    if event == "open" and args and isinstance(args[0], str):
        path, mode = args[0], args[1] or ""
        flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
        write = any(c in str(mode) for c in "wax+") or _writes(flags)
        ok = path.startswith("/scratch/") if write else path.startswith(_READ_OK)
        if not ok:
            raise SandboxDenied(f"file {path!r} is outside the sandbox")
    elif event.startswith(_DENY):
        raise SandboxDenied(f"{event} is not allowed in the sandbox")
def _emit(code, obj):
    sys.__stdout__.write(repr(obj) + "\n")
    sys.__stdout__.flush()
    raise SystemExit(code)
def _run():
    payload = eval(sys.stdin.read() or "None", {"__builtins__": {}})  # the host's literal
    source = open("/skill/main.py", encoding="utf-8").read()
    scope = {"__name__": "user_skill"}
    sys.addaudithook(_audit)
    sys.stdout = sys.stderr
    try:
        exec(compile(source, "main.py", "exec"), scope)
        main = scope.get("main")
        if not callable(main):
            _emit(70, {"error": "the skill defines no main(input) function"})
        result = main(payload)
    except MemoryError:
        _emit(71, {"error": "MemoryError"})
    except SandboxDenied as exc:
        _emit(72, {"error": str(exc)})
    except PermissionError as exc:
        _emit(72, {"error": f"{type(exc).__name__}: {exc}"})
    except AttributeError as exc:  # WASI's CPython lacks os.fork, _socket.getaddrinfo...
        mod = getattr(getattr(exc, "obj", None), "__name__", "")
        denied = mod.lstrip("_") in _NO_MODULES or (mod == "os" and exc.name in _NO_OS)
        _emit(72 if denied else 70, {"error": f"{type(exc).__name__}: {exc}"})
    except ImportError as exc:
        denied = (exc.name or "").lstrip("_") in _NO_MODULES
        _emit(72 if denied else 70, {"error": f"{type(exc).__name__}: {exc}"})
    except RecursionError as exc:
        _emit(70, {"error": f"RecursionError: {exc}"})
    except Exception as exc:
        if isinstance(exc, OSError) and exc.errno in (1, 13, 38, 52, 58, 63, 76):
            _emit(72, {"error": f"{type(exc).__name__}: {exc}"})
        _emit(70, {"error": f"{type(exc).__name__}: {exc}"})
    sys.stdout = sys.__stdout__
    try:
        text = repr({"output": result})
    except Exception as exc:
        _emit(70, {"error": f"the output cannot be written: {exc}"})
    sys.__stdout__.write(text + "\n")
    sys.__stdout__.flush()
_run()
"""

JS_RUNNER = r"""
const rawStd = globalThis.std, rawOs = globalThis.os;  // --std: the QuickJS std/os globals
const std = Object.assign({}, rawStd), os = Object.assign({}, rawOs);
class SandboxDenied extends Error {}
const inside = (p, write) => {
  const s = String(p);
  return s.startsWith("/scratch/") || (!write && s.startsWith("/skill/"));
};
const guard = (obj, name, isWrite) => {
  const f = obj[name];
  if (typeof f !== "function") return;
  obj[name] = (...args) => {
    if (!inside(args[0], isWrite(args[1]))) {
      throw new SandboxDenied(`file ${args[0]} is outside the sandbox`);
    }
    return f(...args);
  };
};
const writes = (m) => typeof m === "string" ? /[wa+]/.test(m) : (m | 0) !== 0;
guard(std, "open", writes); guard(std, "loadFile", () => false);
guard(os, "open", writes); guard(os, "readdir", () => false); guard(os, "stat", () => false);
const deny = (name) => () => { throw new SandboxDenied(`${name} is not allowed in the sandbox`); };
for (const name of ["exec", "Worker", "setReadHandler", "kill", "signal", "symlink"]) {
  os[name] = deny(name);
}
std.popen = deny("popen");
std.getenviron = () => ({});
globalThis.std = std; globalThis.os = os;
const out = rawStd.out, err = rawStd.err;
const emit = (code, obj) => {
  out.puts(JSON.stringify(obj) + "\n"); out.flush(); rawStd.exit(code);
};
const toErr = (...a) => { err.puts(a.join(" ") + "\n"); };
globalThis.print = toErr;
globalThis.console = { log: toErr, error: toErr, warn: toErr, info: toErr };
const fail = (e) => {
  if (e instanceof SandboxDenied) emit(72, { error: String(e.message) });
  if (String(e).includes("out of memory")) emit(71, { error: "out of memory" });
  emit(70, { error: String(e) });
};
const run = (user) => {
  let result;
  try {
    const fn = user.main ?? user.default ?? globalThis.main;
    if (typeof fn !== "function") emit(70, { error: "the skill exports no main(input) function" });
    result = fn(JSON.parse(rawStd.in.readAsString() || "null"));
  } catch (e) { fail(e); }
  let text;
  try { text = JSON.stringify({ output: result === undefined ? null : result }); }
  catch (e) { emit(70, { error: "the output is not JSON: " + e }); }
  out.puts(text + "\n"); out.flush();
};
import("/skill/main.js").then(run, fail);
"""
