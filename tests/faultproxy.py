"""A small real HTTP reverse proxy that puts faults between quotegold and Label Studio.

It listens on 127.0.0.1, forwards every request to the real server and hands back the real
answer, unless a fault is switched on for the request's path:

- `hang(pattern)`: read the request, never answer (the client times out); nothing is
  forwarded, so the server never sees it;
- `fail(pattern, status)`: answer `status` with a Label Studio-like JSON body instead of
  forwarding; with `after_forward=True` the request reaches the server first (it did the
  work) and only the answer is replaced, as when a reverse proxy or the server fails late;
- `on_forward(pattern, hook)`: call `hook()` after the request has been sent upstream and
  before its answer is read, e.g. to stop the server in the middle of a request; if the
  server then gives no answer, the client's connection is dropped without one;
- `pass_through()`: no faults.

`skip` lets the first N matching requests through untouched and `times` limits a fault to
the N matching requests after them. Nothing is mocked: the client
speaks real HTTP over TCP to the proxy, the proxy to the real server.
"""

from __future__ import annotations

import http.client
import re
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

# Hop-by-hop headers (RFC 9110 §7.6.1) are never forwarded; Content-Length is recomputed.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
    }
)


@dataclass
class _Fault:
    kind: str  # "hang" | "fail" | "hook"
    pattern: re.Pattern[str]
    status: int = 500
    after_forward: bool = False
    times: int | None = None
    skip: int = 0
    hook: Callable[[], None] | None = None
    matched: int = 0

    def takes(self, path: str) -> bool:
        if not self.pattern.search(path):
            return False
        self.matched += 1
        hit = self.matched - self.skip
        return hit > 0 and (self.times is None or hit <= self.times)


@dataclass
class _State:
    upstream_host: str
    upstream_port: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    faults: list[_Fault] = field(default_factory=list)
    seen: list[tuple[str, str]] = field(default_factory=list)
    # Set to let hanging requests go (they then drop their connection unanswered).
    release: threading.Event = field(default_factory=threading.Event)

    def fault_for(self, method: str, path: str) -> _Fault | None:
        with self.lock:
            self.seen.append((method, path))
            for fault in self.faults:
                if fault.takes(path):
                    return fault
            return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects of a server
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass  # a test proxy stays quiet

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
                if size == 0:
                    return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _handle(self) -> None:
        state = self.server.state
        body = self._body()
        fault = state.fault_for(self.command, self.path)
        if fault is not None and fault.kind == "hang":
            state.release.wait()
            self._drop()
            return
        if fault is not None and fault.kind == "fail" and not fault.after_forward:
            self._answer_error(fault.status)
            return
        answer = self._forward(body, fault.hook if fault and fault.kind == "hook" else None)
        if answer is None:
            self._drop()  # the server went away mid-request: so does the answer
        elif fault is not None and fault.kind == "fail":
            self._answer_error(fault.status)
        else:
            status, reason, headers, content = answer
            self._send(status, reason, headers, content)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    def _forward(
        self, body: bytes, hook: Callable[[], None] | None
    ) -> tuple[int, str, list[tuple[str, str]], bytes] | None:
        state = self.server.state
        upstream = http.client.HTTPConnection(state.upstream_host, state.upstream_port, timeout=300)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        headers["Content-Length"] = str(len(body))
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            if hook is not None:
                hook()
            response = upstream.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            return None
        finally:
            upstream.close()
        kept = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP]
        return response.status, response.reason, kept, content

    def _send(
        self, status: int, reason: str, headers: list[tuple[str, str]], content: bytes
    ) -> None:
        self.send_response(status, reason)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    def _answer_error(self, status: int) -> None:
        # The shape of Label Studio's own error answers (core.utils.common exception handler).
        content = (
            f'{{"status_code": {status}, "detail": "injected by faultproxy: '
            f'simulated server failure"}}'
        ).encode()
        self._send(status, "Injected", [("Content-Type", "application/json")], content)

    def _drop(self) -> None:
        self.close_connection = True
        with suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, state: _State) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


class FaultProxy:
    """A reverse proxy on 127.0.0.1 in front of `upstream` (an http:// URL)."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"FaultProxy forwards to http:// URLs, not {upstream!r}")
        self._state = _State(parts.hostname, parts.port or 80)
        self._server = _Server(self._state)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self._state.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def seen(self) -> list[tuple[str, str]]:
        """(method, path) of every request the proxy has received, in order."""
        with self._state.lock:
            return list(self._state.seen)

    def _set(self, fault: _Fault | None) -> None:
        with self._state.lock:
            # Hanging requests of an earlier fault drop their connection now.
            self._state.release.set()
            self._state.release = threading.Event()
            self._state.faults = [] if fault is None else [fault]

    def pass_through(self) -> None:
        self._set(None)

    def hang(self, pattern: str = "", *, times: int | None = None, skip: int = 0) -> None:
        self._set(_Fault("hang", re.compile(pattern), times=times, skip=skip))

    def fail(
        self,
        pattern: str = "",
        *,
        status: int = 500,
        after_forward: bool = False,
        times: int | None = None,
        skip: int = 0,
    ) -> None:
        fault = _Fault("fail", re.compile(pattern), status, after_forward, times, skip)
        self._set(fault)

    def on_forward(
        self, pattern: str, hook: Callable[[], None], *, times: int | None = 1, skip: int = 0
    ) -> None:
        self._set(_Fault("hook", re.compile(pattern), times=times, skip=skip, hook=hook))

    @contextmanager
    def faulty(self) -> Iterator[FaultProxy]:
        """Yield the proxy; back to pass-through afterwards, whatever happened."""
        try:
            yield self
        finally:
            self.pass_through()
