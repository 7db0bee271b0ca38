"""A local stand-in for the Hugging Face Hub, for tests.

It speaks the part of the Hub's HTTP protocol that the real huggingface_hub, transformers and datasets clients use to
create repos, commit files (small ones inline, large or binary ones through Git LFS) to branches and pull requests,
list them and download them at any revision, and answers errors as the Hub does, so that the clients raise their own
exception types (RepositoryNotFoundError, RevisionNotFoundError, EntryNotFoundError, HfHubHTTPError 401/409/500, and
ValueError for a card whose YAML metadata the Hub would refuse).

What exists:
- repos (public or private), each created with one empty commit on `main`;
- branches (`create_branch`, from `main` or any revision) and commits to any branch, each with its parent;
- pull requests: `create_commit(..., create_pr=True)` opens `refs/pr/1`, `refs/pr/2`, ... (per repo) from the head of
  the given branch and commits there; `main` does not change (nothing merges a pull request);
- reads (resolve, tree, paths-info, repo info, commits) at a branch, `refs/heads/<branch>`, `refs/pr/<n>` or the full
  sha of any commit; `list_repo_refs`, `list_repo_commits`;
- tokens: the server accepts the tokens given to `HubServer`. A request with any other token gets 401 "Invalid
  credentials in Authorization header" (HfHubHTTPError); whoami and writes without a token get 401 too, and so do
  reads of a private or missing repo without a token (the clients raise RepositoryNotFoundError for those, as with
  the Hub);
- card metadata checks (POST /api/validate-yaml, which the clients call before any commit of a README.md): see
  `card_problems`;
- fault injection: `server.fail_next(...)`.
Not there: tags, merging or closing pull requests, deleting branches or repos, Xet (tests set HF_HUB_DISABLE_XET=1).

Storage, under the root directory given to `HubServer`. A commit is a manifest of path -> file, and file contents are
stored once, by content, so branches, pull requests and history cost little:

    lfs/<sha256>                            LFS objects, PUT by the clients before they commit
    blobs/<git sha1>                        the content of the other ("regular") files
    {models,datasets,spaces}/<ns>/<name>/
        repo.json                           {"private": bool, "commits": n, "refs": {"refs/heads/main": sha, ...}}
        commits/<sha>.json                  {"parent", "title", "message", "date", "files": {path: file}}, where a
                                            file is its tree entry: {"size", "oid"} (git sha1) [+ "lfs": {"oid", ...}]

Usage:

    server = HubServer(root, tokens={"hf_secret"}).start()    # server.endpoint == "http://127.0.0.1:<port>"
    with server.fail_next(1, path="/commit/") as fault:        # the next commit answers 500
        ...
    assert fault.failed == ["POST /api/models/<ns>/<name>/commit/main"]
    server.stop()

Which requests the clients retry (huggingface_hub 2.4), hence what a test of `fail_next` must expect: preupload, the
LFS batch and the LFS upload (PUT), and paginated listings (list_repo_tree, list_repo_files, list_repo_commits) go
through `http_backoff`, which retries 408/429/500/502/503/504 up to 5 times, sleeping 1, 2, 4, 8, 8 s (a Retry-After
header overrides: it waits that + 1 s). hf_hub_download retries a failed HEAD once at once (or, when the file is in
the cache, serves the cached copy without a word); its GET of the file's content is not retried. The commit POST of
`create_commit`/`upload_folder` (and of `push_to_hub`), paths-info, repo info, whoami, create_repo, create_branch and
validate-yaml are not retried either: a fault there raises HfHubHTTPError at once.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

logger = logging.getLogger(__name__)

DUMMY_TOKEN = "hf_local_hub_dummy_token"  # what HubServer accepts unless told otherwise

# Files the Hub stores in LFS whatever their content (a subset of its default .gitattributes).
LFS_SUFFIXES = {
    ".bin",
    ".safetensors",
    ".parquet",
    ".arrow",
    ".pt",
    ".pth",
    ".ckpt",
    ".h5",
    ".npy",
    ".npz",
    ".onnx",
    ".msgpack",
    ".pkl",
    ".zip",
    ".gz",
    ".tar",
    ".png",
    ".jpg",
    ".jpeg",
}
LFS_MIN_SIZE = 10 * 1024 * 1024

# The license ids the Hub accepts in a card's `license` (hub-docs, docs/hub/repositories-licenses.md).
LICENSES = frozenset(
    """
    apache-2.0 mit openrail bigscience-openrail-m creativeml-openrail-m bigscience-bloom-rail-1.0 bigcode-openrail-m
    afl-3.0 artistic-2.0 bsl-1.0 bsd bsd-2-clause bsd-3-clause bsd-3-clause-clear c-uda cc cc0-1.0 cc-by-2.0
    cc-by-2.5 cc-by-3.0 cc-by-4.0 cc-by-sa-3.0 cc-by-sa-4.0 cc-by-nc-2.0 cc-by-nc-3.0 cc-by-nc-4.0 cc-by-nd-4.0
    cc-by-nc-nd-3.0 cc-by-nc-nd-4.0 cc-by-nc-sa-2.0 cc-by-nc-sa-3.0 cc-by-nc-sa-4.0 cdla-sharing-1.0
    cdla-permissive-1.0 cdla-permissive-2.0 wtfpl ecl-2.0 epl-1.0 epl-2.0 etalab-2.0 eupl-1.1 agpl-3.0 gfdl gpl
    gpl-2.0 gpl-3.0 lgpl lgpl-2.1 lgpl-3.0 isc lppl-1.3c ms-pl mpl-2.0 odc-by odbl openrail++ osl-3.0 postgresql
    ofl-1.1 ncsa unlicense zlib pddl lgpl-lr deepfloyd-if-license llama2 llama3 llama3.1 llama3.2 llama3.3 gemma
    unknown other
    """.split()
)

# The task ids the Hub accepts as a model's `pipeline_tag` (huggingface.js, packages/tasks/src/pipelines.ts).
PIPELINE_TAGS = frozenset(
    """
    text-classification token-classification table-question-answering question-answering zero-shot-classification
    translation summarization feature-extraction text-generation text2text-generation fill-mask sentence-similarity
    text-to-speech text-to-audio automatic-speech-recognition audio-to-audio audio-classification audio-text-to-text
    voice-activity-detection depth-estimation image-classification object-detection image-segmentation text-to-image
    image-to-text image-to-image image-to-video unconditional-image-generation video-classification
    reinforcement-learning robotics tabular-classification tabular-regression tabular-to-text table-to-text
    multiple-choice text-ranking text-retrieval time-series-forecasting text-to-video image-text-to-text
    visual-question-answering document-question-answering zero-shot-image-classification graph-ml mask-generation
    zero-shot-object-detection text-to-3d image-to-3d image-feature-extraction video-text-to-text keypoint-detection
    visual-document-retrieval any-to-any biology other
    """.split()
)

REPO = r"(?P<type>model|dataset|space)s/(?P<repo>[^/]+/[^/]+)"  # /api/{type}s/{ns}/{name}
URL_REPO = r"(?:(?P<type>dataset|space)s/)?(?P<repo>[^/]+/[^/]+)"  # /{ns}/{name}, /datasets/{ns}/{name}, ...
REV = r"(?P<rev>[^/]+)"  # URL-quoted: "refs%2Fpr%2F1"
SHA = re.compile(r"[0-9a-f]{40}")


def git_sha1(data: bytes) -> str:
    """The git blob id of `data`, which the clients compare with their local files."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def lfs_pointer(oid: str, size: int) -> bytes:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {size}\n".encode()


