"""Safety of the one write path (issue 12): symbolic links, the repository boundary,
staging beside the target, and plans that are written whole or not at all.

The multi-file plan is a real release (``release 7 --patch``: two manifests, two locks,
two release documents and #7's README). Faults are injected two ways: in-process, by
making the k-th rename (or the k-th staged write) fail with a real ``OSError`` (full disk,
read-only file system, immutable file, another device), and in a real process killed with
SIGKILL at the k-th rename. After every single fault: every file is old or every file is
new, no temporary file is left in the work tree, and a rerun finishes the release.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import assert_one_line_error, copy_tree, git, run_cli, snapshot
from test_reliability_inputs import BACKEND_JSON, CONFIG, ENV, PACKAGE_JSON, PACKAGE_LOCK, build_base

BACKEND_LOCK = (
    '{\n  "name": "@acme/backend",\n  "version": "0.2.1",\n  "lockfileVersion": 3,\n'
    '  "packages": {\n    "": {\n      "name": "@acme/backend",\n      "version": "0.2.1"\n    }\n  }\n}\n'
)
RELEASED = {
    "package.json", "package-lock.json", "packages/backend/package.json", "packages/backend/package-lock.json",
    "docs/issues/ISSUE-7/README.md", "docs/releases/v0.9.2/CHANGELOG.md", "docs/releases/v0.9.2/RELEASE-NOTES.md",
}


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


def record_gates(root: Path) -> None:
    entry = {"status": "pass", "source": "test"}
    (root / ".issue-flow/results").mkdir(parents=True, exist_ok=True)
    (root / f".issue-flow/results/{head(root)}.json").write_text(json.dumps({"lint": entry, "test:mock": entry}))


@pytest.fixture(scope="module")
def release_repo(tmp_path_factory) -> Path:
    """``base_repo`` with the backend's lock too, committed, gates recorded for HEAD."""
    root = build_base(tmp_path_factory.mktemp("safety-release") / "repo")
    (root / "packages/backend/package-lock.json").write_text(BACKEND_LOCK)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "backend lock")
    record_gates(root)
    return root


@pytest.fixture(scope="module")
def released(release_repo, tmp_path_factory) -> dict[str, bytes]:
    """The tree after one uninterrupted ``release 7 --patch``."""
    root = copy_tree(release_repo, tmp_path_factory.mktemp("safety-released") / "repo")
    res = run_cli("release", "7", "--patch", cwd=root, env=ENV)
    assert res.code == 0, res
    tree = snapshot(root)
    assert {k for k in tree if tree[k] != snapshot(release_repo).get(k)} == RELEASED
    return tree


