"""JupyterLab server and headless Chromium for the browser tests (``pytest -m browser``).

The session starts one ``jupyter lab`` on a free loopback port with a random token and
throw-away settings, workspace, runtime, config and data directories. Its root directory
is a temporary *copy* of ``notebooks/`` (plus the fixture notebook), so running cells
writes nothing into the repository. Every process the tests start (server, kernels,
Chromium) carries a marker environment variable; at the end the whole process group is
killed and the test session fails if any marked process survives.

Environment variables:

* ``CONVLESSONS_CHROMIUM``: browser binary (default ``/usr/bin/chromium``, Debian's package).
* ``CONVLESSONS_SCREENSHOTS``: folder (relative to the repository root, or absolute) for the
  README screenshots; ``--screenshots DIR`` does the same when ``tests/browser`` is named on
  the command line.
* ``CONVLESSONS_SCREENSHOT_LESSONS``: comma-separated lesson numbers to photograph
  (default ``02,05,06,08,10,11``; ``fixture`` photographs the fixture notebook).
"""

import contextlib
import json
import os
import pathlib
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
FIXTURE_NOTEBOOK = ROOT / "tests" / "fixtures" / "browser" / "widget_fixture.ipynb"
CHROMIUM = os.environ.get("CONVLESSONS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
MARKER_VAR = "CONVLESSONS_BROWSER_TEST"
SERVER_START_TIMEOUT_S = 90
DEFAULT_SCREENSHOT_LESSONS = "02,05,06,08,10,11"

# User settings written before the server starts: render every cell (no windowing, so
# the whole notebook is in the DOM), no news or update checks, no autosave, no extension
# manager (it would query PyPI).
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/extensionmanager-extension/plugin.jupyterlab-settings": {"enabled": False},
}


def pytest_addoption(parser):
    parser.addoption(
        "--screenshots",
        action="store",
        default=None,
        metavar="DIR",
        help="browser tests: save README screenshots of lesson explorers into DIR "
        "(same as CONVLESSONS_SCREENSHOTS=DIR)",
    )


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _marked_pids(marker):
    """Pids of live processes whose environment carries ``MARKER_VAR=marker``."""
    needle = f"{MARKER_VAR}={marker}".encode()
    found = []
    proc = pathlib.Path("/proc")
    if not proc.is_dir():
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        fields = _stat_fields(entry.name)
        if fields is not None and fields[0] != "Z" and needle in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def _stat_fields(pid):
    """Fields of ``/proc/<pid>/stat`` after the command name (state is [0]), or None."""
    try:
        return pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _process_groups(pids):
    """``{pgid: leader start time}`` for the groups of ``pids`` whose leader is alive.

    The start time guards against a recycled pid: a group is ours only while its leader
    is the process we saw (or gone). pytest's own group is never included.
    """
    groups = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            pgid = os.getpgid(pid)
            leader = _stat_fields(pgid)
            if leader is not None and pgid != os.getpgrp():
                groups[pgid] = leader[19]
    return groups


def _pids_in_groups(groups):
    """Live members of our process groups (Chromium's helpers do not keep the marker)."""
    proc = pathlib.Path("/proc")
    if not groups or not proc.is_dir():
        return []
    current = {}
    for pgid, started in groups.items():
        leader = _stat_fields(pgid)
        if leader is None or leader[19] == started:  # leader gone, or still the same one
            current[pgid] = started
    found = []
    for entry in proc.iterdir():
        if entry.name.isdigit() and (fields := _stat_fields(entry.name)) is not None:
            if fields[0] != "Z" and int(fields[2]) in current:
                found.append(int(entry.name))
    return found


def _describe(pids):
    lines = []
    for pid in pids:
        try:
            cmd = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            cmd = b"?"
        lines.append(f"{pid}: {cmd.decode(errors='replace')[:160]}")
    return "\n".join(lines)


class LabServer:
    """A running JupyterLab: ``url(path)``, ``api(method, path)``, ``root_dir``, ``log``."""

    def __init__(self, port, token, root_dir, log_path, process, marker):
        self.port = port
        self.token = token
        self.root_dir = root_dir
        self.log_path = log_path
        self.process = process
        self.marker = marker
        self.groups = _process_groups([process.pid])
        self.base_url = f"http://127.0.0.1:{port}"

    def url(self, path):
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}/{path.lstrip('/')}{sep}token={self.token}"

    def api(self, method, path, timeout=10):
        request = urllib.request.Request(
            f"{self.base_url}/{path.lstrip('/')}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def track(self):
        """Remember the process groups of every marked process (server, kernels, browser)."""
        self.groups.update(_process_groups(_marked_pids(self.marker)))

    def leftovers(self):
        """Marked processes and members of tracked groups that are still alive."""
        return sorted(set(_marked_pids(self.marker)) | set(_pids_in_groups(self.groups)))

    def log_tail(self, n=4000):
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def shutdown_kernels(self):
        """Delete every session and kernel (one lesson's kernel must not outlive its test)."""
        with contextlib.suppress(OSError, ValueError):
            for session in self.api("GET", "api/sessions"):
                with contextlib.suppress(OSError):
                    self.api("DELETE", f"api/sessions/{session['id']}")
            for kernel in self.api("GET", "api/kernels"):
                with contextlib.suppress(OSError):
                    self.api("DELETE", f"api/kernels/{kernel['id']}")


def _write_settings(settings_dir):
    for relative, values in LAB_SETTINGS.items():
        path = settings_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def _stop_server(server):
    """Shut JupyterLab down politely, then kill its process group and every marked process."""
    process = server.process
    if process.poll() is None:
        with contextlib.suppress(OSError, ValueError):
            server.api("POST", "api/shutdown", timeout=5)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
    for sig, wait_s in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=wait_s)
    # Kernels run in their own sessions, so a killed server can orphan them: use the
    # marker and the process groups seen during the session.
    deadline = time.monotonic() + 10
    while (pids := server.leftovers()) and time.monotonic() < deadline:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)