def wants_lfs(path: str, size: int, sample: bytes) -> bool:
    """Whether the Hub would keep this new file in LFS: binary by name or content, or large."""
    return Path(path).suffix.lower() in LFS_SUFFIXES or size >= LFS_MIN_SIZE or b"\0" in sample


def write_atomically(path: Path, data: bytes) -> None:
    """Readers, which take no lock, never see a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f"{path.name}.{threading.get_ident()}.part")
    part.write_bytes(data)
    part.replace(path)


class HubError(Exception):
    """An error answer: the clients map `code` (the X-Error-Code header) to their own exceptions."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code = status, code


def revision_not_found(rev: str) -> HubError:
    return HubError(404, "RevisionNotFound", f"Invalid rev id: {rev}")


# --- repos: refs, commits, file trees ---


def entry(files: dict[str, dict], path: str) -> dict | None:
    """The tree/paths-info description of `path` in a commit's files, or None when it does not exist."""
    if path in files:
        return {"type": "file", "path": path, **files[path]}
    if any(name.startswith(path + "/") for name in files):
        return {"type": "directory", "path": path, "oid": hashlib.sha1(path.encode()).hexdigest()}
    return None


def walk(files: dict[str, dict], folder: str = "", recursive: bool = True) -> list[dict]:
    """The entries under `folder`: its files and folders, and with `recursive` theirs too."""
    prefix = f"{folder}/" if folder else ""
    found = {}
    for path in files:
        if not path.startswith(prefix):
            continue
        parts = path[len(prefix) :].split("/")
        depth = len(parts) if recursive else 1
        for n in range(1, min(depth, len(parts) - 1) + 1):  # the folders on the way
            found[prefix + "/".join(parts[:n])] = None
        if len(parts) <= depth:
            found[path] = None
    return [entry(files, path) for path in sorted(found)]


