"""GitHub REST adapter: issues, comments, sub-issues and commit checks of one repository.

With :mod:`issue_flow.adapters.github_http` (retries, rate limits, one-line errors) and
:mod:`issue_flow.adapters.github_releases`, the only modules of issue-flow that import
PyGithub, inside the methods that need it, never at module import, so the commands that do
not talk to GitHub stay fast. The adapter knows nothing of issue folders or Markdown: it reads
and writes issues, comments, sub-issues and commit checks, and answers with plain dataclasses.

Every write looks before it sends: ``create_comment`` looks for its marker before the first
POST (so running it twice posts once) and deletes a duplicate a write stored late;
``edit_issue_body`` and ``close_issue`` read the issue first and send nothing when it is
already as asked. After a failure that may have stored a write, the ``landed`` check of each
operation decides whether it is sent again (:meth:`github_http.Client.write`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from issue_flow.adapters.github_http import RAISE, BadAnswer, Client, Failure, want
from issue_flow.errors import IssueFlowError

MAX_BODY = 65536  # characters, for issue bodies and comments
STATE_REASONS = ("completed", "not_planned")


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class IssueData:
    number: int
    id: int
    title: str
    body: str  # "" when GitHub has no body (null)
    labels: list[str]
    state: str  # open | closed
    state_reason: str | None  # completed | not_planned | reopened | None
    html_url: str


@dataclass(frozen=True)
class CommentData:
    id: int
    body: str
    html_url: str
    removed: int = 0  # duplicates of it (same marker) deleted to converge on one



@dataclass(frozen=True)
class CheckData:
    """A check run: status queued|in_progress|completed, conclusion success|failure|… or None."""

    name: str
    status: str
    conclusion: str | None = None


@dataclass(frozen=True)
class StatusData:
    """A commit status (the latest one per context): state error|failure|pending|success."""

    context: str
    state: str

    @property
    def name(self) -> str:
        return self.context


@dataclass(frozen=True)
class RepoData:
    full_name: str
    default_branch: str
    html_url: str


class RemoteChanged(IssueFlowError):
    """The issue changed on GitHub since it was read: nothing was overwritten."""


# --------------------------------------------------------------------------- adapter


class GitHub(Client):
    """Issues, comments, sub-issues and commit checks of one repository (see :class:`Client`
    for the arguments). Building the object sends no request."""

    def __init__(self, *args: Any, **kw: Any):
        super().__init__(*args, **kw)
        self._numbers: dict[int, int] = {}  # issue id -> number, for messages

    def __repr__(self) -> str:
        return f"GitHub(api_url={self.api_url!r}, repository={self.repository!r})"

    # ------------------------------------------------------------------ reads

    def repository_info(self) -> RepoData:
        def fetch() -> RepoData:
            r = self.repo_api
            return RepoData(want(r.full_name, str, "full_name"), want(r.default_branch, str, "default_branch"),
                            want(r.html_url, str, "html_url"))

        return self.read(
            f"read repository {self.repository}", fetch, not_found=f"repository {self.repository} not found at {self.api_url}"
        )

    def get_issue(self, number: int) -> IssueData:
        return self.read(
            f"read issue #{number}", lambda: self._issue_data(self.repo_api.get_issue(number)), not_found=self._nf(number)
        )

    def list_comments(self, number: int) -> list[CommentData]:
        def fetch() -> list[CommentData]:
            return [self._comment_data(c) for c in self.repo_api.get_issue(number).get_comments()]

        return self.read(f"list the comments of issue #{number}", fetch, not_found=self._nf(number))

    def find_comment(self, number: int, marker: str) -> CommentData | None:
        """The first comment of #number whose body contains ``marker``."""
        found = self._marked(number, marker)
        return found[0][0] if found else None

    def _marked(self, number: int, marker: str) -> list[tuple[CommentData, Any]]:
        """Every comment of #number holding ``marker`` (all pages), oldest first."""

        def fetch() -> list[tuple[CommentData, Any]]:
            out = []
            for c in self.repo_api.get_issue(number).get_comments():
                data = self._comment_data(c)
                if marker in data.body:
                    out.append((data, c))
            return out

        return self.read(f"list the comments of issue #{number}", fetch, not_found=self._nf(number))

    def converge_comment(self, number: int, marker: str) -> CommentData | None:
        """The one comment of #number holding ``marker``: the first is kept and every later
        one deleted (a duplicate a write stored after answering an error or timing out);
        ``removed`` of the answer says how many. None when there is none."""
        found = self._marked(number, marker)
        if not found:
            return None
        keep = found[0][0]
        removed = 0
        for data, obj in found[1:]:

            def send(obj: Any = obj) -> bool:
                obj.delete()
                return True

            def gone(data: CommentData = data) -> bool | None:
                return True if all(d.id != data.id for d, _ in self._marked(number, marker)) else None

            def on_http(failure: Failure) -> Any:
                return True if failure.status == 404 else RAISE  # already deleted

            self.write(f"delete the duplicate comment {data.html_url} on issue #{number}", send, gone,
                        not_found=self._nf(number), on_http=on_http)
            removed += 1
        return CommentData(keep.id, keep.body, keep.html_url, removed)

    def sub_issue_ids(self, number: int) -> list[int]:
        def fetch() -> list[int]:
            return [s.id for s in self.repo_api.get_issue(number).get_sub_issues()]

        return self.read(f"list the sub-issues of issue #{number}", fetch, not_found=self._nf(number))

    def check_runs(self, sha: str) -> list[CheckData]:
        def fetch() -> list[CheckData]:
            runs = self.repo_api.get_commit(sha).get_check_runs()
            return [CheckData(want(r.name, str, "name"), want(r.status, str, "status"),
                              want(r.conclusion, str, "conclusion", optional=True)) for r in runs]

        return self.read(
            f"read the check runs of {sha[:12]}", fetch, not_found=f"commit {sha} not found in {self.repository}"
        )

    def commit_statuses(self, sha: str) -> list[StatusData]:
        def fetch() -> list[StatusData]:
            combined = self.repo_api.get_commit(sha).get_combined_status()
            statuses = want(combined.statuses, list, "statuses")
            return [StatusData(want(s.context, str, "context"), want(s.state, str, "state")) for s in statuses]

        return self.read(
            f"read the statuses of {sha[:12]}", fetch, not_found=f"commit {sha} not found in {self.repository}"
        )

    # ------------------------------------------------------------------ writes

    def create_comment(self, number: int, body: str, marker: str) -> CommentData:
        """Post ``body`` on #number once: if a comment holding ``marker`` exists, return it."""
        if not marker or marker not in body:
            raise IssueFlowError("a comment must contain its marker (a hidden HTML comment) to be posted only once")
        self._check_size(body, f"comment for issue #{number}")
        found = self.converge_comment(number, marker)
        if found is not None:
            return found

        def send() -> CommentData:
            return self._comment_data(self.repo_api.get_issue(number).create_comment(body))

        return self.write(
            f"comment on issue #{number}", send, lambda: self.converge_comment(number, marker), not_found=self._nf(number)
        )

    def edit_issue_body(
        self, number: int, new_body: str, expected_old: str | None, *, read_first: bool = True
    ) -> IssueData:
        """Replace the body of #number, if it is still ``expected_old`` (None: whatever it is).

        The issue is read first: already ``new_body`` means nothing to send; something other
        than ``expected_old`` raises :class:`RemoteChanged` and nothing is written.
        ``read_first=False`` says the caller has just read the body (it is ``expected_old``):
        the first PATCH goes out without reading it again (one request instead of two);
        after a failure the adapter still looks before sending again.
        """
        self._check_size(new_body, f"body of issue #{number}")
        changed = (
            f"issue #{number}: the body changed on GitHub since it was read; nothing written, run again"
        )
        if read_first or expected_old is None:
            current = self.get_issue(number)
            if current.body == new_body:
                return current
            if expected_old is not None and current.body != expected_old:
                raise RemoteChanged(changed)

        def send() -> IssueData:
            issue = self.repo_api.get_issue(number)
            issue.edit(body=new_body)
            return self._issue_data(issue)

        def landed() -> IssueData | None:
            now = self.get_issue(number)
            if now.body == new_body:
                return now
            if expected_old is not None and now.body != expected_old:
                raise RemoteChanged(changed)
            return None

        return self.write(f"edit the body of issue #{number}", send, landed, not_found=self._nf(number))

    def close_issue(self, number: int, state_reason: str = "completed") -> IssueData:
        """Close #number with ``state_reason`` (completed | not_planned); no-op if already so."""
        if state_reason not in STATE_REASONS:
            raise IssueFlowError(f"state_reason must be completed or not_planned, not {state_reason!r}")
        current = self.get_issue(number)
        if current.state == "closed" and current.state_reason == state_reason:
            return current

        def send() -> IssueData:
            issue = self.repo_api.get_issue(number)
            issue.edit(state="closed", state_reason=state_reason)
            return self._issue_data(issue)

        def landed() -> IssueData | None:
            now = self.get_issue(number)
            return now if now.state == "closed" and now.state_reason == state_reason else None

        return self.write(f"close issue #{number}", send, landed, not_found=self._nf(number))

    def add_sub_issue(self, parent_number: int, child_id: int) -> bool:
        """Link the issue with id ``child_id`` as a sub-issue of #parent_number.

        True when linked (now or already); False when the server has no sub-issues (404/410
        while the parent exists, e.g. an older GitHub Enterprise Server).
        """

        def send() -> bool:
            self.repo_api.get_issue(parent_number).add_sub_issue(child_id)
            return True

        def linked() -> bool | None:
            return True if child_id in self.sub_issue_ids(parent_number) else None

        def on_http(failure: Failure) -> Any:
            if failure.status in (404, 410):
                self.get_issue(parent_number)  # a missing parent is an error, not "unsupported"
                return False
            if failure.status == 422 and linked():
                return True
            return RAISE

        child = f"#{self._numbers[child_id]}" if child_id in self._numbers else f"the issue with id {child_id}"
        return self.write(
            f"link {child} as a sub-issue of #{parent_number}",
            send,
            linked,
            not_found=self._nf(parent_number),
            on_http=on_http,
        )

    # ------------------------------------------------------------------ machinery

    def _nf(self, number: int) -> str:
        return f"issue #{number} not found in {self.repository}"

    @staticmethod
    def _check_size(text: str, what: str) -> None:
        if len(text) > MAX_BODY:
            raise IssueFlowError(
                f"{what} is {len(text):,} characters; GitHub accepts at most {MAX_BODY:,}; nothing sent"
            )

    def _issue_data(self, issue: Any) -> IssueData:
        labels = want(issue.labels, list, "labels", optional=True) or []
        data = IssueData(
            number=want(issue.number, int, "number"),
            id=want(issue.id, int, "id"),
            title=want(issue.title, str, "title", optional=True) or "",
            body=want(issue.body, str, "body", optional=True) or "",
            labels=[want(label.name, str, "labels[].name") for label in labels],
            state=want(issue.state, str, "state"),
            state_reason=want(issue.state_reason, str, "state_reason", optional=True),
            html_url=want(issue.html_url, str, "html_url"),
        )
        if data.state not in ("open", "closed"):
            raise BadAnswer(f"'state' is {data.state!r}")
        self._numbers[data.id] = data.number
        return data

    @staticmethod
    def _comment_data(comment: Any) -> CommentData:
        return CommentData(
            want(comment.id, int, "id"),
            want(comment.body, str, "body", optional=True) or "",
            want(comment.html_url, str, "html_url"),
        )