def work_tree_temps(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.tmp") if ".git" not in p.parts)


def staging_leftovers(root: Path) -> list[str]:
    staging = root / ".git" / "issue-flow-tmp"
    return sorted(p.name for p in staging.iterdir()) if staging.is_dir() else []


# --------------------------------------------------------------------------- symbolic links


def test_a_symlinked_issue_folder_outside_the_repository_is_refused(base_repo, tmp_path):
    root = copy_tree(base_repo, tmp_path / "repo")
    outside = tmp_path / "outside-ISSUE-7"
    shutil.move(root / "docs/issues/ISSUE-7", outside)
    (root / "docs/issues/ISSUE-7").symlink_to(outside, target_is_directory=True)
    before_out, before = snapshot(outside), snapshot(root)
    res = run_cli("check", "7", "Tests", cwd=root, env=ENV)
    assert_one_line_error(res)
    assert "outside the repository" in res.err and "README.md" in res.err
    assert snapshot(outside) == before_out and snapshot(root) == before
    res = run_cli("new", "8", "--parent", "7", "--offline", "--title", "child", cwd=root, env=ENV)
    assert_one_line_error(res)
    assert "outside the repository" in res.err
    assert snapshot(outside) == before_out
    assert not (root / "docs/issues/ISSUE-8").exists()


def test_a_readme_linked_to_a_file_outside_is_not_copied_nor_written(base_repo, tmp_path):
    """The /etc/passwd case: the parent's README is a link to a file outside the repository."""
    root = copy_tree(base_repo, tmp_path / "repo")
    secret = tmp_path / "passwd"
    secret.write_text((root / "docs/issues/ISSUE-7/README.md").read_text() + "root:x:0:0:root:/root:/bin/bash\n")
    (root / "docs/issues/ISSUE-7/README.md").unlink()
    (root / "docs/issues/ISSUE-7/README.md").symlink_to(secret)
    before = secret.read_bytes()
    res = run_cli("new", "8", "--parent", "7", "--offline", "--title", "child", cwd=root, env=ENV)
    assert_one_line_error(res)
    assert "outside the repository" in res.err
    assert secret.read_bytes() == before
    assert (root / "docs/issues/ISSUE-7/README.md").is_symlink()
    assert not (root / "docs/issues/ISSUE-8").exists()
    assert not any(b"root:x:0:0" in p.read_bytes() for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def test_a_symlinked_readme_inside_the_repository_is_written_through(base_repo, tmp_path):
    root = copy_tree(base_repo, tmp_path / "repo")
    real = root / "shared" / "readme-7.md"
    real.parent.mkdir()
    link = root / "docs/issues/ISSUE-7/README.md"
    shutil.move(link, real)
    link.symlink_to(os.path.relpath(real, link.parent))
    res = run_cli("check", "7", "Tests", cwd=root, env=ENV)
    assert res.code == 0, res
    assert link.is_symlink() and os.readlink(link) == os.path.relpath(real, link.parent)
    assert "- [x] **Tests**" in real.read_text()


def test_symlinked_locks_and_config_stay_links(release_repo, released, tmp_path):
    root = copy_tree(release_repo, tmp_path / "repo")
    store = root / "locks"
    store.mkdir()
    shutil.move(root / "package-lock.json", store / "root-lock.json")
    (root / "package-lock.json").symlink_to("locks/root-lock.json")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "lock as a link")
    record_gates(root)
    res = run_cli("release", "7", "--patch", cwd=root, env=ENV)
    assert res.code == 0, res
    assert (root / "package-lock.json").is_symlink()
    assert (store / "root-lock.json").read_bytes() == released["package-lock.json"]


def test_an_auto_detected_package_outside_the_repository_is_refused(release_repo, tmp_path):
    root = copy_tree(release_repo, tmp_path / "repo")
    (root / ".issue-flow.toml").write_text(CONFIG[: CONFIG.index("[[packages]]")] + CONFIG[CONFIG.index("[[gates]]"):])
    outside = tmp_path / "elsewhere" / "backend"
    outside.parent.mkdir()
    shutil.move(root / "packages/backend", outside)
    (root / "packages/backend").symlink_to(outside, target_is_directory=True)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "backend elsewhere")
    record_gates(root)
    before_out, before = snapshot(outside), snapshot(root)
    res = run_cli("release", "7", "--patch", cwd=root, env=ENV)
    assert_one_line_error(res)
    assert "outside the repository" in res.err
    assert snapshot(outside) == before_out and snapshot(root) == before


def test_a_symlinked_release_folder_outside_the_repository_is_refused(release_repo, tmp_path):
    root = copy_tree(release_repo, tmp_path / "repo")
    outside = tmp_path / "notes"
    outside.mkdir()
    (root / "docs/releases").mkdir(parents=True)
    (root / "docs/releases/v0.9.2").symlink_to(outside, target_is_directory=True)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "release folder elsewhere")
    record_gates(root)
    before = snapshot(root)
    res = run_cli("release", "7", "--patch", cwd=root, env=ENV)
    assert_one_line_error(res)
    assert "outside the repository" in res.err
    assert list(outside.iterdir()) == [] and snapshot(root) == before


def test_a_file_in_the_plan_that_is_a_directory_or_a_fifo_is_one_line(base_repo, tmp_path):
    from issue_flow import fsutil
    from issue_flow.errors import IssueFlowError

    root = copy_tree(base_repo, tmp_path / "repo")
    (root / "dir.md").mkdir()
    os.mkfifo(root / "fifo.md")
    for name, why in (("dir.md", "is a directory"), ("fifo.md", "not a regular file")):
        with pytest.raises(IssueFlowError, match=why):
            fsutil.write_files([(root / "a.md", b"a"), (root / name, b"x")], root=root)
        assert not (root / "a.md").exists()


# --------------------------------------------------------------------------- where files are staged


