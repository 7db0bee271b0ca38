"""The Hub calls that the model push and the dataset push share, and the Hub's errors as one line each.

`upload` creates the repo (and the branch a `revision` names), then uploads a folder with `HfApi.upload_folder`: no
hand-made HTTP call. `hub_errors` turns what the Hub answers into messages that say what to do: a repo or revision
that does not exist, a refused token (log in), a server failure (the local folder is untouched: retry). No message
ever holds a token: `scrub` removes it, for huggingface_hub can quote request details in its errors.

This module imports nothing of ours, so that every layer that pushes (the data layer's `push_artemis` too) can use it.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)

DEFAULT_BRANCH = "main"
PR_REF = re.compile(r"refs/pr/\d+")
COMMIT_SHA = re.compile(r"[0-9a-f]{40}")
LOGIN_HINT = "log in with `hf auth login`, or set the HF_TOKEN environment variable to a token with write access"
# User access tokens: "hf_" and 34 letters or digits (older ones "api_..."); longer runs too, to be safe.
TOKEN_PATTERN = re.compile(r"\b(?:hf|api)_[A-Za-z0-9]{30,}\b")
AUTHORIZATION_PATTERN = re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?(?:bearer\s+)?)[^\s'\",}]+")
HIDDEN = "***"


def current_token(token: str | None = None) -> str | None:
    """The token a call will send: the one given, else huggingface_hub's (HF_TOKEN, then `hf auth login`'s)."""
    if token:
        return token
    from huggingface_hub import get_token

    return get_token()


def scrub(text: str, token: str | None = None) -> str:
    """`text` without the token in use, anything shaped like a Hub token, or an Authorization header's value."""
    token = current_token(token)
    if token:
        text = text.replace(token, HIDDEN)
    text = TOKEN_PATTERN.sub(HIDDEN, text)
    return AUTHORIZATION_PATTERN.sub(lambda match: match.group(1) + HIDDEN, text)


def check_revision(revision: str | None) -> None:
    """A push goes to a branch or an open pull request (`refs/pr/N`), never to a commit."""
    if revision is not None and (not revision.strip() or COMMIT_SHA.fullmatch(revision)):
        raise ValueError(f"--revision {revision!r}: name a branch (created when missing) or refs/pr/N, not a commit")


@contextmanager
def hub_errors(
    repo_id: str, revision: str | None, local_folder: str | os.PathLike, token: str | None = None, wrote: str = ""
) -> Iterator:
    """Each error the Hub answers, as one line that says what to do; the original, scrubbed, stays chained for
    `--debug`. `wrote`: what the push itself wrote into `local_folder` before uploading (the model card)."""
    from huggingface_hub.errors import (
        HfHubHTTPError,
        LocalTokenNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    try:
        yield
    except RevisionNotFoundError as error:
        raise ValueError(
            f"--revision {revision}: {repo_id} has no such branch or pull request (a new branch is created, but a "
            "pull request must be open: push with --create_pr to open one)"
        ) from _scrubbed(error, token)
    except RepositoryNotFoundError as error:
        raise ValueError(
            f"--repo_id {repo_id}: no such repo on the Hub, or one that your token cannot see: check the name, or "
            f"{LOGIN_HINT}"
        ) from _scrubbed(error, token)
    except LocalTokenNotFoundError as error:
        raise ValueError(f"No Hub token found to push to {repo_id}: {LOGIN_HINT}") from _scrubbed(error, token)
    except HfHubHTTPError as error:
        raise _http_error(error, repo_id, local_folder, token, wrote) from _scrubbed(error, token)


def _http_error(error, repo_id: str, local_folder, token: str | None, wrote: str) -> Exception:
    status = error.response.status_code if error.response is not None else None
    said = scrub(" ".join(str(error.server_message or error).split()), token)
    if status == 401:
        return ValueError(f"The Hub refused the token (401 Unauthorized) pushing to {repo_id}: {LOGIN_HINT}")
    if status == 403:
        return ValueError(f"Your token may not write to {repo_id} (403 Forbidden: {said}): {LOGIN_HINT}")
    if status is not None and status >= 500:
        return RuntimeError(
            f"The Hub failed ({status}: {said}) while pushing {local_folder} to {repo_id}: the local folder is "
            f"untouched{f' (but for {wrote}, which the push writes first)' if wrote else ''}, and a retry is safe: run "
            "the same command again"
        )
    return ValueError(f"The Hub refused the push of {local_folder} to {repo_id} ({status}: {said})")


def _scrubbed(error: BaseException, token: str | None) -> BaseException:
    """The same exception, its message without the token (tracebacks with --debug print it)."""
    error.args = tuple(scrub(arg, token) if isinstance(arg, str) else arg for arg in error.args)
    return error


def upload(
    folder: str | os.PathLike,
    repo_id: str,
    *,
    repo_type: str = "model",
    files: Sequence[str] | None = None,
    private: bool = False,
    revision: str | None = None,
    create_pr: bool = False,
    commit_message: str,
    token: str | None = None,
    wrote: str = "",
) -> str:
    """Upload `files` (paths relative to `folder`; None: all of it) to `repo_id`, created if needed, on `revision`
    (a branch, created from main when missing, or refs/pr/N), or as a new pull request with `create_pr`. Returns the
    commit URL, or the pull request's."""
    from huggingface_hub import HfApi

    check_revision(revision)
    folder = Path(folder)
    api = HfApi(token=token)
    with hub_errors(repo_id, revision, folder, token, wrote):
        existed = private and api.repo_exists(repo_id, repo_type=repo_type)
        api.create_repo(repo_id, repo_type=repo_type, private=private, exist_ok=True)
        if existed and not api.repo_info(repo_id, repo_type=repo_type).private:
            raise ValueError(
                f"--private: {repo_id} already exists and is public; nothing was uploaded. Make it private in its "
                "settings on the Hub first, or push without --private"
            )
        if revision not in (None, DEFAULT_BRANCH) and not PR_REF.fullmatch(revision):
            api.create_branch(repo_id, branch=revision, repo_type=repo_type, exist_ok=True)
        commit = api.upload_folder(
            repo_id=repo_id,
            repo_type=repo_type,
            folder_path=str(folder),
            # Exact names, escaped: upload_folder's patterns are fnmatch globs, whose "*" would cross folders.
            allow_patterns=None if files is None else [_escape(name) for name in files],
            revision=revision,
            create_pr=create_pr,
            commit_message=commit_message,
        )
    if create_pr and not commit.pr_url:  # huggingface_hub skips a commit that changes nothing
        logger.warning("%s: nothing differs from %s, so no pull request was opened", folder, repo_id)
    return str(commit.pr_url if create_pr and commit.pr_url else commit.commit_url)


def _escape(name: str) -> str:
    """A file name as an fnmatch pattern that matches only itself."""
    return re.sub(r"([*?\[])", r"[\1]", name)
