"""Jinja templates for new issue folders: where they are found and how they render.

Template files are found by relative path (``follow-up/README.md.j2``) in this order:

1. the ``templates`` folder named in the configuration (``Config.templates_dir``): a file
   there overrides the built-in file with the same relative path, and a folder there with a
   ``README.md.j2`` is a kind of its own;
2. the built-in templates: ``issue_flow/templates`` inside the installed package (the
   wheel force-includes the repository's top-level ``templates/`` there), or, in a source
   checkout or editable install, the repository's ``templates/`` folder itself.

A kind is a folder holding ``README.md.j2``; every ``*.j2`` file directly in it becomes a
file of the new issue folder (``README.md.j2`` -> ``README.md``), and its ``kind.toml``
holds the default acceptance criteria, the TRACKING phases and the ordering constraints.
Folders starting with ``_`` hold shared partials and are not kinds.

Rendering uses ``StrictUndefined``: a variable a template names but nobody defines is a
one-line :class:`IssueFlowError` naming the template and the variable (exit 2), never a
silently empty string. jinja2 is imported only when templates are used.

Templates come from the repository, so they are not trusted: they render in jinja2's
immutable sandbox (no attributes starting with ``_``, no ``__globals__``, no way to a
module, a file, a process or the environment), with no globals but the Markdown filters
of :mod:`issue_flow.mdescape`.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from pathlib import Path
from typing import Any

from issue_flow import __version__
from issue_flow.errors import IssueFlowError
from issue_flow.fsutil import cache_dir
from issue_flow.records import factory, record
from issue_flow.mdescape import FILTERS

KIND_FILE = "kind.toml"
_KIND_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*$")


def builtin_dir() -> Path | None:
    """The built-in templates: inside the installed package, else the source checkout's."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parents[1] / "templates"):
        if candidate.is_dir() and any(candidate.glob(f"*/{KIND_FILE}")):
            return candidate
    return None


# --------------------------------------------------------------------------- kinds


@record
class KindSpec:
    """What ``kind.toml`` declares (its strings still unrendered)."""

    name: str
    description: str = ""
    criteria: list[dict[str, str]] = factory(list)
    phases: list[dict[str, Any]] = factory(list)
    order: list[tuple[str, str]] = factory(list)


