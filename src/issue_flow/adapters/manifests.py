"""Version numbers in package manifests, changed without touching any other byte.

The peer tools go wrong here (PRODUCT.md section 6): a regex over a lockfile bumps a
dependency that shares the version string; a JSON load/dump re-indents the file. So:

* ``package.json`` / ``package-lock.json``: a real JSON scan that tracks depth finds the
  exact byte span of the string value to change (top-level ``version``; in a lock also
  ``packages[""].version``), and only those bytes are spliced. Indentation, key order,
  line endings, a BOM and the final newline (or its absence) are kept because nothing
  else is rewritten. Nested values are skipped with the C JSON scanner, so a 549 KB lock
  takes a few milliseconds and the whole document is still validated.
* ``pyproject.toml``: tomlkit (style-preserving); the result is checked to differ from
  the input on the version line only, else nothing is written.

The JSON scan itself is :mod:`issue_flow.adapters.json_spans`; which packages a repository
has (workspaces) is :mod:`issue_flow.adapters.workspaces`; the versions (semver's bumps)
are here, beside the files that hold them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from issue_flow.adapters.json_spans import BOM, JsonScan, decode_text, json_msg, splice, splice_at
from issue_flow.errors import IssueFlowError

# A version string we are willing to write: semver's alphabet only, so it never needs
# escaping in JSON or TOML.
_SAFE_VERSION = re.compile(r"[0-9A-Za-z.+-]+")


# --------------------------------------------------------------------------- semver


def bump_patch(version: str, source: str | Path | None = None) -> str:
    """The next patch release of ``version`` (semver 2.0, via the ``semver`` package).

    Rule: a release ``X.Y.Z`` (with or without build metadata) becomes ``X.Y.(Z+1)``;
    a prerelease of ``X.Y.Z`` (``0.9.2-beta.1``) releases as ``X.Y.Z`` itself (``0.9.2``),
    because the prerelease was a preview of that very version. (semver 3's own
    ``Version.bump_patch`` would give 0.9.3 for it; we use ``finalize_version`` instead.)
    Build metadata is dropped. A version that is not semver raises IssueFlowError naming
    ``source`` (the manifest it came from).
    """
    import semver

    try:
        v = semver.Version.parse(version)
    except (ValueError, TypeError):
        where = f"{source}: " if source else ""
        raise IssueFlowError(f"{where}version {version!r} is not semver (MAJOR.MINOR.PATCH)") from None
    if v.prerelease:
        return str(v.finalize_version())
    return str(v.bump_patch())


PARTS = ("major", "minor", "patch")
_PRE_NAME = re.compile(r"[0-9A-Za-z-]+")


def _parse(version: str, source: str | Path | None) -> Any:
    import semver

    try:
        return semver.Version.parse(version)
    except (ValueError, TypeError):
        where = f"{source}: " if source else ""
        raise IssueFlowError(f"{where}version {version!r} is not semver (MAJOR.MINOR.PATCH)") from None


def check_pre_name(pre: str) -> str:
    """A prerelease name (``beta``, ``rc``): one semver identifier, not a number."""
    if not isinstance(pre, str) or not _PRE_NAME.fullmatch(pre) or pre.isdigit():
        raise IssueFlowError(f"--pre {pre!r}: a prerelease name is letters, digits and '-' (beta, rc), not a number")
    return pre


def bump(version: str, part: str | None = "patch", pre: str | None = None, source: str | Path | None = None) -> str:
    """The next version of ``version`` for ``part`` (major, minor, patch) and/or ``pre``.

    semver 2.0 via the ``semver`` package, with npm's rule for prereleases (``npm version``):

    * a release ``X.Y.Z``: ``patch`` / ``minor`` / ``major`` as semver bumps them
      (``0.9.1`` -> ``0.9.2`` / ``0.10.0`` / ``1.0.0``); build metadata is dropped;
    * a prerelease releases as itself when the part it asks for is the one it previews:
      ``0.9.2-beta.1`` -> ``0.9.2`` for patch; ``0.10.0-beta.1`` -> ``0.10.0`` for patch
      or minor; ``1.0.0-rc.1`` -> ``1.0.0`` for any part; otherwise the part is bumped
      (``0.9.2-beta.1`` minor -> ``0.10.0``);
    * ``pre`` NAME without a part: on a prerelease of the same name, the next one
      (``0.9.2-beta.1`` -> ``0.9.2-beta.2``); of another name, that name's first one of
      the same version (``0.9.2-beta.2`` -> ``0.9.2-rc.1``); on a release, the first
      prerelease of the next patch (``0.9.1`` -> ``0.9.2-beta.1``);
    * ``pre`` with a part: the first prerelease of that bump (``0.9.1`` minor ->
      ``0.10.0-beta.1``; ``0.10.0-beta.2`` minor -> ``0.11.0-beta.1``).

    The result is always greater than ``version`` (else IssueFlowError: "would go back").
    """
    v = _parse(version, source)
    if part is not None and part not in PARTS:
        raise IssueFlowError(f"release part {part!r}: expected major, minor or patch")
    if pre is not None:
        check_pre_name(pre)
        if part is None and v.prerelease:
            head, _, number = str(v.prerelease).rpartition(".")
            name = head if number.isdigit() else str(v.prerelease)
            if name == pre:
                new = v.bump_prerelease(pre) if number.isdigit() and head else v.replace(prerelease=f"{pre}.1", build=None)
            else:
                new = v.replace(prerelease=f"{pre}.1", build=None)
        else:
            base = getattr(v, f"bump_{part or 'patch'}")()
            new = base.replace(prerelease=f"{pre}.1", build=None)
    else:
        part = part or "patch"
        final = v.finalize_version()
        previews = v.prerelease and (
            part == "patch" or (part == "minor" and v.patch == 0) or (part == "major" and v.minor == 0 and v.patch == 0)
        )
        new = final if previews else getattr(v, f"bump_{part}")()
    if new.compare(v) <= 0:
        where = f"{source}: " if source else ""
        raise IssueFlowError(f"{where}{version} -> {new} would go back (semver precedence); choose another --pre name")
    return str(new)


def check_explicit(old: str, new: str, source: str | Path | None = None) -> str:
    """An explicit new version (``--package NAME=1.2.3``): semver, greater than ``old``."""
    v_new = _parse(new, f"--package …={new}")
    if v_new.compare(_parse(old, source)) <= 0:
        where = f"{source}: " if source else ""
        raise IssueFlowError(f"{where}{old} -> {new} would go back or stay (semver precedence)")
    return str(v_new)


def release_kind(old: str, new: str) -> str:
    """``major`` / ``minor`` / ``patch``: the highest part that differs (prereleases aside)."""
    a, b = _parse(old, None), _parse(new, None)
    if a.major != b.major:
        return "major"
    if a.minor != b.minor:
        return "minor"
    return "patch"


def _check_new(new: str) -> None:
    if not isinstance(new, str) or not _SAFE_VERSION.fullmatch(new):
        raise IssueFlowError(f"refusing to write version {new!r}: not a plain version string")


# --------------------------------------------------------------------------- reading


def read_version(path: Path | str) -> str:
    """The version declared by a package.json, package-lock.json or pyproject.toml."""
    from issue_flow.fsutil import read_bytes

    path = Path(path)
    data = read_bytes(path)
    if path.suffix == ".toml":
        table, _ = pyproject_version_table(data, path)
        return table
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise IssueFlowError(f"{path}: malformed JSON ({json_msg(exc)})") from None
    version = doc.get("version") if isinstance(doc, dict) else None
    if not isinstance(version, str):
        raise IssueFlowError(f"{path}: no top-level \"version\" string")
    return version


def pyproject_version_table(data: bytes, path: Path | str) -> tuple[str, str]:
    """(version, table name) of a pyproject.toml: ``[project]`` first, else ``[tool.poetry]``."""
    try:
        import tomllib  # type: ignore[import-not-found]
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        doc = tomllib.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise IssueFlowError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise IssueFlowError(f"{path}: malformed TOML ({exc})") from None
    project = doc.get("project")
    if isinstance(project, dict):
        if isinstance(project.get("version"), str):
            return project["version"], "project"
        if "version" in (project.get("dynamic") or []):
            raise IssueFlowError(f"{path}: version is dynamic (set by the build backend), cannot bump it here")
    poetry = doc.get("tool", {}).get("poetry") if isinstance(doc.get("tool"), dict) else None
    if isinstance(poetry, dict) and isinstance(poetry.get("version"), str):
        return poetry["version"], "tool.poetry"
    raise IssueFlowError(f"{path}: no version in [project] or [tool.poetry]")


# --------------------------------------------------------------------------- writers


def set_package_json_version(data: bytes, new: str, source: str = "package.json") -> bytes:
    """``data`` with the top-level ``"version"`` value replaced by ``new``, every other byte kept."""
    _check_new(new)
    text, offset = decode_text(data, source)
    found = JsonScan(text, source, [("version",)]).document()
    if ("version",) not in found:
        raise IssueFlowError(f"{source}: no top-level \"version\" to bump")
    start, end, _ = found[("version",)]
    return splice(data, text, offset, [(start, end)], new)


def set_lock_version(data: bytes, new: str, source: str = "package-lock.json") -> tuple[bytes, str, str | None]:
    """Set the top-level ``version`` and ``packages[""].version`` of a package-lock.json.

    Returns ``(new_bytes, old_top, old_root_pkg)``. ``old_root_pkg`` is None when the
    lock has no ``packages[""].version`` (lockfileVersion 1 has no ``packages``); such a
    lock is changed in its top-level version only. Nothing else is touched: no
    dependency entry, whatever version it carries. The two old values let the caller
    report a lock that was out of step with its package.json before the bump.
    """
    _check_new(new)
    text, offset = decode_text(data, source)
    top, root_pkg = ("version",), ("packages", "", "version")
    found = JsonScan(text, source, [top, root_pkg]).document()
    if top not in found:
        raise IssueFlowError(f"{source}: no top-level \"version\" to bump")
    spans = [found[top][:2]]
    old_root = None
    if root_pkg in found:
        spans.append(found[root_pkg][:2])
        old_root = found[root_pkg][2]
    return splice(data, text, offset, spans, new), found[top][2], old_root


def set_json_strings(
    data: bytes, changes: dict[tuple[str, ...], str], source: str = "package-lock.json"
) -> tuple[bytes, dict[tuple[str, ...], str | None]]:
    """Set the string values at the given key paths of a JSON document, every other byte kept.

    ``changes`` maps a key path (``("packages", "packages/x", "version")``) to its new
    value. A path the document does not have is left alone (its old value is None in
    the returned dict); one that holds something other than a string is an error.
    """
    for value in changes.values():
        _check_new(value)
    text, offset = decode_text(data, source)
    found = JsonScan(text, source, list(changes)).document()
    olds: dict[tuple[str, ...], str | None] = {path: None for path in changes}
    edits = [(found[path][0], found[path][1], new) for path, new in changes.items() if path in found]
    for path in changes:
        if path in found:
            olds[path] = found[path][2]
    out = data
    ascii_only = len(text) == len(data) - offset
    for start, end, new in sorted(edits, reverse=True):  # from the end: earlier offsets stay valid
        out = splice_at(out, text, offset, start, end, new, ascii_only)
    return out, olds


def workspace_entry(lock_dir: Path, manifest: Path) -> tuple[str, ...] | None:
    """The key path of a package's entry in a lock of another folder: ``packages[<dir>].version``.

    ``<dir>`` is the package's folder relative to the lock's folder, as npm writes it
    (``packages/voice-agent-backend``, ``..``); None for the lock's own folder.
    """
    import os

    rel = Path(os.path.relpath(manifest.parent, lock_dir)).as_posix()
    if rel in ("", "."):
        return None
    return ("packages", rel, "version")


def set_pyproject_version(data: bytes, new: str, source: str = "pyproject.toml") -> bytes:
    """Set ``[project].version`` (else ``[tool.poetry].version``) with tomlkit.

    The quote style and any trailing comment of the version line are kept; the result is
    verified to differ from ``data`` on that one line only (else IssueFlowError, nothing
    written), so the rest of the file stays byte-identical.
    """
    _check_new(new)
    old, table_name = pyproject_version_table(data, source)
    import tomlkit
    from tomlkit.items import String

    bom = data.startswith(BOM)
    text = data[len(BOM):].decode("utf-8") if bom else data.decode("utf-8")
    doc = tomlkit.parse(text)
    table: Any = doc
    for part in table_name.split("."):
        table = table[part]
    old_item = table["version"]
    kind = old_item.type if isinstance(old_item, String) else None
    table["version"] = String.from_raw(new, kind) if kind is not None else new
    out = tomlkit.dumps(doc).encode("utf-8")
    if bom:
        out = BOM + out
    a, b = data.splitlines(keepends=True), out.splitlines(keepends=True)
    diff = [(x, y) for x, y in zip(a, b) if x != y]
    if len(a) != len(b) or len(diff) != 1 or old.encode() not in diff[0][0] or new.encode() not in diff[0][1]:
        raise IssueFlowError(f"{source}: cannot change the version without rewriting other lines; edit it by hand")
    return out


def set_version(path: Path | str, data: bytes, new: str) -> bytes:
    """Dispatch on the file name: package.json, package-lock.json, pyproject.toml."""
    path = Path(path)
    name = path.name
    if name == "package-lock.json" or name == "npm-shrinkwrap.json":
        return set_lock_version(data, new, str(path))[0]
    if name == "package.json":
        return set_package_json_version(data, new, str(path))
    if name == "pyproject.toml":
        return set_pyproject_version(data, new, str(path))
    raise IssueFlowError(f"{path}: unsupported manifest (package.json, package-lock.json or pyproject.toml)")


def lockfile_for(manifest: Path | str) -> Path | None:
    """The ``package-lock.json`` beside a ``package.json``, when there is one."""
    manifest = Path(manifest)
    if manifest.name != "package.json":
        return None
    lock = manifest.with_name("package-lock.json")
    return lock if lock.is_file() else None