def test_without_git_nothing_goes_into_an_ancestors_git(base_repo, tmp_path):
    """A project with a configuration but no .git, inside an unrelated git checkout."""
    outer = tmp_path / "outer"
    outer.mkdir()
    git(outer, "init", "-q")
    root = copy_tree(base_repo, outer / "project")
    shutil.rmtree(root / ".git")
    res = run_cli("check", "7", "Tests", cwd=root, env=ENV)
    assert res.code == 0, res
    assert not (outer / ".git" / "issue-flow-tmp").exists()
    assert work_tree_temps(root) == []
    from issue_flow import fsutil

    assert fsutil._staging_dir(root / "docs/issues/ISSUE-7/README.md") == root / "docs/issues/ISSUE-7"


def test_in_a_git_worktree_files_are_staged_in_its_git_directory(release_repo, tmp_path):
    from issue_flow import fsutil

    main = copy_tree(release_repo, tmp_path / "main")
    wt = tmp_path / "wt"
    git(main, "worktree", "add", "-q", str(wt), "-b", "wt")
    record_gates(wt)
    gitdir = Path(git(wt, "rev-parse", "--absolute-git-dir").strip())
    assert fsutil._staging_dir(wt / "package-lock.json") == gitdir / "issue-flow-tmp"
    # a killed writer's staged file lies there, where it blocks nothing
    (gitdir / "issue-flow-tmp").mkdir(exist_ok=True)
    (gitdir / "issue-flow-tmp" / ".package-lock.json.k1ll3dxx.tmp").write_bytes(b"{")
    res = run_cli("release", "7", "--patch", cwd=wt, env=ENV)
    assert res.code == 0, res
    assert json.loads((wt / "package.json").read_text())["version"] == "0.9.2"
    assert work_tree_temps(wt) == []


# --------------------------------------------------------------------------- faults: all or nothing

FAULTS = {
    "ENOSPC": errno.ENOSPC,  # full disk
    "EROFS": errno.EROFS,  # read-only file system
    "EPERM": errno.EPERM,  # an immutable file
    "EIO": errno.EIO,
}


def failing_replace(monkeypatch, at: int, err: int, *, also_restore: bool = False, root: Path | None = None):
    """Make the ``at``-th rename of a staged file over a target in the work tree fail with
    ``err`` (and, with ``also_restore``, every later rename too, so nothing can be put back).
    Renames into caches outside the repository and into the git directory do not count."""
    real = os.replace
    seen = {"n": 0}
    inside = str(root) + os.sep if root is not None else None

    def replace(src, dst, *a, **k):
        dst_s = os.path.abspath(str(dst))
        in_tree = inside is None or (dst_s.startswith(inside) and f"{os.sep}.git{os.sep}" not in dst_s)
        if in_tree and str(src).endswith(".tmp") and not str(dst).endswith((".json.tmp", "issue-flow-journal.json")):
            seen["n"] += 1
            if seen["n"] == at or (also_restore and seen["n"] > at):
                raise OSError(err, os.strerror(err), str(dst))
        return real(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", replace)
    return seen


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("at", range(1, len(RELEASED) + 1))
def test_a_failing_rename_in_a_release_leaves_every_file_old_and_a_rerun_finishes(release_repo, released, tmp_path, monkeypatch, at, fault):
    root = copy_tree(release_repo, tmp_path / "repo")
    before = snapshot(root)
    failing_replace(monkeypatch, at, FAULTS[fault], root=root)
    res = run_cli("release", "7", "--patch", cwd=root, env=ENV)
    monkeypatch.undo()
    assert_one_line_error(res)
    assert "nothing written" in res.err and os.strerror(FAULTS[fault]) in res.err
    assert snapshot(root) == before  # every file old
    assert work_tree_temps(root) == [] and staging_leftovers(root) == []
    assert not (root / "docs/releases/v0.9.2").exists()
    res = run_cli("release", "7", "--patch", cwd=root, env=ENV)
    assert res.code == 0, res
    assert snapshot(root) == released


@pytest.mark.parametrize("at", range(1, len(RELEASED) + 1))
def test_a_failing_staged_write_writes_nothing(release_repo, released, tmp_path, monkeypatch, at):
    from issue_flow import fsutil

    root = copy_tree(release_repo, tmp_path / "repo")
    before = snapshot(root)
    real = fsutil._create
    seen = {"n": 0}

    def create(path, data, mode):
        if ".old" not in path and str(root) in os.path.abspath(path):
            seen["n"] += 1
            if seen["n"] == at:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)
        return real(path, data, mode)

    monkeypatch.setattr(fsutil, "_create", create)
    res = run_cli("release", "7", "--patch", cwd=root, env=ENV)
    monkeypatch.undo()
    assert_one_line_error(res)
    assert "No space left on device" in res.err and "nothing written" in res.err
    assert snapshot(root) == before
    assert work_tree_temps(root) == [] and staging_leftovers(root) == []
    assert run_cli("release", "7", "--patch", cwd=root, env=ENV).code == 0
    assert snapshot(root) == released