class Repo:
    """One repo on disk (see the module's docstring). Commits are immutable; repo.json changes under the server lock."""

    def __init__(self, root: Path, type: str, repo_id: str):
        self.type, self.id = type, repo_id
        self.dir = root / f"{type}s" / repo_id

    def exists(self) -> bool:
        return (self.dir / "repo.json").exists()

    @property
    def url_path(self) -> str:
        return self.id if self.type == "model" else f"{self.type}s/{self.id}"

    def state(self) -> dict:
        return json.loads((self.dir / "repo.json").read_text())

    def create(self, private: bool) -> None:
        write_atomically(self.dir / "repo.json", json.dumps({"private": private, "commits": 0, "refs": {}}).encode())
        self.add_commit("refs/heads/main", {}, None, "initial commit")  # the Hub starts every repo so

    def ref(self, rev: str) -> str | None:
        """The full name of the branch or pull request `rev` names ("main", "refs/heads/main", "refs/pr/1")."""
        refs = self.state()["refs"]
        return next((name for name in (rev, f"refs/heads/{rev}") if name in refs), None)

    def resolve(self, rev: str) -> str:
        """The commit sha that `rev` (a branch, a pull request or a commit sha) names."""
        if ref := self.ref(rev):
            return self.state()["refs"][ref]
        if SHA.fullmatch(rev) and (self.dir / "commits" / f"{rev}.json").exists():
            return rev
        raise revision_not_found(rev)

    def commit(self, sha: str) -> dict:
        return json.loads((self.dir / "commits" / f"{sha}.json").read_text())

    def add_commit(self, ref: str, files: dict, parent: str | None, title: str, message: str = "") -> str:
        """Moves (or creates) `ref` to a new commit of `files`; call it under the server lock."""
        state = self.state()
        state["commits"] += 1
        # Derived from the storage path too, so that two servers never share a sha (clients cache by sha).
        sha = hashlib.sha1(f"{self.dir}@{state['commits']}".encode()).hexdigest()
        date = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        commit = {"parent": parent, "title": title, "message": message, "date": date, "files": files}
        write_atomically(self.dir / "commits" / f"{sha}.json", json.dumps(commit).encode())
        state["refs"][ref] = sha
        write_atomically(self.dir / "repo.json", json.dumps(state).encode())
        return sha


# --- card metadata, as POST /api/validate-yaml checks it ---

YAML_BLOCK = re.compile(r"^\s*---[\r\n]+([\S\s]*?)[\r\n]+---(?:\r\n|\n|$)")  # huggingface_hub's REGEX_YAML_BLOCK
EMPTY_METADATA = "empty or missing yaml metadata in repo card (https://huggingface.co/docs/hub/model-cards)"


def one_of(allowed: frozenset, what: str):
    def check(value, where: str) -> list[str]:
        return [] if isinstance(value, str) and value in allowed else [f'"{where}" must be {what}, got {value!r}']

    return check


def string(value, where: str) -> list[str]:
    return shape(value, str, where)


def items(value, where: str) -> dict[str, object]:
    """A field that may hold one value or a list of them, as {"field" or "field[i]": value}."""
    return {f"{where}[{i}]": item for i, item in enumerate(value)} if isinstance(value, list) else {where: value}


def strings(value, where: str) -> list[str]:
    """A string or a list of strings."""
    if not isinstance(value, (str, list)):
        return [f'"{where}" must be a string or a list of strings, got {value!r}']
    return [
        f'"{at}" must be a string, got {item!r}'
        for at, item in items(value, where).items()
        if not isinstance(item, str)
    ]


def languages(value, where: str) -> list[str]:
    """Language codes: strings, in lowercase."""
    lowercase = [
        f'"{at}" must only contain lowercase characters, got {item!r}'
        for at, item in items(value, where).items()
        if isinstance(item, str) and item != item.lower()
    ]
    return strings(value, where) + lowercase


def shape(value, expected, where: str) -> list[str]:
    """Checks `value` against an example shape: [item shape], {key: shape} (keys required), or a type."""
    if isinstance(expected, list):
        if not isinstance(value, list):
            return [f'"{where}" must be a list, got {value!r}']
        return [error for i, item in enumerate(value) for error in shape(item, expected[0], f"{where}[{i}]")]
    if isinstance(expected, dict):
        if not isinstance(value, dict):
            return [f'"{where}" must be a mapping with {", ".join(expected)}, got {value!r}']
        errors = []
        for key, sub in expected.items():
            if value.get(key) is None:
                errors.append(f'"{where}.{key}" is required')
            else:
                errors += shape(value[key], sub, f"{where}.{key}")
        return errors
    return [] if isinstance(value, expected) else [f'"{where}" must be a {expected.__name__}, got {value!r}']


