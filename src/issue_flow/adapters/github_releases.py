"""GitHub Releases: find the release of a tag (drafts too) and create it once.

Apart from :mod:`issue_flow.adapters.github` because only ``release --github-release``
needs it; functions over a :class:`~issue_flow.adapters.github.GitHub` adapter, with its
rules: look before writing, never resend a write that may have landed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from issue_flow.adapters.github import GitHub
from issue_flow.adapters.github_http import RAISE, Failure
from issue_flow.errors import IssueFlowError

MAX_RELEASE_BODY = 125000  # characters: GitHub refuses longer release notes (422)


@dataclass(frozen=True)
class ReleaseData:
    id: int
    tag_name: str
    name: str
    body: str
    draft: bool
    prerelease: bool
    html_url: str


def _release_data(r: Any) -> ReleaseData:
    return ReleaseData(r.id, r.tag_name, r.name or "", r.body or "", bool(r.draft), bool(r.prerelease), r.html_url)


def find_release(gh: GitHub, tag: str) -> ReleaseData | None:
    """The release of ``tag``, drafts included, or None.

    The releases are listed (pages of 100, stopping at the match) because
    ``GET /releases/tags/{tag}`` does not see drafts, and a draft made by an interrupted
    run must be found too.
    """

    def fetch() -> ReleaseData | None:
        for r in gh.repo_api.get_releases():
            if r.tag_name == tag:
                return _release_data(r)
        return None

    return gh.read(
        f"list the releases of {gh.repository}", fetch, not_found=f"repository {gh.repository} not found at {gh.api_url}"
    )


def create_release(
    gh: GitHub,
    tag: str,
    name: str,
    body: str,
    *,
    draft: bool = False,
    prerelease: bool = False,
    target: str | None = None,
) -> tuple[ReleaseData, bool]:
    """Create the GitHub Release of ``tag`` once: ``(release, created)``.

    Looks first: a release of the tag that exists (published or draft) is returned as it
    is (``created`` False; nothing is edited). After a failure that may have stored it
    (5xx, timeout, lost connection) it looks again before resending; a 422 is answered by
    looking too (GitHub's "already_exists" when another run got there first).
    """
    if len(body) > MAX_RELEASE_BODY:
        raise IssueFlowError(
            f"the notes of release {tag} are {len(body):,} characters; GitHub accepts at most {MAX_RELEASE_BODY:,}; nothing sent"
        )
    found = find_release(gh, tag)
    if found is not None:
        return found, False
    from github.GithubObject import NotSet

    def send() -> ReleaseData:
        r = gh.repo_api.create_git_release(
            tag, name, body, draft=draft, prerelease=prerelease, target_commitish=target if target else NotSet
        )
        return _release_data(r)

    def on_http(failure: Failure) -> Any:
        if failure.status == 422:
            again = find_release(gh, tag)
            if again is not None:
                return again
        return RAISE

    release = gh.write(
        f"create the GitHub Release {tag}",
        send,
        lambda: find_release(gh, tag),
        not_found=f"repository {gh.repository} not found at {gh.api_url}",
        on_http=on_http,
    )
    return release, True
