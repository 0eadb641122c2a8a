"""A request-body size limit enforced while the body streams in.

Content-Length is checked up front; a chunked body is counted as it
arrives, so a client cannot send more than the limit either way.
"""

from __future__ import annotations

import json

from nosetwitch.interfaces.web.problems import PROBLEM_JSON


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """ASGI middleware: refuse request bodies over `max_bytes` with 413 problem+json."""

    def __init__(self, app, max_bytes: int, overrides: dict[str, int] | None = None):
        self.app = app
        self.max_bytes = max_bytes
        self.overrides = overrides or {}  # exact path -> its own limit (the health-export upload)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.overrides.get(scope.get("path", ""), self.max_bytes)
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > max_bytes:
                await self._refuse(send, max_bytes)
                return
        received = 0
        exceeded = refused = False

        async def limited_receive():
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message):
            # Whatever the app made of the interrupted body (often a 400),
            # the client gets the 413 that says why.
            nonlocal refused
            if not exceeded:
                await send(message)
            elif not refused:
                refused = True
                await self._refuse(send, max_bytes)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except BodyTooLarge:
            pass
        except Exception:
            if not exceeded:
                raise
        if exceeded and not refused:
            await self._refuse(send, max_bytes)

    async def _refuse(self, send, max_bytes: int):
        limit_mb = max_bytes / 2**20
        body = json.dumps(
            {
                "type": "about:blank",
                "title": "Too large",
                "status": 413,
                "detail": f"the request body is larger than the limit of {limit_mb:g} MB",
                "errors": [{"field": "body", "message": f"at most {limit_mb:g} MB"}],
            }
        ).encode()
        await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