# What huggingface_hub's model_index_to_eval_results reads (each metric's `value` may be any non-null value).
MODEL_INDEX = [
    {
        "name": str,
        "results": [
            {"task": {"type": str}, "dataset": {"name": str, "type": str}, "metrics": [{"type": str, "value": object}]}
        ],
    }
]


def data_files(value, where: str) -> list[str]:
    """A config's data_files: a path, a list of paths, or a list of {split, path (one or a list)}."""
    if isinstance(value, str):
        return []
    if not isinstance(value, list):
        return [f'"{where}" must be a path, a list of paths or a list of {{split, path}}, got {value!r}']
    errors = []
    for i, item in enumerate(value):
        if isinstance(item, dict):
            errors += shape(item, {"split": str, "path": object}, f"{where}[{i}]")
            errors += strings(item["path"], f"{where}[{i}].path") if item.get("path") is not None else []
        elif not isinstance(item, str):
            errors.append(f'"{where}[{i}]" must be a path or a {{split, path}} mapping, got {item!r}')
    return errors


def configs(value, where: str) -> list[str]:
    errors = shape(value, [{"config_name": str, "data_files": object}], where)
    for i, config in enumerate(value if isinstance(value, list) else []):
        if isinstance(config, dict) and config.get("data_files") is not None:
            errors += data_files(config["data_files"], f"{where}[{i}].data_files")
    return errors


COMMON_FIELDS = {
    "license": one_of(LICENSES, "a license id the Hub knows (apache-2.0, mit, cc-by-4.0, other, ...)"),
    "license_name": string,
    "tags": strings,
    "language": languages,
}
FIELDS = {
    "model": {
        **COMMON_FIELDS,
        "pipeline_tag": one_of(PIPELINE_TAGS, "a task id the Hub knows (image-classification, ...)"),
        "library_name": string,
        "datasets": strings,
        "metrics": strings,
        "base_model": strings,
        "model-index": lambda value, where: shape(value, MODEL_INDEX, where),
    },
    "dataset": {
        **COMMON_FIELDS,
        "pretty_name": string,
        "task_categories": strings,
        "task_ids": strings,
        "size_categories": strings,
        "configs": configs,
    },
    "space": COMMON_FIELDS,
}


def card_problems(content: str, repo_type: str = "model") -> tuple[list[str], list[str]]:
    """(errors, warnings) of the Hub's check of a card's YAML metadata: one error per bad field, which it names.

    Fields not listed in FIELDS are not checked; those listed are checked when present (none is required)."""
    block = YAML_BLOCK.match(content)
    try:
        metadata = yaml.safe_load(block.group(1)) if block else None
    except yaml.YAMLError as err:
        return [f"Invalid YAML in the card metadata: {err}"], []
    if metadata is None:
        return [], [EMPTY_METADATA]
    if not isinstance(metadata, dict):
        return [f"The card metadata must be a YAML mapping of fields, got a {type(metadata).__name__}"], []
    checks = FIELDS.get(repo_type, COMMON_FIELDS)
    return [error for name, check in checks.items() if name in metadata for error in check(metadata[name], name)], []


# --- the server ---


@dataclass
class Fault:
    """Makes the next `count` requests whose method is `method` and whose URL path (as sent, URL-quoted) contains
    `path` ("" matches any) answer `status`. A context manager: leaving the block disarms what is left of it."""

    count: int
    status: int = 500
    path: str = ""
    method: str = ""
    failed: list[str] = field(default_factory=list)  # "POST /api/models/ns/name/commit/main", one per failed request

    def matches(self, method: str, path: str) -> bool:
        return len(self.failed) < self.count and self.path in path and self.method in ("", method)

    def __enter__(self) -> Fault:
        return self

    def __exit__(self, *exc) -> None:
        self.count = len(self.failed)