def test_when_nothing_can_be_put_back_the_error_says_how_to_finish(release_repo, released, tmp_path, monkeypatch):
    root = copy_tree(release_repo, tmp_path / "repo")
    before = snapshot(root)
    failing_replace(monkeypatch, 4, errno.EROFS, also_restore=True, root=root)
    res = run_cli("release", "7", "--patch", cwd=root, env=ENV)
    monkeypatch.undo()
    assert_one_line_error(res)
    assert "could not be put back" in res.err and "run the command again" in res.err
    # the next writer puts the old files back first (under the repository lock) ...
    res = run_cli("release", "7", "--patch", "--dry-run", cwd=root, env=ENV)
    res = run_cli("check", "7", "Tests", "--dry-run", cwd=root, env=ENV)
    res = run_cli("release", "7", "--patch", cwd=root, env=ENV)
    assert res.code == 0, res
    # ... and the release then runs whole
    assert snapshot(root) == released
    assert staging_leftovers(root) == [] and work_tree_temps(root) == []
    assert before != released


def test_cross_device_rename_falls_back_to_staging_beside_the_target(release_repo, released, tmp_path, monkeypatch):
    """EXDEV (a bind mount: same device number, another mount): staged again beside the target."""
    root = copy_tree(release_repo, tmp_path / "repo")
    real = os.replace

    def replace(src, dst, *a, **k):
        if "issue-flow-tmp" in str(src) and str(dst).endswith("package-lock.json"):
            raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))
        return real(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", replace)
    res = run_cli("release", "7", "--patch", cwd=root, env=ENV)
    monkeypatch.undo()
    assert res.code == 0, res
    assert snapshot(root) == released
    assert work_tree_temps(root) == [] and staging_leftovers(root) == []


def test_an_immutable_lock_is_one_line_and_leaves_every_file_old(release_repo, tmp_path):
    """A real immutable file (``chattr +i``): needs the privilege to set the attribute."""
    root = copy_tree(release_repo, tmp_path / "repo")
    lock = root / "packages/backend/package-lock.json"
    if subprocess.run(["chattr", "+i", str(lock)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not permitted here (needs CAP_LINUX_IMMUTABLE)")
    try:
        before = snapshot(root)
        res = run_cli("release", "7", "--patch", cwd=root, env=ENV)
        assert_one_line_error(res)
        assert "package-lock.json" in res.err and "Operation not permitted" in res.err
        assert snapshot(root) == before
        assert work_tree_temps(root) == [] and staging_leftovers(root) == []
    finally:
        subprocess.run(["chattr", "-i", str(lock)], capture_output=True)


def test_a_full_disk_under_the_release_folder_writes_nothing(release_repo, tmp_path):
    """A 64 KB tmpfs, nearly full, mounted on docs/releases (another device, a full disk)."""
    root = copy_tree(release_repo, tmp_path / "repo")
    where = root / "docs/releases"
    where.mkdir(parents=True)
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(where)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a tmpfs needs root")
    try:
        (where / "filler").write_bytes(b"x" * 64 * 1024)
        with open(root / ".git/info/exclude", "a") as fh:
            fh.write("docs/releases/filler\n")
        before = snapshot(root)
        res = run_cli("release", "7", "--patch", cwd=root, env=ENV)
        assert_one_line_error(res)
        assert "No space left on device" in res.err and "nothing written" in res.err
        assert snapshot(root) == before
        assert work_tree_temps(root) == [] and staging_leftovers(root) == []
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


# --------------------------------------------------------------------------- killed between two renames

KILLER = """
import os, signal
_real = os.replace
_n = [0]
def _replace(src, dst, *a, **k):
    if (str(src).endswith(".tmp") and not str(dst).endswith("issue-flow-journal.json")
            and os.path.abspath(dst).startswith(os.getcwd() + os.sep) and "/.git/" not in os.path.abspath(dst)):
        _n[0] += 1
        if _n[0] == int(os.environ.get("KILL_AT_RENAME", "0")):
            os.kill(os.getpid(), signal.SIGKILL)
    return _real(src, dst, *a, **k)
os.replace = _replace
"""


@pytest.mark.parametrize("at", range(1, len(RELEASED) + 1))
def test_a_release_killed_between_two_renames_is_old_or_new_and_a_rerun_finishes(release_repo, released, tmp_path, at):
    root = copy_tree(release_repo, tmp_path / "repo")
    before = snapshot(root)
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(KILLER)
    env = {k: v for k, v in os.environ.items() if k not in ENV}
    env.update({k: v for k, v in ENV.items() if v is not None})
    env.update(PYTHONPATH=os.pathsep.join([str(hook), *sys.path]), KILL_AT_RENAME=str(at))
    p = subprocess.run([sys.executable, "-m", "issue_flow", "release", "7", "--patch"], cwd=root, env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == -signal.SIGKILL, (p.stdout, p.stderr)
    after = snapshot(root)
    assert (after != before) == (at > 1)  # the kill did land between renames: files half replaced
    assert work_tree_temps(root) == []
    # the next command, even one that only reads, first puts the old files back
    env.pop("KILL_AT_RENAME")
    p = subprocess.run([sys.executable, "-m", "issue_flow", "status", "7"], cwd=root, env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert ("was undone" in p.stderr) == (at > 1)
    assert snapshot(root) == before  # every file old
    res = subprocess.run([sys.executable, "-m", "issue_flow", "release", "7", "--patch"], cwd=root, env=env,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, (res.stdout, res.stderr)
    assert snapshot(root) == released
    assert staging_leftovers(root) == [] and work_tree_temps(root) == []


def test_the_journal_decides_old_or_new_after_a_kill(release_repo, tmp_path):
    """Straight from the journal: files half replaced are put back to old; all replaced stays new."""
    from issue_flow import fsutil

    root = copy_tree(release_repo, tmp_path / "repo")
    files = [root / "a.md", root / "sub" / "b.md", root / "package.json"]
    old = {p: (p.read_bytes() if p.exists() else None) for p in files}
    real = os.replace
    calls = {"n": 0}

    def die_on_second(src, dst, *a, **k):
        if str(src).endswith(".tmp") and not str(dst).endswith(fsutil.JOURNAL):
            calls["n"] += 1
            if calls["n"] == 2:
                raise SystemExit("killed")  # not an OSError: stands for a kill, the journal stays
        return real(src, dst, *a, **k)

    os.replace = die_on_second
    try:
        fsutil.write_files([(p, b"new\n") for p in files], root=root)
    except SystemExit:
        pass
    finally:
        os.replace = real
    # an in-process BaseException is rolled back at once
    assert {p: (p.read_bytes() if p.exists() else None) for p in files} == old
    assert not (root / "sub").exists()


def test_a_state_folder_linked_outside_the_repository_gets_no_gate_log(base_repo, tmp_path):
    root = copy_tree(base_repo, tmp_path / "repo")
    outside = tmp_path / "state-elsewhere"
    outside.mkdir()
    (root / ".issue-flow").symlink_to(outside, target_is_directory=True)
    cfg = root / ".issue-flow.toml"
    cfg.write_text(cfg.read_text().replace('name = "lint"\n', 'name = "lint"\ncommand = "echo linted"\n', 1))
    res = run_cli("gate", "--run", cwd=root, env=ENV)
    assert res.code == 2, res
    assert "outside the repository" in res.err and "internal error" not in res.err
    assert list(outside.rglob("*")) == []


def test_a_state_folder_linked_outside_gets_no_recorded_results(base_repo, tmp_path):
    root = copy_tree(base_repo, tmp_path / "repo")
    outside = tmp_path / "state-elsewhere"
    outside.mkdir()
    (root / ".issue-flow").symlink_to(outside, target_is_directory=True)
    res = run_cli("gate", "--record", cwd=root, env=ENV)
    assert res.code == 2, res
    assert "outside the repository" in res.err and "internal error" not in res.err
    assert list(outside.rglob("*")) == []
