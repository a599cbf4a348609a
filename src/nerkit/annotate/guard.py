"""The door of the annotation server: token check, body size limit, security headers.

A plain ASGI middleware wrapped around the whole app, so that nothing (not even a 404) is
answered before the token is checked. Every route needs the token except ``GET /health``:
as ``Authorization: Bearer T`` or ``X-Nerkit-Token: T`` (what the page sends on API calls),
as ``?token=T`` (the URL printed at start), or for GET requests as the ``nerkit_token``
cookie the page sets when it is opened with the token (so its script and style load).
Request bodies over ``max_body`` bytes get 413 before the app reads them.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "nerkit_token"
MAX_BODY = 1_000_000
# The page loads only its own script and style and talks only to its own origin.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),  # the page URL holds the token
    (b"cache-control", b"no-store"),
]


class Guard:
    """ASGI middleware: ``Guard(app, token)``; see the module doc."""

    def __init__(
        self,
        app: ASGIApp,
        token: str | None,
        max_body: int = MAX_BODY,
        *,
        csp: Callable[[str], str] | None = None,
        unauthorized: str | None = None,
        token_param: str = "token",
    ) -> None:
        self.app = app
        self.token = token.encode() if token is not None else None  # None: no check
        self.max_body = max_body
        self.csp = csp  # path -> Content-Security-Policy (default: CSP)
        self.unauthorized = unauthorized or (
            "Missing or wrong token: open the URL nerkit annotate printed (it ends in "
            "?token=...), or send the header Authorization: Bearer TOKEN."
        )
        self.token_param = token_param

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        policy = self.csp(scope["path"]).encode() if self.csp is not None else None

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [
                    (k, policy if policy is not None and k == b"content-security-policy" else v)
                    for k, v in SECURITY_HEADERS
                    if k not in names
                ]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        method = scope["method"]
        if not (scope["path"] == "/health" and method in ("GET", "HEAD")) and not self._allowed(
            scope
        ):
            await _reply(send_with_headers, 401, self.unauthorized)
            return
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await _reply(send_with_headers, 400, "Bad Content-Length header.")
                return
            if declared > self.max_body:
                await _reply(send_with_headers, 413, self._too_large())
                return
        if method in ("POST", "PUT", "PATCH"):
            body = bytearray()
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                body += message.get("body", b"")
                if len(body) > self.max_body:
                    await _reply(send_with_headers, 413, self._too_large())
                    return
                if not message.get("more_body"):
                    break
            receive = _replay(bytes(body), receive)
        await self.app(scope, receive, send_with_headers)

    def _too_large(self) -> str:
        return f"Request body over {self.max_body:,} bytes."

    def _allowed(self, scope: Scope) -> bool:
        if self.token is None:
            return True
        headers = dict(scope.get("headers", []))
        given: list[bytes] = []
        auth = headers.get(b"authorization", b"")
        if auth[:7].lower() == b"bearer ":
            given.append(auth[7:].strip())
        if b"x-nerkit-token" in headers:
            given.append(headers[b"x-nerkit-token"].strip())
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given += [t.encode("latin-1", "replace") for t in query.get(self.token_param, [])]
        if scope["method"] in ("GET", "HEAD") and b"cookie" in headers:
            cookie: SimpleCookie = SimpleCookie()
            try:
                cookie.load(headers[b"cookie"].decode("latin-1"))
            except Exception:  # a malformed cookie header is no token
                cookie = SimpleCookie()
            if COOKIE in cookie:
                given.append(cookie[COOKIE].value.encode("latin-1", "replace"))
        token = self.token
        return any(hmac.compare_digest(g, token) for g in given)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _reply(send: Send, status: int, error: str) -> None:
    body = json.dumps({"error": error}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