class HubServer(ThreadingHTTPServer):
    """The local Hub: serves the repos under `root` on 127.0.0.1:`port` (0: any free port) to `user`, who may use
    any of `tokens`."""

    daemon_threads = True

    def __init__(
        self, root: str | os.PathLike, port: int = 0, user: str = "artemis-tester", tokens=frozenset({DUMMY_TOKEN})
    ):
        super().__init__(("127.0.0.1", port), Handler)
        self.root, self.user = Path(root).resolve(), user
        self.tokens = set(tokens)
        self.endpoint = f"http://127.0.0.1:{self.server_port}"
        self.lock = threading.Lock()  # one change of repo.json at a time
        self.faults: list[Fault] = []
        self.faults_lock = threading.Lock()  # requests come in on many threads

    def start(self) -> HubServer:
        # A short poll interval, for stop() waits for the serving loop to notice.
        threading.Thread(target=self.serve_forever, args=(0.05,), name="local-hub", daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def fail_next(self, n: int = 1, status: int = 500, path: str = "", method: str = "") -> Fault:
        """The next `n` requests matching `path` and `method` (see Fault) answer `status` with a JSON error, then
        requests behave normally again. The faults armed first apply first. See the module's docstring for which
        requests the clients retry."""
        fault = Fault(n, status, path, method.upper())
        with self.faults_lock:
            self.faults.append(fault)
        return fault

    def take_fault(self, method: str, path: str) -> Fault | None:
        """The fault this request triggers, if any (counted as used)."""
        with self.faults_lock:
            self.faults = [fault for fault in self.faults if len(fault.failed) < fault.count]
            fault = next((fault for fault in self.faults if fault.matches(method, path)), None)
            if fault:
                fault.failed.append(f"{method} {path}")
            return fault


# Handler methods that need a token (all writes, and whoami).
NEEDS_TOKEN = {"whoami", "create_repo", "create_branch", "preupload", "lfs_batch", "commit"}


class Handler(BaseHTTPRequestHandler):
    server: HubServer

    def log_message(self, format, *args):  # the default logs every request to stderr
        logger.debug("%s " + format, self.address_string(), *args)

    def do_GET(self):
        self.dispatch("GET")

    def do_HEAD(self):
        self.dispatch("HEAD")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        self.query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        # Read the body first, even for an error answer: unread, it would make closing the socket reset the
        # connection, and the client would see a network error instead of the answer.
        self.data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            if fault := self.server.take_fault(method, url.path):
                raise HubError(fault.status, "", "Internal Error - injected by HubServer.fail_next")
            for methods, pattern, name in ROUTES:
                match = re.fullmatch(pattern, url.path)
                if match and method in methods.split():
                    args = {key: unquote(value) for key, value in match.groupdict().items() if value is not None}
                    self.authenticate(name, "repo" in args and name != "lfs_batch")
                    return getattr(self, name)(**args)
            logger.warning("local hub: no route for %s %s", method, self.path)
            raise HubError(404, "", f"no route for {method} {url.path}")
        except HubError as err:
            headers = {"X-Error-Message": str(err)} | ({"X-Error-Code": err.code} if err.code else {})
            self.send_json({"error": str(err)}, err.status, headers)

    def authenticate(self, name: str, repo_route: bool) -> None:
        """Sets `self.authenticated`; a token the server does not know, or none where one is needed, answers 401."""
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token not in self.server.tokens:
            # The clients recognise this message: the token is wrong, whatever the repo.
            raise HubError(401, "", "Invalid credentials in Authorization header")
        self.authenticated = scheme.lower() == "bearer"
        if name in NEEDS_TOKEN and not self.authenticated:
            # On repo URLs the clients turn a 401 into RepositoryNotFoundError, which the code says here, for their
            # URL check expects https.
            raise HubError(401, "RepoNotFound" if repo_route else "", "Invalid username or password.")

    # --- plumbing ---

    def send(self, status: int, body: bytes, headers: dict[str, str | int]) -> None:
        self.send_response(status)
        for key, value in {"Content-Length": len(body), **headers}.items():
            self.send_header(key, str(value))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, data, status: int = 200, headers: dict | None = None) -> None:
        self.send(status, json.dumps(data).encode(), {"Content-Type": "application/json", **(headers or {})})

    def repo(self, repo: str, type: str | None = None) -> Repo:
        """The repo, when it exists and this request may see it: the Hub hides private repos, and says 401 for a
        repo it does not show to a request without a token."""
        found = Repo(self.server.root, type or "model", repo)
        if not found.exists() or (found.state()["private"] and not self.authenticated):
            status = 404 if self.authenticated else 401
            raise HubError(status, "RepoNotFound", f"Repository Not Found: {repo}")
        return found

    def snapshot(self, type, repo, rev) -> tuple[Repo, str, dict]:
        """(repo, commit sha, files) of a revision."""
        repo = self.repo(repo, type)
        sha = repo.resolve(rev)
        return repo, sha, repo.commit(sha)["files"]

    def repo_url(self, repo: Repo) -> str:
        return f"{self.server.endpoint}/{repo.url_path}"

    # --- account and repos: whoami, YAML validation of cards, create, info, refs, commits ---

    def whoami(self):
        """GET /api/whoami-v2: every token belongs to the one user."""
        self.send_json(
            {
                "type": "user",
                "name": self.server.user,
                "fullname": self.server.user,
                "orgs": [],
                "auth": {"type": "access_token", "accessToken": {"displayName": "test", "role": "write"}},
            }
        )

    def validate_yaml(self):
        """POST /api/validate-yaml {"content": card text, "repoType"}: 400 with the errors when the Hub would refuse
        the card's metadata. Plain text for `Accept: text/plain` (RepoCard.validate), JSON otherwise."""
        payload = json.loads(self.data)
        errors, warnings = card_problems(payload.get("content", ""), payload.get("repoType") or "model")
        if errors and self.headers.get("Accept") == "text/plain":
            self.send(400, "\n".join(errors).encode(), {"Content-Type": "text/plain"})
        else:  # create_commit reads "errors" and "warnings" (it warns of those); other clients read "error"
            answer = {
                "errors": [{"message": error} for error in errors],
                "warnings": [{"message": w} for w in warnings],
            }
            self.send_json({"error": "\n".join(errors), **answer} if errors else answer, 400 if errors else 200)

    def create_repo(self):
        """POST /api/repos/create: 409 when the repo exists."""
        payload = json.loads(self.data)
        repo_id = f"{payload.get('organization') or self.server.user}/{payload['name']}"
        repo = Repo(self.server.root, payload.get("type") or "model", repo_id)
        with self.server.lock:
            exists = repo.exists()
            if not exists:
                repo.create(private=payload.get("visibility") == "private" or payload.get("private") is True)
        # With exist_ok=True the client reads "url" from the 409 answer too.
        answer = {"url": self.repo_url(repo), "name": repo_id, "id": repo_id}
        if exists:
            answer["error"] = f"You already created this {repo.type} repo"
        self.send_json(answer, 409 if exists else 200)

    def repo_info(self, type, repo, rev="main"):
        """GET /api/{type}s/{repo}[/revision/{rev}]: the commit sha and the files, with their LFS details."""
        repo, sha, files = self.snapshot(type, repo, rev)
        siblings = []
        for path, file in files.items():
            sibling = {"rfilename": path, "size": file["size"], "blobId": file["oid"]}
            if "lfs" in file:
                sibling["lfs"] = {**file["lfs"], "sha256": file["lfs"]["oid"]}  # named "oid" in the tree API
            siblings.append(sibling)
        self.send_json(
            {
                "id": repo.id,
                "author": repo.id.split("/")[0],
                "sha": sha,
                "private": repo.state()["private"],
                "gated": False,
                "disabled": False,
                "tags": [],
                "siblings": siblings,
            }
        )

    def create_branch(self, type, repo, branch):
        """POST /api/{type}s/{repo}/branch/{branch} [{"startingPoint": rev}]: a branch at rev (default: main)."""
        repo = self.repo(repo, type)
        if branch.startswith("refs/"):
            raise HubError(400, "", f"Invalid reference for a branch: {branch}")
        start = (json.loads(self.data or b"{}") or {}).get("startingPoint") or "main"
        with self.server.lock:
            state = repo.state()
            if f"refs/heads/{branch}" in state["refs"]:
                raise HubError(409, "", f"Reference already exists: refs/heads/{branch}")
            state["refs"][f"refs/heads/{branch}"] = repo.resolve(start)
            write_atomically(repo.dir / "repo.json", json.dumps(state).encode())
        self.send_json({})

    def refs(self, type, repo):
        """GET /api/{type}s/{repo}/refs[?include_prs=1]: branches, and pull requests when asked."""
        repo = self.repo(repo, type)

        def listing(kind: str, strip: str) -> list[dict]:
            return [
                {"name": ref.removeprefix(strip), "ref": ref, "targetCommit": sha}
                for ref, sha in sorted(repo.state()["refs"].items())
                if ref.startswith(kind)
            ]

        answer = {"branches": listing("refs/heads/", "refs/heads/"), "converts": [], "tags": []}
        if self.query.get("include_prs") in ("1", "true", "True"):
            answer["pullRequests"] = listing("refs/pr/", "refs/")  # named "pr/1"
        self.send_json(answer)

    def commits(self, type, repo, rev):
        """GET /api/{type}s/{repo}/commits/{rev}: the history of rev, newest first, unpaginated."""
        repo = self.repo(repo, type)
        history, sha = [], repo.resolve(rev)
        while sha:
            commit = repo.commit(sha)
            author = [{"user": self.server.user}]
            history.append(
                {
                    "id": sha,
                    "authors": author,
                    "date": commit["date"],
                    "title": commit["title"],
                    "message": commit["message"],
                }
            )
            sha = commit["parent"]
        self.send_json(history)

    # --- listing: tree and paths-info ---

    def tree(self, type, repo, rev, path=""):
        """GET /api/{type}s/{repo}/tree/{rev}[/{path}][?recursive=true]: a folder's entries, unpaginated."""
        _, _, files = self.snapshot(type, repo, rev)
        if path and entry(files, path) is None:
            raise HubError(404, "EntryNotFound", f"{path} does not exist on {rev}")
        self.send_json(walk(files, path, recursive=self.query.get("recursive", "").lower() in ("1", "true")))

    def paths_info(self, type, repo, rev):
        """POST /api/{type}s/{repo}/paths-info/{rev}: the entries of the given paths that exist."""
        _, _, files = self.snapshot(type, repo, rev)
        paths = parse_qs(self.data.decode()).get("paths", [])  # a form: paths=a&paths=b&expand=False
        self.send_json([found for path in paths if (found := entry(files, path)) is not None])

    # --- commits: preupload (LFS or inline?), LFS batch and upload, commit ---

    def preupload(self, type, repo, rev):
        """POST /api/{type}s/{repo}/preupload/{rev}: whether each file will come inline ("regular") or by LFS."""
        repo, sha, files = self.snapshot(type, repo, rev)
        answers = []
        for file in json.loads(self.data)["files"]:
            lfs = wants_lfs(file["path"], file["size"], base64.b64decode(file["sample"]))
            # The client skips files whose oid (sha256 for LFS, git sha1 otherwise) did not change.
            remote = files.get(file["path"])
            oid = remote and (remote["lfs"]["oid"] if "lfs" in remote else remote["oid"])
            mode = "lfs" if lfs else "regular"
            answers.append({"path": file["path"], "uploadMode": mode, "shouldIgnore": False, "oid": oid})
        self.send_json({"files": answers, "commitOid": sha})

    def lfs_batch(self, repo, type=None):
        """POST /[{type}s/]{repo}.git/info/lfs/objects/batch: where to PUT each LFS object not stored yet."""
        self.repo(repo, type)
        objects = []
        for obj in json.loads(self.data)["objects"]:
            answer = {"oid": obj["oid"], "size": obj["size"], "authenticated": True}
            if not (self.server.root / "lfs" / obj["oid"]).exists():  # no "actions": already uploaded
                answer["actions"] = {"upload": {"href": f"{self.server.endpoint}/lfs/{obj['oid']}"}}
            objects.append(answer)
        self.send_json(
            {"transfer": "basic", "objects": objects}, headers={"Content-Type": "application/vnd.git-lfs+json"}
        )

    def lfs_upload(self, oid):
        """PUT /lfs/{sha256}: one LFS object ("basic" transfer). No token: the Hub hands out a signed storage URL."""
        if hashlib.sha256(self.data).hexdigest() != oid:
            raise HubError(400, "BadRequest", "sha256 of the content does not match the object id")
        write_atomically(self.server.root / "lfs" / oid, self.data)
        self.send(200, b"", {})

    def commit(self, type, repo, rev):
        """POST /api/{type}s/{repo}/commit/{rev}[?create_pr=1]: NDJSON lines header, file (base64), lfsFile,
        deletedFile, deletedFolder. With create_pr, to a new pull request from rev's head."""
        repo = self.repo(repo, type)
        header, *ops = [json.loads(line) for line in self.data.splitlines() if line.strip()]
        with self.server.lock:
            ref = repo.ref(rev)
            if ref is None:  # a commit sha is no place to commit to
                raise revision_not_found(rev)
            parent = repo.state()["refs"][ref]
            expected = header["value"].get("parentCommit")
            if expected and expected != parent:
                raise HubError(
                    412, "", f"A commit has happened since {expected} on {rev}. Please refresh and try again."
                )
            files = self.apply(repo.commit(parent)["files"], ops)
            pr = None
            if self.query.get("create_pr") == "1":  # refs/pr/<n>, numbered from 1 in each repo
                pr = 1 + sum(name.startswith("refs/pr/") for name in repo.state()["refs"])
                ref = f"refs/pr/{pr}"
            summary = header["value"].get("summary", "")
            sha = repo.add_commit(ref, files, parent, summary, header["value"].get("description", ""))
        answer = {"success": True, "commitOid": sha, "commitUrl": f"{self.repo_url(repo)}/commit/{sha}"}
        # As on the Hub, a pull request's URL is that of its discussion, which CommitInfo reads the number from.
        answer["pullRequestUrl"] = f"{self.repo_url(repo)}/discussions/{pr}" if pr else None
        self.send_json(answer)

    def apply(self, files: dict, ops: list[dict]) -> dict:
        """The files after a commit's operations; checks them all first, so that a failed commit changes nothing."""
        files = dict(files)
        for op in ops:
            if op["key"] == "lfsFile" and not (self.server.root / "lfs" / op["value"]["oid"]).exists():
                raise HubError(400, "BadRequest", f"LFS object {op['value']['oid']} was not uploaded")
        for op in ops:
            key, path = op["key"], op["value"].get("path", "")
            if key == "file":
                data = base64.b64decode(op["value"]["content"])
                oid = git_sha1(data)
                if not (self.server.root / "blobs" / oid).exists():
                    write_atomically(self.server.root / "blobs" / oid, data)
                files[path] = {"size": len(data), "oid": oid}
            elif key == "lfsFile":
                oid = op["value"]["oid"]
                size = (self.server.root / "lfs" / oid).stat().st_size
                pointer = lfs_pointer(oid, size)
                lfs = {"oid": oid, "size": size, "pointerSize": len(pointer)}
                files[path] = {"size": size, "oid": git_sha1(pointer), "lfs": lfs}
            elif key == "deletedFile":
                if files.pop(path, None) is None:
                    raise HubError(404, "EntryNotFound", f"A file with this name doesn't exist: {path}")
            elif key == "deletedFolder":
                prefix = path.rstrip("/") + "/"
                files = {name: file for name, file in files.items() if not name.startswith(prefix)}
        return files

    # --- downloads: resolve ---

    def resolve(self, repo, rev, path, type=None):
        """HEAD and GET /[{type}s/]{repo}/resolve/{rev}/{path}: a file, whole or a byte range."""
        repo, sha, files = self.snapshot(type, repo, rev)
        file = files.get(path)
        if file is None:
            raise HubError(404, "EntryNotFound", f"{path} does not exist on {rev}")
        headers = {"X-Repo-Commit": sha, "ETag": f'"{file["oid"]}"', "Content-Type": "application/octet-stream"}
        if "lfs" in file:  # the real Hub redirects to a CDN here, naming the LFS object in these headers
            headers |= {"X-Linked-Etag": f'"{file["lfs"]["oid"]}"', "X-Linked-Size": file["size"]}
        stored = (
            self.server.root / "lfs" / file["lfs"]["oid"]
            if "lfs" in file
            else self.server.root / "blobs" / file["oid"]
        )
        data = b"" if self.command == "HEAD" else stored.read_bytes()
        byte_range = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
        if byte_range and self.command == "GET":  # HfFileSystem, hence streaming datasets, reads ranges
            first, last = byte_range.groups()
            start = int(first) if first else max(len(data) - int(last), 0)  # "bytes=-N": the last N bytes
            stop = min(int(last) + 1, len(data)) if first and last else len(data)
            headers["Content-Range"] = f"bytes {start}-{stop - 1}/{len(data)}"
            self.send(206, data[start:stop], headers)
        else:
            self.send(200, data, {**headers, "Content-Length": file["size"]})