def _die_with_parent():
    """In the server's child process (Linux): get SIGTERM if pytest dies without cleanup."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(f"received signal {signum}")


def _interrupt_on_sigterm():
    """Turn SIGTERM (e.g. from ``timeout`` in CI) into KeyboardInterrupt, so teardown runs.

    Returns the previous handler, or None where handlers cannot be set (not main thread).
    """
    try:
        return signal.signal(signal.SIGTERM, _raise_interrupt)
    except ValueError:
        return None


@pytest.fixture(scope="session")
def process_marker():
    """A value put in the environment of every process the browser tests start."""
    return secrets.token_hex(8)


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory, process_marker):
    """Start ``jupyter lab`` on 127.0.0.1 for the session; tear it down without leftovers."""
    base = tmp_path_factory.mktemp("jupyterlab")
    root_dir = base / "notebooks"
    shutil.copytree(
        NOTEBOOKS,
        root_dir,
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
    )
    shutil.copy2(FIXTURE_NOTEBOOK, root_dir / FIXTURE_NOTEBOOK.name)
    dirs = {name: base / name for name in ("settings", "workspaces", "runtime", "config", "data")}
    for path in dirs.values():
        path.mkdir()
    _write_settings(dirs["settings"])

    port = _free_port()
    token = secrets.token_hex(24)
    env = dict(os.environ)
    env.update(
        {
            MARKER_VAR: process_marker,
            "JUPYTERLAB_SETTINGS_DIR": str(dirs["settings"]),
            "JUPYTERLAB_WORKSPACES_DIR": str(dirs["workspaces"]),
            "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
            "JUPYTER_CONFIG_DIR": str(dirs["config"]),
            "JUPYTER_DATA_DIR": str(dirs["data"]),
            "CUDA_VISIBLE_DEVICES": "",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PATH": f"{pathlib.Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        }
    )
    # Lessons must render as for a student: no token from outside, and no headless
    # matplotlib backend (CI exports MPLBACKEND=Agg; kernels would inherit it).
    for name in ("JUPYTER_TOKEN", "MPLBACKEND"):
        env.pop(name, None)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--port-retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root_dir}",
        "--ServerApp.terminals_enabled=False",
        "--ServerApp.open_browser=False",
        "--expose-app-in-browser",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI containers run as root
        command.append("--allow-root")
    log_path = base / "jupyterlab.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            cwd=root_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
    server = LabServer(port, token, root_dir, log_path, process, process_marker)
    previous_handler = _interrupt_on_sigterm()
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"jupyter lab exited with {process.returncode}:\n{server.log_tail()}")
            try:
                server.api("GET", "api/status", timeout=2)
                break
            except (OSError, ValueError):
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"jupyter lab not ready after {SERVER_START_TIMEOUT_S} s:\n"
                        f"{server.log_tail()}"
                    )
                time.sleep(0.3)
        yield server
    finally:
        _stop_server(server)
        if previous_handler is not None:
            signal.signal(signal.SIGTERM, previous_handler)
        survivors = server.leftovers()
        assert not survivors, "processes started by the browser tests survived:\n" + _describe(
            survivors
        )


@pytest.fixture(scope="session")
def browser(lab_server, process_marker):
    """Headless Debian Chromium driven by Playwright (closed before the server stops)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}; install it with "
            "`apt-get install -y chromium` or set CONVLESSONS_CHROMIUM"
        )
    env = dict(os.environ)
    env[MARKER_VAR] = process_marker
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, env=env
        )
        lab_server.track()
        try:
            yield chromium
        finally:
            lab_server.track()
            chromium.close()


@pytest.fixture(scope="session")
def browser_context(browser):
    """One context for the session, so JupyterLab's scripts come from the HTTP cache."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    try:
        yield context
    finally:
        with contextlib.suppress(Exception):
            context.close()


@pytest.fixture
def lab_page(browser_context, lab_server):
    """A fresh page (a new JupyterLab instance); the lesson's kernel is shut down afterwards."""
    page = browser_context.new_page()
    try:
        yield page
    finally:
        lab_server.track()
        with contextlib.suppress(Exception):
            page.close()
        lab_server.shutdown_kernels()


@pytest.fixture(scope="session")
def screenshot_dir(pytestconfig):
    """Folder for README screenshots, or None when they are not requested."""
    value = pytestconfig.getoption("--screenshots", default=None) or os.environ.get(
        "CONVLESSONS_SCREENSHOTS"
    )
    if not value:
        return None
    path = pathlib.Path(value)
    if not path.is_absolute():
        path = ROOT / path
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def screenshot_lessons():
    """Lesson numbers (strings like ``"02"``, or ``"fixture"``) to photograph."""
    value = os.environ.get("CONVLESSONS_SCREENSHOT_LESSONS", DEFAULT_SCREENSHOT_LESSONS)
    return {part.strip() for part in value.split(",") if part.strip()}