class Templates:
    """The template folders of one repository (configured folder first, then built-in)."""

    def __init__(self, user_dir: Path | None = None, root: Path | None = None):
        self.root = root
        self.builtin = builtin_dir()
        if user_dir is not None and not Path(user_dir).is_dir():
            raise IssueFlowError(f"templates folder {self._show(Path(user_dir))} not found (set 'templates' in the configuration)")
        self.user_dir = Path(user_dir).resolve() if user_dir is not None else None
        self.dirs = [d for d in (self.user_dir, self.builtin) if d is not None]
        if not self.dirs:
            raise IssueFlowError("no templates found: the built-in templates are missing from this installation")
        self._env = None

    # ----------------------------------------------------------- discovery

    def kinds(self) -> list[str]:
        found: set[str] = set()
        for d in self.dirs:
            for readme in d.glob("*/README.md.j2"):
                name = readme.parent.name
                if not name.startswith("_") and _KIND_NAME.match(name):
                    found.add(name)
        return sorted(found)

    def check_kind(self, kind: str) -> str:
        kinds = self.kinds()
        if kind not in kinds:
            raise IssueFlowError(f"unknown kind {kind!r} (known: {', '.join(kinds) or 'none'})")
        return kind

    def find(self, name: str) -> Path | None:
        """The file a relative template name resolves to (override first)."""
        for d in self.dirs:
            path = d / name
            if path.is_file():
                return path
        return None

    def outputs(self, kind: str) -> list[tuple[str, str]]:
        """(template name, output file name) for every ``*.j2`` file of the kind, README first."""
        names: set[str] = set()
        for d in self.dirs:
            folder = d / kind
            if folder.is_dir():
                names.update(p.name for p in folder.glob("*.j2") if p.is_file())
        ordered = sorted(names, key=lambda n: (n != "README.md.j2", n))
        return [(f"{kind}/{n}", n[: -len(".j2")]) for n in ordered]

    def kind_spec(self, kind: str) -> KindSpec:
        path = self.find(f"{kind}/{KIND_FILE}")
        spec = KindSpec(kind)
        if path is None:
            return spec
        data = _read_toml(path, self._show(path))
        where = self._show(path)

        def bad(what: str) -> IssueFlowError:
            return IssueFlowError(f"{where}: {what}")

        for key, kind_ in (("description", str), ("criteria", list), ("phases", list), ("order", list)):
            if key in data and not isinstance(data[key], kind_):
                raise bad(f"'{key}' must be a {'string' if kind_ is str else 'list'}, not {type(data[key]).__name__}")
        spec.description = str(data.get("description", ""))
        for k, c in enumerate(data.get("criteria", [])):
            if not isinstance(c, dict) or not isinstance(c.get("label"), str) or not isinstance(c.get("text", ""), str):
                raise bad(f"criteria[{k}] needs a 'label' string and a 'text' string")
            if not c["label"].strip():
                raise bad(f"criteria[{k}].label is empty")
            spec.criteria.append({"label": c["label"], "text": c.get("text", "")})
        for k, p in enumerate(data.get("phases", [])):
            steps = p.get("steps") if isinstance(p, dict) else None
            if not isinstance(p, dict) or not isinstance(p.get("name"), str) or not isinstance(steps, list) or not all(
                isinstance(s, str) for s in steps
            ):
                raise bad(f"phases[{k}] needs a 'name' string and a 'steps' list of strings")
            spec.phases.append({"name": p["name"], "steps": list(steps)})
        for k, pair in enumerate(data.get("order", [])):
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) and x for x in pair)):
                raise bad(f'order[{k}] must be a pair of labels, e.g. ["Patch release", "Follow up"]')
            if any('"' in x for x in pair):
                raise bad(f"order[{k}]: labels may not contain double quotes")
            spec.order.append((pair[0], pair[1]))
        return spec

    # ----------------------------------------------------------- rendering

    @property
    def env(self):
        if self._env is None:
            import jinja2
            from jinja2.sandbox import ImmutableSandboxedEnvironment

            self._env = ImmutableSandboxedEnvironment(
                loader=jinja2.FileSystemLoader([str(d) for d in self.dirs]),
                undefined=jinja2.StrictUndefined,
                keep_trailing_newline=True,
                trim_blocks=True,
                lstrip_blocks=True,
                autoescape=False,
                bytecode_cache=_bytecode_cache(),
            )
            self._env.filters.update(FILTERS)
            self._env.globals.clear()  # no cycler, joiner, namespace, lipsum, range, dict
        return self._env

    def render_all(self, names: list[str], context: dict[str, Any]) -> dict[str, str]:
        """Render several templates with one context, through a cache of rendered text.

        Rendering is a pure function of the template sources and the context, so the
        result is kept in ``$XDG_CACHE_HOME/issue-flow/rendered/`` keyed by a hash of both:
        a ``release --dry-run`` followed by the real run (or a rerun) then needs neither
        jinja2's import nor its compiler. Any problem with the cache means rendering.
        """
        key = self._render_key(names, context)
        path = cache_dir("rendered") / f"{key}.json" if key else None
        if path is not None:
            try:
                cached = json.loads(path.read_bytes())
                if isinstance(cached, dict) and all(isinstance(cached.get(n), str) for n in names):
                    return {n: cached[n] for n in names}
            except (OSError, ValueError, RecursionError):
                pass
        out = {n: self.render(n, context) for n in names}
        if path is not None:
            try:
                from issue_flow import fsutil

                fsutil.atomic_write(path, json.dumps(out).encode("utf-8"))
            except (OSError, IssueFlowError):
                pass
        return out

    def _render_key(self, names: list[str], context: dict[str, Any]) -> str | None:
        from issue_flow.fsutil import hasher

        if cache_dir("rendered") is None:
            return None
        try:
            blob = json.dumps([__version__, names, context], sort_keys=True, default=str)
        except (TypeError, ValueError):
            return None
        h = hasher()
        h.update(blob.encode("utf-8"))
        for d in self.dirs:  # every template, partials included: any edit changes the key
            for path in sorted(d.rglob("*")):
                if path.is_file():
                    h.update(str(path.relative_to(d)).encode() + b"\0" + path.read_bytes() + b"\0")
        return h.hexdigest()

    def render(self, name: str, context: dict[str, Any]) -> str:
        """Render template ``name`` (relative, e.g. ``bug/README.md.j2``)."""
        import jinja2

        from jinja2.sandbox import SecurityError

        try:
            return self.env.get_template(name).render(context)
        except jinja2.TemplateSyntaxError as exc:
            where = self._show(Path(exc.filename)) if exc.filename else (exc.name or name)
            raise IssueFlowError(f"template {where}:{exc.lineno}: {exc.message}") from None
        except jinja2.TemplateNotFound as exc:
            raise IssueFlowError(f"template {exc.name} not found (needed by {self.show_name(name)})") from None
        except SecurityError as exc:
            raise IssueFlowError(f"template {self._failing(exc, name)}: not allowed in a template ({exc})") from None
        except RecursionError:
            raise IssueFlowError(
                f"template {self.show_name(name)}: includes or calls itself without end (recursion too deep)"
            ) from None
        except (jinja2.UndefinedError, jinja2.TemplateError, *_RENDER_ERRORS) as exc:
            raise IssueFlowError(f"template {self._failing(exc, name)}: {_describe(exc)}") from None

    def render_string(self, source: str, context: dict[str, Any], where: str) -> str:
        """Render a Jinja string from ``kind.toml`` (a criterion's text, a step)."""
        import jinja2

        from jinja2.sandbox import SecurityError

        try:
            return self.env.from_string(source).render(context)
        except jinja2.TemplateSyntaxError as exc:
            raise IssueFlowError(f"{where}: {exc.message}") from None
        except SecurityError as exc:
            raise IssueFlowError(f"{where}: not allowed in a template ({exc})") from None
        except RecursionError:
            raise IssueFlowError(f"{where}: calls itself without end (recursion too deep)") from None
        except (jinja2.UndefinedError, jinja2.TemplateError, *_RENDER_ERRORS) as exc:
            raise IssueFlowError(f"{where}: {_describe(exc)}") from None

    # ------------------------------------------------------------- helpers

    def _show(self, path: Path) -> str:
        """A template path as the user should read it."""
        path = Path(path)
        try:
            resolved = path.resolve()
        except OSError:
            resolved = path
        if self.builtin is not None:
            try:
                return f"built-in {resolved.relative_to(self.builtin).as_posix()}"
            except ValueError:
                pass
        if self.root is not None:
            try:
                return resolved.relative_to(Path(self.root).resolve()).as_posix()
            except ValueError:
                pass
        return str(path)

    def show_name(self, name: str) -> str:
        path = self.find(name)
        return self._show(path) if path is not None else name

    def _failing(self, exc: BaseException, name: str) -> str:
        """The innermost template in the traceback (an included partial, say), else ``name``."""
        tb = exc.__traceback__
        last = None
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if filename.endswith(".j2"):
                last = (filename, tb.tb_lineno)
            tb = tb.tb_next
        if last is None:
            return self.show_name(name)
        return f"{self._show(Path(last[0]))}:{last[1]}"


