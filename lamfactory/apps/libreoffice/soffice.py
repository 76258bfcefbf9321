"""One private soffice process: start, connect over a unique UNO pipe, call with a watchdog, restart, kill.

- `SAL_USE_VCLPLUGIN=svp` and no `--headless`: dialogs really open (headless cancels them), no X server.
- soffice.bin is exec'd directly (not the shell wrapper) in its own process group, with PR_SET_PDEATHSIG so
  it dies with us even on SIGKILL; `atexit` kills every group we started for the ordinary exits.
- Every UNO call runs in a worker thread with a timeout; on timeout the process is killed and the
  caller gets `OfficeDied`, so a hung soffice can never hang an episode.
- The in-process bridge: the entry script inprocess.py goes to the profile's user/Scripts/python/SCRIPT_NAME,
  the helper modules (bridge/lam_*.py and the application's bridge folder, e.g. apps/writer/bridge) flat into
  user/Scripts/python/pythonpath/, which the script provider puts on sys.path. Each start rewrites a file
  whose content differs (and drops its cached bytecode), so a stale copy in a reused profile is refreshed.
- Recycling: soffice's resident memory grows with the episodes it serves. Measured on 7.4 (benchmarks/soak.py,
  150 mixed episodes, no recycling): 117 MB per 100 episodes, of which the bridge's own share was pyuno's
  leak of every attribute lookup on a UNO proxy (~75 bytes each, ~80 KB per tree walk; lam_ctx.call avoids
  it on the hot paths): 87 MB per 100 since. The rest is LibreOffice's: plain load+close of a small .docx
  through UNO alone keeps ~0.25 MB per document, showing its window more, and dialogs and menus an episode
  opens more again, none of it given back while the process lives. So before opening a document, a soffice
  that has opened RECYCLE_DOCUMENTS of them or holds more than RECYCLE_RSS_MB is renewed: a fresh process,
  the same profile. Both are configurable (LAM_SOFFICE_RECYCLE_DOCUMENTS, LAM_SOFFICE_RECYCLE_RSS_MB; 0
  turns one off); the soak reports each window's peak and their slope.
"""

from __future__ import annotations

import atexit
import ctypes
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any, Callable, Optional

from lamfactory.core.app import AppCrashed

if "/usr/lib/python3/dist-packages" not in sys.path:
    sys.path.append("/usr/lib/python3/dist-packages")


def import_uno():
    """Import pyuno without keeping its import hook: the hook turns every ModuleNotFoundError into a plain
    ImportError, which breaks libraries that probe optional modules (tqdm, accelerate, transformers)
    imported later in the same process. UNO types are reached with uno.getClass instead."""
    import builtins

    before = builtins.__import__
    import uno

    builtins.__import__ = before
    return uno

SOFFICE_BIN = os.environ.get("LAM_SOFFICE_BIN", "/usr/lib/libreoffice/program/soffice.bin")
INPROCESS_SCRIPT = Path(__file__).with_name("inprocess.py")
BRIDGE_DIR = Path(__file__).with_name("bridge")  # the generic helper modules of the entry script
SCRIPT_NAME = "lamfactory_inprocess.py"
SCRIPT_URI = f"vnd.sun.star.script:{SCRIPT_NAME}$lam_call?language=Python&location=user"
CONNECT_TIMEOUT_S = 30.0
CALL_TIMEOUT_S = 8.0  # a healthy call takes < 1 s even under load; anything this slow is a hang (e.g. a dialog that blocks its caller)
WINDOW_SIZE = (1600, 1000)  # wide enough that the standard toolbars do not overflow
RECYCLE_DOCUMENTS = int(os.environ.get("LAM_SOFFICE_RECYCLE_DOCUMENTS", "200"))  # a renewal costs ~1-2 s
RECYCLE_RSS_MB = float(os.environ.get("LAM_SOFFICE_RECYCLE_RSS_MB", "1000"))  # a fresh soffice holds ~200 MB

PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL("libc.so.6", use_errno=True)  # loaded here: dlopen after fork is unsafe
_LIVE_GROUPS: set[int] = set()  # process groups (= soffice pids) started by this Python process
_STARTED: set[int] = set()
_PROFILES: set[Path] = set()  # private profile dirs to remove at exit (after their soffice is killed)


