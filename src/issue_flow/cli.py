"""Command-line entry point: parsing and output only.

Sub-commands live one per module in :mod:`issue_flow.commands` and are imported only
when invoked, so ``issue-flow --help`` and the local commands start fast (PyGithub is
imported by the GitHub adapter alone, and only by commands that talk to GitHub).
"""

from __future__ import annotations

import importlib
import os
import sys


# Imports and the documents of a run make many objects and few cycles: in a process of its
# own the youngest generation is collected every 50,000 allocations rather than every 700.
GC_THRESHOLD = (50_000, 20, 20)


def _console_script() -> bool:
    """Is this process the ``issue-flow`` console script (``issue-flow``, ``issue-flow.exe``,
    ``issue-flow-script.py``) or ``python -m issue_flow``, importing this module to run it?"""
    path = sys.argv[0] if sys.argv and isinstance(sys.argv[0], str) else ""
    folder, name = os.path.split(path)
    if name == "__main__.py":
        return os.path.basename(folder) == "issue_flow"
    return name.partition(".")[0] in ("issue-flow", "issue-flow-script")


if _console_script():
    # What :func:`main` does for its own process, done before click and the modules below
    # are imported: they make tens of thousands of objects and few cycles, and the cyclic
    # collector walking them every 700 allocations costs ~3 ms of a 75 ms run. A program
    # that imports this module keeps its collector as it was.
    import gc

    gc.set_threshold(*GC_THRESHOLD)

import click  # noqa: E402 - after the collector's setting, on purpose

from issue_flow import __version__
from issue_flow.errors import IssueFlowError

# name -> (module, one-line help shown by ``issue-flow --help`` without importing it)
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("issue_flow.commands.init", "Write the configuration, detecting the packages present."),
    "new": ("issue_flow.commands.new", "Scaffold docs/issues/ISSUE-N from templates."),
    "status": ("issue_flow.commands.status", "Progress of every issue folder (or one)."),
    "check": ("issue_flow.commands.check", "Tick an item: checklist line and status row together."),
    "lint": ("issue_flow.commands.lint", "Report drift, dead links and header mismatches."),
    "sync": ("issue_flow.commands.sync", "Three-way sync of checkboxes with the GitHub issue."),
    "gate": ("issue_flow.commands.gate", "Release gate results for a commit."),
    "release": ("issue_flow.commands.release", "Bump, document and tick the packages when the gates pass."),
    "close": ("issue_flow.commands.close", "Closure comment, close, pointer on the parent."),
    "published": ("issue_flow.commands.published", "Is each released package version on the npm registry?"),
    "ci": ("issue_flow.commands.ci", "Record gate results in CI and write them into TRACKING."),
    "report": ("issue_flow.commands.report", "Every issue on one static HTML page, or as Markdown for a job summary."),
}


