"""A local stand-in for the Hugging Face Hub, for tests.

It speaks the part of the Hub's HTTP protocol that the real huggingface_hub, transformers and datasets clients use to
create repos, commit files (small ones inline, large or binary ones through Git LFS), list them and download them.
Only the `main` branch exists, without history: a revision is `main` or the sha of its latest commit.

Storage, under the root directory given to `HubServer`:

    lfs/<sha256>                            LFS objects, PUT by the clients before they commit
    {models,datasets,spaces}/<ns>/<name>/
        commits                             number of commits (the head commit sha derives from it)
        main/<path>                         the files on `main`; LFS files are symlinks into lfs/

Usage:

    server = HubServer(root).start()    # server.endpoint == "http://127.0.0.1:<port>"
    ...
    server.stop()
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

logger = logging.getLogger(__name__)

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

REPO = r"(?P<type>model|dataset|space)s/(?P<repo>[^/]+/[^/]+)"  # /api/{type}s/{ns}/{name}
URL_REPO = r"(?:(?P<type>dataset|space)s/)?(?P<repo>[^/]+/[^/]+)"  # /{ns}/{name}, /datasets/{ns}/{name}, ...
REV = r"(?P<rev>[^/]+)"


def git_sha1(data: bytes) -> str:
    """The git blob id of `data`, which the clients compare with their local files."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def lfs_pointer(oid: str, size: int) -> bytes:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {size}\n".encode()


def wants_lfs(path: str, size: int, sample: bytes) -> bool:
    """Whether the Hub would keep this new file in LFS: binary by name or content, or large."""
    return Path(path).suffix.lower() in LFS_SUFFIXES or size >= LFS_MIN_SIZE or b"\0" in sample


