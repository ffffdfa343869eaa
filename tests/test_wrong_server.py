"""A server that is not Label Studio: `quotegold push` and `quotegold export` say so in one
line naming the URL, with no traceback and no endless loop.

The wrong server is a small real HTTP server in the test (http.server in a thread): it
answers every request with random bytes, with JSON of the wrong shape (a list; an object
without the fields Label Studio's have), with an HTML 404
page, or with a list of projects whose pages never end.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

NOT_FOUND_PAGE = b"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>404 Not Found</title>
</head>
<body>
  <h1>Not Found</h1>
  <p>The requested URL was not found on this server.</p>
  <hr><address>Apache/2.4.58 Server at 127.0.0.1</address>
</body>
</html>
"""
# Every command must be done well within this (the client's own timeouts are far longer).
BOUND_SECONDS = 60


class WrongServer(BaseHTTPRequestHandler):
    mode = "bytes"
    requests: list[str] = []  # noqa: RUF012  (one server per test)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.requests.append(self.path)
        status, content_type, body = self.answer()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_PATCH = do_GET

    def answer(self) -> tuple[int, str, bytes]:
        if self.mode == "bytes":
            return 200, "application/json", random.Random(len(self.requests)).randbytes(600)
        if self.mode == "shape":
            return 200, "application/json", json.dumps([{"hello": "world"}]).encode()
        if self.mode == "fields":
            body = {"count": 1, "results": [{"hello": "world"}], "total": 1, "tasks": [{}]}
            return 200, "application/json", json.dumps(body).encode()
        if self.mode == "html404":
            return 404, "text/html", NOT_FOUND_PAGE
        return self.endless()

    def endless(self) -> tuple[int, str, bytes]:
        """A user, then a list of projects with a next page, always, each one titled T."""
        url = urlsplit(self.path)
        if url.path.endswith("/whoami") or url.path.endswith("/whoami/"):
            return 200, "application/json", b'{"id": 1, "email": "a@example.org"}'
        if url.path.rstrip("/") == "/api/projects":
            page = int(parse_qs(url.query).get("page", ["1"])[0])
            body = {
                "count": 1,
                "next": f"http://{self.headers['Host']}/api/projects/?page={page + 1}",
                "results": [{"id": page, "title": "T"}],
            }
            return 200, "application/json", json.dumps(body).encode()
        return 404, "application/json", b'{"detail": "Not found."}'


@pytest.fixture
def wrong_server(request: pytest.FixtureRequest) -> Iterator[tuple[str, type[WrongServer]]]:
    handler = type("Handler", (WrongServer,), {"mode": request.param, "requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


def run_cli(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABEL_STUDIO", "QUOTEGOLD"))}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "quotegold", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=BOUND_SECONDS * 2,
    )
    return done, time.monotonic() - started


COMMANDS = {
    "push": lambda out: ["push", str(out / "a.jsonl"), "--project", "T", "--no-predictions"],
    "export": lambda out: ["export", "--project", "T", "--out", str(out / "exported")],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize(
    ("wrong_server", "said"),
    [
        ("bytes", "a body that is not JSON"),
        ("shape", "JSON of another shape"),
        ("fields", "its answer has no 'id' (int)"),
        ("html404", "HTTP 404 with an HTML page titled '404 Not Found'"),
        ("endless", "it sent page 3 of a list it said holds 1 item(s)"),
    ],
    indirect=["wrong_server"],
    ids=["random-bytes", "wrong-json", "missing-fields", "html-404", "endless-pages"],
)
def test_a_server_that_is_not_label_studio_is_one_line(
    tmp_path: Path, wrong_server: tuple[str, type[WrongServer]], said: str, command: str
) -> None:
    url, handler = wrong_server
    (tmp_path / "a.jsonl").write_text('{"id": "a", "text": "He said hi."}\n', encoding="utf-8")
    done, took = run_cli([*COMMANDS[command](tmp_path), "--url", url, "--api-key", "x"], tmp_path)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 1, done.stderr
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert f"the server at {url} does not look like Label Studio" in lines[0]
    assert said in lines[0] and "--url" in lines[0]
    assert "<" not in lines[0]  # no raw HTML
    assert took < BOUND_SECONDS and len(handler.requests) < 10
    assert not (tmp_path / "exported").exists()