class LazyGroup(click.Group):
    """A group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(entry[0])
        if cmd_name in GITHUB_COMMANDS:
            _add_repo_option(module.command)
        _examples_last(module.command)
        return module.command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_) for name, (_, help_) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _examples_last(cmd: click.Command) -> None:
    """Move the "Examples:" block of a command's docstring after its options (the epilog),
    so that every ``--help`` ends with its examples."""
    help_ = cmd.help or ""
    k = help_.find("Examples:")
    if k != -1 and not cmd.epilog:
        start = help_.rfind("\b", 0, k)
        start = start if start != -1 and not help_[start + 2 : k].strip() else k
        head, _, body = help_[k:].strip().partition("\n")
        import textwrap

        cmd.epilog = "\b\n" + head + "\n" + textwrap.indent(textwrap.dedent(body), "  ")
        cmd.help = help_[:start].rstrip()
    for sub in getattr(cmd, "commands", {}).values():
        _examples_last(sub)


# The commands that talk to GitHub take --repo OWNER/NAME (also accepted before the command).
GITHUB_COMMANDS = ("new", "sync", "gate", "release", "close")
_REPO_HELP = "GitHub repository OWNER/NAME (overrides the configuration, GITHUB_REPOSITORY and the origin remote)."


def _check_repo(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    import re

    if value is not None and not re.fullmatch(r"[\w.-]+/[\w.-]+", value):
        raise click.BadParameter(f"must look like OWNER/NAME, not {value!r}", ctx=ctx, param=param)
    return value


def _set_repo(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if _check_repo(ctx, param, value) is None:
        return None
    app = ctx.find_object(App)
    if app is not None:
        app.repo = value
    return value


def _add_repo_option(command: click.Command) -> None:
    """Give a command that talks to GitHub the shared ``--repo OWNER/NAME`` option (once)."""
    if not any(p.name == "repo_override" for p in command.params):
        command.params.append(
            click.Option(["--repo", "repo_override"], metavar="OWNER/NAME", default=None, expose_value=False,
                         callback=_set_repo, help=_REPO_HELP)
        )


class App:
    """Per-invocation state shared by the sub-commands (root and configuration)."""

    def __init__(self, root: str | None, repo: str | None = None):
        self._root_opt = root
        self._config = None
        self.repo = repo  # --repo OWNER/NAME, applied to the configuration when it is loaded

    @property
    def config(self):
        if self._config is None:
            from pathlib import Path

            from issue_flow.config import find_root, load_config

            start = Path(self._root_opt) if self._root_opt else None
            if start is not None and not start.is_dir():
                raise IssueFlowError(f"--root {self._root_opt}: not a directory")
            try:
                root = find_root(start)
            except IssueFlowError:
                if start is None:
                    raise
                root = start.resolve()  # an explicit --root needs no marker
            self._config = load_config(root)
        if self.repo:
            self._config.repository = self.repo
        return self._config


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="issue-flow")
@click.option(
    "-C",
    "--root",
    metavar="DIR",
    default=None,
    help="Run as if started in DIR (the repository root is found by walking up from there).",
)
@click.option("--repo", "repo", metavar="OWNER/NAME", default=None, callback=_check_repo, help=_REPO_HELP)
@click.pass_context
def cli(ctx: click.Context, root: str | None, repo: str | None) -> None:
    """Keep issue folders, GitHub issues and gated patch releases in step.

    Every command that writes takes --dry-run (print the plan, change nothing); every
    command that reports takes --json. Exit codes: 0 success, 1 a check or gate says
    no, 2 bad input or an error.
    """
    ctx.obj = App(root, repo)


def _redact(text: str) -> str:
    from issue_flow.tokens import redact

    return redact(text)


class _Redacting:
    """A text stream that writes through :func:`issue_flow.tokens.redact` (stdout, stderr)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        return self._stream.write(_redact(text) if isinstance(text, str) else text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _fail(message: str, code: int) -> None:
    message = _redact(message)
    click.echo(f"issue-flow: error: {message}", err=True)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        click.echo(f"::error::{message}")
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    if argv is None:
        # A process of its own (the console script): what start-up made is never freed
        # before exit, so keep the cyclic collector from walking it again and again
        # (20-30 ms of CPU per run). In-process callers keep their collector as it was.
        import gc

        gc.freeze()
        gc.set_threshold(*GC_THRESHOLD)  # set at import already for the console script
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Redacting(out), _Redacting(err)
    if "logging" in sys.modules:  # else the GitHub adapter installs it when it loads PyGithub
        from issue_flow.tokens import redact_log_records

        redact_log_records()
    try:
        _main(argv)
    except SystemExit as done:
        sys.stdout, sys.stderr = out, err
        if argv is None:
            _end_process(done)
        raise
    finally:
        sys.stdout, sys.stderr = out, err


def _end_process(done: SystemExit) -> None:
    """End the console script's process now, doing what Python's own exit would do first.

    Python's exit tears the interpreter down: it frees every module and object one by one,
    ~5 ms of a 70 ms release dry run, for memory the system takes back anyway. So: wait for
    threads still working, run the exit handlers, flush stdout and stderr, then ``os._exit``.
    Every file issue-flow writes is closed by the one write path before the command returns.
    Whenever one of those steps is not plain (a thread, an exit code that is not a number, a
    stream that cannot be flushed, such as a pipe whose reader went away), or a profiler,
    tracer or coverage tool watches the run (it reports after the module returns), this
    returns and Python exits as usual, with click's handling of a closed pipe.
    """
    code = 0 if done.code is None else done.code
    if not isinstance(code, int) or (code & 0xFF) != code:
        return
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return
    if _observed():
        return
    import atexit

    atexit._run_exitfuncs()  # noqa: SLF001 - what Python's exit runs, in the same order
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        return
    os._exit(code)


def _observed() -> bool:
    """Is a profiler, a tracer or a ``sys.monitoring`` tool (coverage on 3.12+) watching?"""
    if sys.getprofile() is not None or sys.gettrace() is not None:
        return True
    monitoring = getattr(sys, "monitoring", None)
    return monitoring is not None and any(monitoring.get_tool(i) is not None for i in range(6))


def _actions_files() -> None:
    """``$GITHUB_STEP_SUMMARY`` / ``$GITHUB_OUTPUT`` that cannot be written are refused
    before any work, not found out after a release was committed and tagged."""
    for var in ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"):
        path = os.environ.get(var)
        if not path:
            continue
        if "\0" in path:
            raise IssueFlowError(f"${var} is not a valid path")
        if os.path.isdir(path):
            raise IssueFlowError(f"${var} ({path}) is a directory, not a file")
        target = path if os.path.exists(path) else (os.path.dirname(os.path.abspath(path)))
        if not os.access(target, os.W_OK) or not os.path.exists(target):
            raise IssueFlowError(f"${var} ({path}) cannot be written; nothing done")


def _check_arguments(argv: list[str]) -> None:
    """Arguments that are not valid UTF-8 (Python hands them over as lone surrogates)
    would fail when written; they are refused, naming the argument."""
    for i, arg in enumerate(argv, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError as exc:
            shown = arg.encode("utf-8", "backslashreplace").decode("ascii", "replace")
            raise IssueFlowError(f"argument {i} ({shown!r}) is not valid UTF-8 (byte {exc.start})") from None


def _help_width() -> dict[str, int]:
    """The width click would give its help, found without importing shutil.

    click's help formatter imports shutil (and the compression modules shutil loads) for
    ``shutil.get_terminal_size()`` unless the context names a width: a tenth of
    ``--help``'s start-up. This is the same rule (``COLUMNS``, else the terminal of
    stdout, else 80; at most 80, minus 2, at least 50). A width forced by click's test
    runner is left to click."""
    from click import formatting

    if formatting.FORCED_WIDTH is not None:
        return {}
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return {"terminal_width": max(min(columns if columns > 0 else 80, 80) - 2, 50)}


def _main(argv: list[str] | None) -> None:
    try:
        _check_arguments(list(sys.argv[1:] if argv is None else argv))
        _actions_files()
        rv = cli.main(args=argv, prog_name="issue-flow", standalone_mode=False, **_help_width())
    except IssueFlowError as exc:
        _fail(exc.message, exc.exit_code)
    except click.exceptions.Abort:
        _fail("aborted", 2)
    except click.UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        _fail(exc.format_message() + hint, 2)
    except click.ClickException as exc:
        _fail(exc.format_message(), 2)
    except KeyboardInterrupt:
        _fail("interrupted", 2)
    except RecursionError:
        _fail("input nested too deeply to read", 2)
    except OSError as exc:  # a file or device the user's system refused: one line
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        _fail(f"{where}{exc.strerror or type(exc).__name__}", 2)
    except Exception as exc:  # pragma: no cover - last resort, never a traceback
        if os.environ.get("ISSUE_FLOW_DEBUG"):
            import traceback

            sys.stderr.write(_redact(traceback.format_exc()))  # redacted like every output
        _fail(f"internal error: {type(exc).__name__}: {exc}", 2)
    else:
        sys.exit(rv if isinstance(rv, int) else 0)