# (methods, path pattern, Handler method). Patterns match the quoted path, so that an encoded "/" in a revision
# or a file path stays in its group; the groups are unquoted before the call.
ROUTES = [
    ("GET", r"/api/whoami-v2", "whoami"),
    ("POST", r"/api/validate-yaml", "validate_yaml"),
    ("POST", r"/api/repos/create", "create_repo"),
    ("GET", rf"/api/{REPO}(?:/revision/{REV})?", "repo_info"),
    ("POST", rf"/api/{REPO}/branch/(?P<branch>[^/]+)", "create_branch"),
    ("GET", rf"/api/{REPO}/refs", "refs"),
    ("GET", rf"/api/{REPO}/commits/{REV}", "commits"),
    ("GET", rf"/api/{REPO}/tree/{REV}(?:/(?P<path>.+))?", "tree"),
    ("POST", rf"/api/{REPO}/paths-info/{REV}", "paths_info"),
    ("POST", rf"/api/{REPO}/preupload/{REV}", "preupload"),
    ("POST", rf"/{URL_REPO}\.git/info/lfs/objects/batch", "lfs_batch"),
    ("PUT", r"/lfs/(?P<oid>[0-9a-f]{64})", "lfs_upload"),
    ("POST", rf"/api/{REPO}/commit/{REV}", "commit"),
    ("GET HEAD", rf"/{URL_REPO}/resolve/{REV}/(?P<path>.+)", "resolve"),
]
