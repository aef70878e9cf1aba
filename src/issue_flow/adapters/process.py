"""A shell command run in its own process group, its output logged, with a timeout.

Why an adapter: starting a process, watching it, ending it and its children (SIGTERM,
then SIGKILL), and keeping tokens out of what it prints are operating-system work that
says nothing about gates. :mod:`issue_flow.workflows.gate_run` decides what to run and
what the result means; this module only runs it. Split from ``workflows/gate.py``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Callable

from issue_flow import fsutil


class Clock:
    """Time as the gate runner sees it; tests pass one that does not wait."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


REAL_CLOCK = Clock()
POLL_SECONDS = 0.05  # how often a running command is looked at
TAIL_LINES = 20  # lines of the log shown when a command fails


class Terminated(Exception):
    """SIGTERM arrived while a command ran."""


class NotStarted(Exception):
    """The command could not be started (its ``strerror`` says why)."""

    def __init__(self, strerror: str | None):
        super().__init__(strerror)
        self.strerror = strerror


def kill_group(proc: subprocess.Popen) -> None:
    """End the command's whole process group: SIGTERM, then SIGKILL after 5 s."""
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def end_group(pgid: int) -> None:
    """Processes the command left behind in its group (a server it started) are ended too."""
    try:
        os.killpg(pgid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass


def environment() -> dict[str, str]:
    """The environment of a command: ours without the GitHub token.

    Test runners and linters do not need it, and a verbose one that prints its
    environment would otherwise write the token into its log.
    """
    from issue_flow.tokens import VARS

    return {k: v for k, v in os.environ.items() if k not in VARS}


def secrets() -> list[bytes]:
    """The token values to keep out of logs (none when no token is set)."""
    from issue_flow import tokens

    return [s.encode() for s in tokens.secrets()]


def redact_bytes(data: bytes, tokens: list[bytes]) -> bytes:
    from issue_flow.tokens import redact_bytes as redact

    return redact(data) if tokens else data


def redact_file(path: Path) -> None:
    """Replace any GitHub token found in a log file by ``***`` (belt and braces)."""
    tokens = secrets()
    if not tokens:
        return
    data = path.read_bytes()
    clean = redact_bytes(data, tokens)
    if clean != data:
        fsutil.atomic_write(path, clean)


def tail(text: str, lines: int = TAIL_LINES) -> list[str]:
    rows = [row.rstrip() for row in text.splitlines()]
    while rows and not rows[-1]:
        rows.pop()
    return rows[-lines:]


def run_logged(
    command: str,
    *,
    cwd: Path,
    log: Path,
    timeout: float,
    label: str,
    say: Callable[[str], None],
    clock: Clock,
    progress_every: float,
    verbose: bool = False,
    tokens: list[bytes] | None = None,
) -> tuple[int | None, bool, float]:
    """Run ``command`` (a shell line) in ``cwd``, its output written to ``log``.

    Returns (exit code, timed out, seconds elapsed). With ``verbose`` each line also goes
    to ``say`` (redacted); ``say`` hears "LABEL: running, Ns" every ``progress_every``
    seconds. The command has its own process group: a timeout, Ctrl-C or a SIGTERM sent
    to us ends it and its children; SIGTERM then raises :class:`Terminated`, Ctrl-C
    ``KeyboardInterrupt``. A command that cannot start raises :class:`NotStarted`.
    """
    import threading

    tokens = tokens or []
    timed_out = False
    start = clock.now()
    # The SIGTERM handler goes in before the command starts: a SIGTERM that arrives while
    # it starts still ends its group instead of leaving it running without us.
    old_handler = None
    main_thread = threading.current_thread() is threading.main_thread()
    if main_thread:
        def on_term(signum: int, frame: Any) -> None:
            raise Terminated()

        old_handler = signal.signal(signal.SIGTERM, on_term)
    proc: subprocess.Popen | None = None
    try:
        with open(log, "wb") as fh:
            try:
                proc = subprocess.Popen(
                    command,
                    shell=True,
                    cwd=cwd,
                    env=environment(),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            except OSError as exc:
                raise NotStarted(exc.strerror) from None
            started = proc

            def pump() -> None:
                assert started.stdout is not None
                for line in iter(started.stdout.readline, b""):
                    fh.write(line)
                    fh.flush()
                    if verbose:
                        say("  " + redact_bytes(line, tokens).decode("utf-8", "replace").rstrip("\r\n"))

            reader = threading.Thread(target=pump, name=f"{label}-output", daemon=True)
            reader.start()
            try:
                next_note = start + progress_every
                while True:
                    code = proc.poll()
                    if code is not None:
                        break
                    now = clock.now()
                    if now - start >= timeout:
                        timed_out = True
                        kill_group(proc)
                        code = proc.returncode
                        break
                    if now >= next_note:
                        say(f"{label}: running, {now - start:.0f}s")
                        next_note = now + progress_every
                    clock.sleep(POLL_SECONDS)
            except (KeyboardInterrupt, Terminated):
                kill_group(proc)
                reader.join(timeout=5)
                raise
            reader.join(timeout=2)
            if reader.is_alive():  # something the command started still holds its output open
                end_group(proc.pid)
                reader.join(timeout=5)
    except (KeyboardInterrupt, Terminated):
        if proc is not None and proc.poll() is None:  # the signal came while it was starting
            kill_group(proc)
        raise
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, old_handler if old_handler is not None else signal.SIG_DFL)
    return code, timed_out, clock.now() - start
