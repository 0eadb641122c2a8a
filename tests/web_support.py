"""Helpers shared by the web tests: an API client that carries the CSRF token."""

from __future__ import annotations

import datetime as dt
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx in its TestClient
    from fastapi.testclient import TestClient

from nosetwitch.interfaces.interchange.diary_json import diary_to_json


class ApiClient:
    """A TestClient with its own cookie jar that sends the session's CSRF token."""

    def __init__(self, app):
        self.http = TestClient(app, base_url="https://testserver")  # Secure cookies need https
        self.csrf = self.http.get("/api/v1/session").json()["csrf_token"]

    def refresh(self) -> None:
        self.csrf = self.http.get("/api/v1/session").json()["csrf_token"]

    def _headers(self, extra=None):
        return {"X-CSRF-Token": self.csrf, **(extra or {})}

    def get(self, url, **kw):
        return self.http.get(url, **kw)

    def post(self, url, json=None, **kw):
        return self.http.post(url, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def put(self, url, json=None, **kw):
        return self.http.put(url, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def patch(self, url, json=None, **kw):
        return self.http.patch(url, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def delete(self, url, **kw):
        return self.http.delete(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def form(self, url, data=None, **kw):
        """A browser-style form POST with the token as a hidden field (no redirects followed)."""
        return self.http.post(url, data={"csrf_token": self.csrf, **(data or {})}, follow_redirects=False, **kw)

    def login(self, username: str, password: str, *, register: bool = False):
        response = self.post("/api/v1/register" if register else "/api/v1/login", {"username": username, "password": password})
        if response.status_code in (200, 201):
            self.csrf = response.json()["csrf_token"]
        return response


def demo_document(days: int = 60, seed: int = 3) -> str:
    """A realistic diary ending today, as interchange JSON."""
    from nosetwitch.simulate import simulate_diary

    return diary_to_json(simulate_diary(days=days, seed=seed, end=dt.date.today(), timezone="Europe/Berlin"))


def assert_problem(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers["content-type"]
    body = response.json()
    assert body["status"] == status and body["detail"]
    if field is not None:
        fields = [e["field"] for e in body.get("errors", [])]
        assert any(f == field or f.endswith("." + field) or f.startswith(field) for f in fields), (field, body)
    return body