EXIT_RESTART = 81  # soffice's "restart me" exit code (first start of a new profile)


class _RestartRequested(Exception):
    pass


class OfficeDied(AppCrashed):
    """soffice crashed, hung past the watchdog, or the bridge broke; the caller may restart and retry."""


def kill_all_started() -> None:
    """Kill every soffice this Python process started (atexit does this too)."""
    for pgid in list(_LIVE_GROUPS):
        _kill_group(pgid)


def _at_exit() -> None:
    kill_all_started()
    for profile in list(_PROFILES):
        shutil.rmtree(profile, ignore_errors=True)


def started_alive(wait_s: float = 3.0) -> list[int]:
    """Pids started by this process that still exist after up to `wait_s` (a SIGKILL takes a moment)."""
    deadline = time.monotonic() + wait_s
    alive = list(_STARTED)
    while alive:
        alive = [pid for pid in alive if _exists(pid)]
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return alive


def _exists(pid: int) -> bool:
    try:
        if os.waitpid(pid, os.WNOHANG) != (0, 0):
            return False  # reaped just now
    except ChildProcessError:
        pass  # not our child any more, or already reaped
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    _LIVE_GROUPS.discard(pgid)


atexit.register(_at_exit)


def _child_setup() -> None:  # runs in the child between fork and exec
    os.setsid()
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class Office:
    """A running soffice with a private profile; `call(fn)` runs fn(self) under the watchdog.

    `app_module`: the application's document module for the in-process bridge (e.g. apps/writer/bridge/
    lam_writer_doc.py); it and the other .py files of its folder are installed beside the generic helpers,
    and every `inprocess` request names it."""

    def __init__(self, call_timeout_s: float = CALL_TIMEOUT_S, app_module: Optional[Path] = None):
        self.call_timeout_s = call_timeout_s
        self.app_module = Path(app_module) if app_module is not None else None
        self.proc: Optional[subprocess.Popen] = None
        self.profile = Path(tempfile.mkdtemp(prefix="lam-soffice-"))
        _PROFILES.add(self.profile)
        self.pipe = f"lam_{os.getpid()}_{uuid.uuid4().hex[:10]}"
        self.ctx = self.smgr = self.desktop = self.script = None
        self._pool: Optional[ThreadPoolExecutor] = None
        self.starts = 0
        self.documents = 0  # documents opened by the running process
        self.recycles = 0  # renewals for memory (recycle_if_due), not counted as crashes by the environments

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start soffice and connect. Must be called from a long-lived thread (PDEATHSIG follows the
        thread that forked)."""
        self.kill()
        self._install_scripts()
        # Every start begins from the same settings: UI state a killed soffice saved (a hidden toolbar, a view
        # option) must not survive into the restarted one.
        (self.profile / "user" / "registrymodifications.xcu").write_text(_registry_xcu(), encoding="utf-8")
        env = _office_environment()
        args = [SOFFICE_BIN, f"-env:UserInstallation={self.profile.as_uri()}",
                f"--accept=pipe,name={self.pipe};urp;StarOffice.ComponentContext",
                "--norestore", "--nologo", "--nodefault", "--nolockcheck", "--nofirststartwizard"]
        for _ in range(3):
            self.proc = subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, preexec_fn=_child_setup)
            _LIVE_GROUPS.add(self.proc.pid)
            _STARTED.add(self.proc.pid)
            try:
                self._connect()
                break
            except _RestartRequested:  # a fresh profile's first run exits 81 and asks to be started again
                _LIVE_GROUPS.discard(self.proc.pid)
            except Exception as e:  # killed while connecting: the first calls meet a disposed bridge
                if isinstance(e, OfficeDied) or not (_is_bridge_error(e) or not self.alive()):
                    raise
                self.kill()
                raise OfficeDied(f"soffice died during start-up: {type(e).__name__}: {e}") from None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="uno-call")
        self.starts += 1
        self.documents = 0

    def recycle_if_due(self) -> None:
        """Renew soffice when it has opened RECYCLE_DOCUMENTS documents or holds more than RECYCLE_RSS_MB
        (see the module's note); called before a document is opened, when nothing of an episode is lost."""
        rss = rss_mb(self.pid) if self.alive() else None
        if (RECYCLE_DOCUMENTS and self.documents >= RECYCLE_DOCUMENTS) or (
                RECYCLE_RSS_MB and rss is not None and rss > RECYCLE_RSS_MB):
            self.start()
            self.recycles += 1

    def helper_files(self) -> list[Path]:
        """The entry script's helper modules: the generic bridge's and the application's bridge folder's."""
        files = sorted(BRIDGE_DIR.glob("*.py"))
        if self.app_module is not None:
            files += sorted(self.app_module.parent.glob("*.py"))
        names = [f.name for f in files]
        if len(set(names)) != len(names):
            raise ValueError(f"bridge helper modules must have distinct names (installed flat): {names}")
        return files

    def _install_scripts(self) -> None:
        scripts = self.profile / "user" / "Scripts" / "python"
        pythonpath = scripts / "pythonpath"
        pythonpath.mkdir(parents=True, exist_ok=True)
        _install(INPROCESS_SCRIPT, scripts / SCRIPT_NAME)
        helpers = self.helper_files()
        for src in helpers:
            _install(src, pythonpath / src.name)
        wanted = {src.name for src in helpers}
        for old in pythonpath.glob("*.py"):  # a helper an older version installed
            if old.name not in wanted:
                old.unlink()
                _drop_bytecode(old)

    def _connect(self) -> None:
        uno = import_uno()
        NoConnectException = uno.getClass("com.sun.star.connection.NoConnectException")

        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + CONNECT_TIMEOUT_S
        while True:
            if self.proc.poll() is not None:
                if self.proc.returncode == EXIT_RESTART:
                    raise _RestartRequested()
                raise OfficeDied(f"soffice exited with code {self.proc.returncode} during start-up")
            try:
                self.ctx = resolver.resolve(f"uno:pipe,name={self.pipe};urp;StarOffice.ComponentContext")
                break
            except NoConnectException:
                if time.monotonic() > deadline:
                    self.kill()
                    raise OfficeDied(f"could not connect to soffice within {CONNECT_TIMEOUT_S:.0f} s")
                time.sleep(0.05)
        self.smgr = self.ctx.ServiceManager
        self.desktop = self.smgr.createInstanceWithContext("com.sun.star.frame.Desktop", self.ctx)
        factory = self.smgr.createInstanceWithContext(
            "com.sun.star.script.provider.MasterScriptProviderFactory", self.ctx)
        self.script = factory.createScriptProvider("").getScript(SCRIPT_URI)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> Optional[int]:
        return self.proc.pid if self.proc else None

    def kill(self) -> None:
        if self.proc is not None:
            _kill_group(self.proc.pid)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            self.proc = None
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        self.ctx = self.smgr = self.desktop = self.script = None

    def close(self) -> None:
        """Terminate politely (fast), then make sure the whole group is gone; remove the profile."""
        if self.alive() and self.desktop is not None:
            try:
                self.call(lambda o: o.desktop.terminate(), timeout_s=5)
            except Exception:
                pass
        self.kill()
        shutil.rmtree(self.profile, ignore_errors=True)
        _PROFILES.discard(self.profile)

    # ------------------------------------------------------------ calls

    def call(self, fn: Callable[["Office"], Any], timeout_s: Optional[float] = None) -> Any:
        """Run fn(self) with the watchdog. Raises OfficeDied when soffice is dead, hung or disconnected."""
        if not self.alive() or self._pool is None:
            raise OfficeDied("soffice is not running")
        future = self._pool.submit(fn, self)
        try:
            return future.result(timeout=timeout_s or self.call_timeout_s)
        except FutureTimeout:
            pid = self.pid
            self.kill()
            raise OfficeDied(f"soffice (pid {pid}) did not answer within {timeout_s or self.call_timeout_s:.0f} s;"
                             " killed") from None
        except Exception as e:
            if _is_bridge_error(e) or not self.alive():
                self.kill()
                raise OfficeDied(f"soffice connection lost: {type(e).__name__}: {e}") from e
            raise

    def inprocess(self, request: dict, timeout_s: Optional[float] = None) -> dict:
        """One call into the in-process script: {"ops": [...], "observe": bool, "canvas": bool}."""
        if self.app_module is None:
            raise ValueError("in-process calls need the application's bridge module: Office(app_module=...)")
        opens = any(op.get("op") == "load" for op in request.get("ops", ()))
        if opens:
            self.recycle_if_due()
            self.documents += 1
        request = {"app": self.app_module.stem, **request}
        text = json.dumps(request)
        out = self.call(lambda o: o.script.invoke((text,), (), ())[0], timeout_s)
        return json.loads(out)


def rss_mb(pid: Optional[int]) -> Optional[float]:
    """A process's resident memory in MB (None when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _install(src: Path, dst: Path) -> None:
    """Copy src to dst unless dst already holds the same content (sha256). The copy is a fresh write (a new
    mtime), and dst's cached bytecode goes: Python trusts a .pyc whose recorded source mtime and size match,
    which a changed file copied with its mtime kept (or within the same second, at the same size) would."""
    data = src.read_bytes()
    if dst.exists() and hashlib.sha256(dst.read_bytes()).digest() == hashlib.sha256(data).digest():
        return
    tmp = dst.with_name(dst.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, dst)
    _drop_bytecode(dst)


def _drop_bytecode(source: Path) -> None:
    for pyc in (source.parent / "__pycache__").glob(f"{source.stem}.*.pyc"):
        pyc.unlink(missing_ok=True)


# Profile settings: no background work that makes idle-waits slow or pops up dialogs in an episode.
SETTINGS = [
    ("/org.openoffice.Office.Linguistic/SpellChecking", "IsSpellAuto", "boolean", "false"),
    ("/org.openoffice.Office.Common/Misc", "ShowTipOfTheDay", "boolean", "false"),
    ("/org.openoffice.Office.Common/Misc", "FirstRun", "boolean", "false"),
    ("/org.openoffice.Office.Common/Save/Document", "WarnAlienFormat", "boolean", "false"),
    ("/org.openoffice.Office.Recovery/AutoSave", "Enabled", "boolean", "false"),
    ("/org.openoffice.Office.Recovery/RecoveryInfo", "Enabled", "boolean", "false"),
    ("/org.openoffice.Office.Writer/AutoFunction/Completion", "Enable", "boolean", "false"),
    ("/org.openoffice.Office.Common/Help/HelpAgent", "Enabled", "boolean", "false"),
    ("/org.openoffice.Setup/Product", "ooSetupLastVersion", "string", "7.4"),
    ("/org.openoffice.Office.Writer/Layout/Other", "MeasureUnit", "int", "2"),  # centimetres in dialogs
    ("/org.openoffice.Office.Calc/Layout/Other/MeasureUnit", "Metric", "int", "2"),  # centimetres in dialogs
    ("/org.openoffice.Office.Calc/Layout/Other/MeasureUnit", "NonMetric", "int", "2"),  # (en-US reads this one)
    # files written by openpyxl carry no cached results: recalculate on load (0 = always) instead of asking
    ("/org.openoffice.Office.Calc/Formula/Load", "OOXMLRecalcMode", "int", "0"),
    ("/org.openoffice.Office.Calc/Formula/Load", "ODFRecalcMode", "int", "0"),
]


def _office_environment() -> dict[str, str]:
    """Our environment minus what misleads soffice's embedded Python: with an activated venv first on PATH
    it takes the venv's interpreter as its home, fails to import its own modules ("can't import __main__
    module") and the script provider never loads."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join(d for d in env.get("PATH", "").split(os.pathsep)
                                  if d and not (Path(d).parent / "pyvenv.cfg").exists())
    env.update(SAL_USE_VCLPLUGIN="svp", SAL_NO_NWF="1")
    return env


def _registry_xcu() -> str:
    items = "\n".join(f'<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse"><value>{value}</value>'
                      f"</prop></item>" for path, name, _, value in SETTINGS)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
            'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
            f"{items}\n</oor:items>\n")


def _is_bridge_error(e: Exception) -> bool:
    """pyuno names its exception classes by the full UNO name, e.g. 'com.sun.star.lang.DisposedException'."""
    name = type(e).__name__.rsplit(".", 1)[-1]
    message = str(e).lower()
    return name == "DisposedException" or (
        name == "RuntimeException" and any(w in message for w in ("dispose", "bridge", "connection")))