def _read_toml(path: Path, where: str) -> dict[str, Any]:
    try:
        import tomllib  # type: ignore[import-not-found]
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
        return data
    except OSError as exc:
        raise IssueFlowError(f"{where}: cannot read ({exc.strerror})") from None
    except RecursionError:
        raise IssueFlowError(f"{where}: malformed TOML (nested too deeply)") from None
    except UnicodeDecodeError:
        raise IssueFlowError(f"{where}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise IssueFlowError(f"{where}: malformed TOML ({exc})") from None


def today() -> str:
    return _dt.date.today().isoformat()


# Python errors a template's expressions can raise while rendering (besides jinja2's own
# UndefinedError, caught with them where jinja2 is imported).
_RENDER_ERRORS = (TypeError, ValueError, ArithmeticError, LookupError)


def _describe(exc: Exception) -> str:
    """One line for an error raised while rendering: jinja2's message for an undefined
    variable, else the exception's type and text."""
    message = getattr(exc, "message", None)
    if type(exc).__name__ == "UndefinedError" and message:
        return str(message)
    return f"{type(exc).__name__}: {exc}"


def _bytecode_cache() -> Any:
    """jinja2's cache of compiled templates in ``$XDG_CACHE_HOME/issue-flow/jinja``.

    Lexing and compiling templates takes 15-20 ms of a run that should take well under
    150 ms; jinja2 keys each cached template by its name and checks the checksum of its
    source, so an edited template is simply compiled again. The cache is never in the
    repository (a --dry-run leaves the tree untouched); ISSUE_FLOW_NO_CACHE=1 turns it
    off, and a cache folder that cannot be made means no cache.
    """
    folder = cache_dir("jinja")
    if folder is None:
        return None
    from jinja2 import FileSystemBytecodeCache

    return FileSystemBytecodeCache(str(folder))