class HubError(Exception):
    """An error answer: the clients map `code` (the X-Error-Code header) to their own exceptions."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code = status, code


class Repo:
    """One repo on disk."""

    def __init__(self, root: Path, type: str, repo_id: str):
        self.type, self.id = type, repo_id
        self.dir = root / f"{type}s" / repo_id
        self.files = self.dir / "main"

    def exists(self) -> bool:
        return (self.dir / "commits").exists()

    @property
    def url_path(self) -> str:
        return self.id if self.type == "model" else f"{self.type}s/{self.id}"

    @property
    def commits(self) -> int:
        return int((self.dir / "commits").read_text())

    @property
    def sha(self) -> str:
        # Derived from the storage path too, so that two servers never share a sha (clients cache by sha).
        return hashlib.sha1(f"{self.dir}@{self.commits}".encode()).hexdigest()

    def add_commit(self) -> str:
        self.files.mkdir(parents=True, exist_ok=True)
        (self.dir / "commits").write_text(str(self.commits + 1 if self.exists() else 1))
        return self.sha

    def entry(self, path: str) -> dict | None:
        """The tree/paths-info description of `path`, or None when it does not exist."""
        file = self.files / path
        if file.is_dir():
            return {"type": "directory", "path": path, "oid": hashlib.sha1(path.encode()).hexdigest()}
        if file.is_symlink():
            oid, size = Path(os.readlink(file)).name, file.stat().st_size
            pointer = lfs_pointer(oid, size)
            lfs = {"oid": oid, "size": size, "pointerSize": len(pointer)}
            return {"type": "file", "path": path, "size": size, "oid": git_sha1(pointer), "lfs": lfs}
        if file.is_file():
            data = file.read_bytes()
            return {"type": "file", "path": path, "size": len(data), "oid": git_sha1(data)}
        return None

    def walk(self, path: str = "", recursive: bool = True) -> list[dict]:
        children = sorted((self.files / path).glob("**/*" if recursive else "*"))
        return [self.entry(child.relative_to(self.files).as_posix()) for child in children]


class HubServer(ThreadingHTTPServer):
    """The local Hub: serves the repos under `root` on 127.0.0.1:`port` (0: any free port) to `user`."""

    daemon_threads = True

    def __init__(self, root: str | os.PathLike, port: int = 0, user: str = "artemis-tester"):
        super().__init__(("127.0.0.1", port), Handler)
        self.root, self.user = Path(root).resolve(), user  # absolute: LFS files link into it
        self.endpoint = f"http://127.0.0.1:{self.server_port}"
        self.lock = threading.Lock()  # one commit at a time

    def start(self) -> HubServer:
        # A short poll interval, for stop() waits for the serving loop to notice.
        threading.Thread(target=self.serve_forever, args=(0.05,), name="local-hub", daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


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
        for methods, pattern, name in ROUTES:
            match = re.fullmatch(pattern, url.path)
            if match and method in methods.split():
                args = {key: unquote(value) for key, value in match.groupdict().items() if value is not None}
                try:
                    getattr(self, name)(**args)
                except HubError as err:
                    self.send_json(
                        {"error": str(err)}, err.status, {"X-Error-Code": err.code, "X-Error-Message": str(err)}
                    )
                return
        logger.warning("local hub: no route for %s %s", method, self.path)
        self.send_json({"error": f"no route for {method} {url.path}"}, 404)

    # --- plumbing ---

    def body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    def send(self, status: int, body: bytes, headers: dict[str, str | int]) -> None:
        self.send_response(status)
        for key, value in {"Content-Length": len(body), **headers}.items():
            self.send_header(key, str(value))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, data, status: int = 200, headers: dict | None = None) -> None:
        self.send(status, json.dumps(data).encode(), {"Content-Type": "application/json", **(headers or {})})

    def repo(self, repo: str, type: str | None = None, rev: str | None = None) -> Repo:
        found = Repo(self.server.root, type or "model", repo)
        if not found.exists():
            raise HubError(404, "RepoNotFound", f"Repository {repo} not found")
        if rev is not None and rev not in ("main", found.sha):
            raise HubError(404, "RevisionNotFound", f"Invalid rev id: {rev}")
        return found

    def repo_url(self, repo: Repo) -> str:
        return f"{self.server.endpoint}/{repo.url_path}"

    # --- account and repos: whoami, YAML validation of cards, create, info ---

    def whoami(self):
        """GET /api/whoami-v2: any token belongs to the one user."""
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
        """POST /api/validate-yaml: every model or dataset card is fine."""
        self.body()
        self.send_json({"errors": [], "warnings": []})

    def create_repo(self):
        """POST /api/repos/create: 409 when the repo exists."""
        payload = json.loads(self.body())
        repo_id = f"{payload.get('organization') or self.server.user}/{payload['name']}"
        repo = Repo(self.server.root, payload.get("type") or "model", repo_id)
        with self.server.lock:
            exists = repo.exists()
            if not exists:
                repo.add_commit()  # the Hub starts every repo with an initial commit
        # With exist_ok=True the client reads "url" from the 409 answer too.
        answer = {"url": self.repo_url(repo), "name": repo_id, "id": repo_id}
        if exists:
            answer["error"] = f"You already created this {repo.type} repo"
        self.send_json(answer, 409 if exists else 200)

    def repo_info(self, type, repo, rev="main"):
        """GET /api/{type}s/{repo}[/revision/{rev}]: the head sha and the files, with their LFS details."""
        repo = self.repo(repo, type, rev)
        siblings = []
        for entry in repo.walk():
            if entry["type"] == "file":
                sibling = {"rfilename": entry["path"], "size": entry["size"], "blobId": entry["oid"]}
                if "lfs" in entry:
                    sibling["lfs"] = {**entry["lfs"], "sha256": entry["lfs"]["oid"]}  # named "oid" in the tree API
                siblings.append(sibling)
        self.send_json(
            {
                "id": repo.id,
                "author": repo.id.split("/")[0],
                "sha": repo.sha,
                "private": False,
                "gated": False,
                "disabled": False,
                "tags": [],
                "siblings": siblings,
            }
        )

    # --- listing: tree and paths-info ---

    def tree(self, type, repo, rev, path=""):
        """GET /api/{type}s/{repo}/tree/{rev}[/{path}][?recursive=true]: a folder's entries, unpaginated."""
        repo = self.repo(repo, type, rev)
        if path and repo.entry(path) is None:
            raise HubError(404, "EntryNotFound", f"{path} does not exist on {rev}")
        self.send_json(repo.walk(path, recursive=self.query.get("recursive", "").lower() in ("1", "true")))

    def paths_info(self, type, repo, rev):
        """POST /api/{type}s/{repo}/paths-info/{rev}: the entries of the given paths that exist."""
        repo = self.repo(repo, type, rev)
        paths = parse_qs(self.body().decode()).get("paths", [])  # a form: paths=a&paths=b&expand=False
        self.send_json([entry for entry in map(repo.entry, paths) if entry is not None])

    # --- commits: preupload (LFS or inline?), LFS batch and upload, commit ---

    def preupload(self, type, repo, rev):
        """POST /api/{type}s/{repo}/preupload/{rev}: whether each file will come inline ("regular") or by LFS."""
        repo = self.repo(repo, type, rev)
        files = []
        for file in json.loads(self.body())["files"]:
            lfs = wants_lfs(file["path"], file["size"], base64.b64decode(file["sample"]))
            remote = repo.entry(file["path"])
            # The client skips files whose oid (sha256 for LFS, git sha1 otherwise) did not change.
            oid = remote and (remote["lfs"]["oid"] if "lfs" in remote else remote["oid"])
            files.append(
                {"path": file["path"], "uploadMode": "lfs" if lfs else "regular", "shouldIgnore": False, "oid": oid}
            )
        self.send_json({"files": files, "commitOid": repo.sha})

    def lfs_batch(self, repo, type=None):
        """POST /[{type}s/]{repo}.git/info/lfs/objects/batch: where to PUT each LFS object not stored yet."""
        self.repo(repo, type)
        objects = []
        for obj in json.loads(self.body())["objects"]:
            answer = {"oid": obj["oid"], "size": obj["size"], "authenticated": True}
            if not (self.server.root / "lfs" / obj["oid"]).exists():  # no "actions": already uploaded
                answer["actions"] = {"upload": {"href": f"{self.server.endpoint}/lfs/{obj['oid']}"}}
            objects.append(answer)
        self.send_json(
            {"transfer": "basic", "objects": objects}, headers={"Content-Type": "application/vnd.git-lfs+json"}
        )

    def lfs_upload(self, oid):
        """PUT /lfs/{sha256}: one LFS object ("basic" transfer)."""
        data = self.body()
        if hashlib.sha256(data).hexdigest() != oid:
            raise HubError(400, "BadRequest", "sha256 of the content does not match the object id")
        store = self.server.root / "lfs"
        store.mkdir(exist_ok=True)
        (store / f"{oid}.part").write_bytes(data)
        (store / f"{oid}.part").replace(store / oid)  # readers never see a partial object
        self.send(200, b"", {})

    def commit(self, type, repo, rev):
        """POST /api/{type}s/{repo}/commit/{rev}: NDJSON lines header, file (base64), lfsFile, deletedFile/Folder."""
        repo = self.repo(repo, type, rev)
        ops = [json.loads(line) for line in self.body().splitlines() if line.strip()]  # the first one is the header
        with self.server.lock:
            for op in ops:  # check first, so that a failed commit changes nothing
                if op["key"] == "lfsFile" and not (self.server.root / "lfs" / op["value"]["oid"]).exists():
                    raise HubError(400, "BadRequest", f"LFS object {op['value']['oid']} was not uploaded")
                if op["key"] == "deletedFile" and not (repo.files / op["value"]["path"]).is_file():
                    raise HubError(404, "EntryNotFound", f"A file with this name doesn't exist: {op['value']['path']}")
            for op in ops:
                key, value = op["key"], op["value"]
                target = repo.files / value.get("path", "")
                if key in ("file", "lfsFile"):
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.unlink(missing_ok=True)
                if key == "file":
                    target.write_bytes(base64.b64decode(value["content"]))
                elif key == "lfsFile":
                    target.symlink_to(self.server.root / "lfs" / value["oid"])
                elif key == "deletedFile":
                    target.unlink()
                elif key == "deletedFolder":
                    shutil.rmtree(target, ignore_errors=True)
            sha = repo.add_commit()
        self.send_json(
            {
                "commitOid": sha,
                "commitUrl": f"{self.repo_url(repo)}/commit/{sha}",
                "success": True,
                "pullRequestUrl": None,
            }
        )

    # --- downloads: resolve ---

    def resolve(self, repo, rev, path, type=None):
        """HEAD and GET /[{type}s/]{repo}/resolve/{rev}/{path}: a file, whole or a byte range."""
        repo = self.repo(repo, type, rev)
        entry = repo.entry(path)
        if entry is None or entry["type"] != "file":
            raise HubError(404, "EntryNotFound", f"{path} does not exist on {rev}")
        headers = {"X-Repo-Commit": repo.sha, "ETag": f'"{entry["oid"]}"', "Content-Type": "application/octet-stream"}
        if "lfs" in entry:  # the real Hub redirects to a CDN here, naming the LFS object in these headers
            headers |= {"X-Linked-Etag": f'"{entry["lfs"]["oid"]}"', "X-Linked-Size": entry["size"]}
        data = b"" if self.command == "HEAD" else (repo.files / path).read_bytes()
        byte_range = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
        if byte_range and self.command == "GET":  # HfFileSystem, hence streaming datasets, reads ranges
            first, last = byte_range.groups()
            start = int(first) if first else max(len(data) - int(last), 0)  # "bytes=-N": the last N bytes
            stop = min(int(last) + 1, len(data)) if first and last else len(data)
            headers["Content-Range"] = f"bytes {start}-{stop - 1}/{len(data)}"
            self.send(206, data[start:stop], headers)
        else:
            self.send(200, data, {**headers, "Content-Length": entry["size"]})


# (methods, path pattern, Handler method). Patterns match the quoted path, so that an encoded "/" in a revision
# or a file path stays in its group; the groups are unquoted before the call.
ROUTES = [
    ("GET", r"/api/whoami-v2", "whoami"),
    ("POST", r"/api/validate-yaml", "validate_yaml"),
    ("POST", r"/api/repos/create", "create_repo"),
    ("GET", rf"/api/{REPO}(?:/revision/{REV})?", "repo_info"),
    ("GET", rf"/api/{REPO}/tree/{REV}(?:/(?P<path>.+))?", "tree"),
    ("POST", rf"/api/{REPO}/paths-info/{REV}", "paths_info"),
    ("POST", rf"/api/{REPO}/preupload/{REV}", "preupload"),
    ("POST", rf"/{URL_REPO}\.git/info/lfs/objects/batch", "lfs_batch"),
    ("PUT", r"/lfs/(?P<oid>[0-9a-f]{64})", "lfs_upload"),
    ("POST", rf"/api/{REPO}/commit/{REV}", "commit"),
    ("GET HEAD", rf"/{URL_REPO}/resolve/{REV}/(?P<path>.+)", "resolve"),
]
