"""A small HTTP client for the running API (gunicorn subprocess, or a deployed stack)."""

import requests

from localservices.waiting import wait_until

FINAL_STATUSES = frozenset({"completed", "completed_with_errors", "failed"})


class ApiClient:
    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"
        self.timeout = timeout

    def import_post(self, samples: list[dict], *, idempotency_key: str | None = None) -> requests.Response:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self.session.post(
            f"{self.base_url}/api/v1/imports", json={"samples": samples}, headers=headers, timeout=self.timeout
        )

    def import_body_post(self, body: dict, *, path: str = "/api/v1/imports") -> requests.Response:
        """POST any body (samples and/or deleted, or a Health Auto Export body with its path)."""
        return self.session.post(f"{self.base_url}{path}", json=body, timeout=self.timeout)

    def changes(self, since: str | None = None, *, limit: int = 1000) -> dict:
        """One page of GET /api/v1/changes."""
        params = {"limit": limit} | ({"since": since} if since is not None else {})
        response = self.session.get(f"{self.base_url}/api/v1/changes", params=params, timeout=self.timeout)
        response.raise_for_status()
        return response.json()

    def import_status(self, batch_id: str) -> dict:
        response = self.session.get(f"{self.base_url}/api/v1/imports/{batch_id}", timeout=self.timeout)
        response.raise_for_status()
        return response.json()

    def import_wait(self, batch_id: str, *, timeout: float = 60.0, interval: float = 0.2) -> dict:
        """Poll the batch until it reaches a final status; its last status answer."""
        last: dict = {}

        def ended() -> dict | None:
            last.update(self.import_status(batch_id))
            return dict(last) if last["status"] in FINAL_STATUSES else None

        return wait_until(ended, timeout=timeout, interval=interval, message=lambda: f"batch {batch_id} to end: {last}")

    def samples(self, **params) -> list[dict]:
        """Every page of GET /api/v1/samples."""
        results, url = [], f"{self.base_url}/api/v1/samples"
        while url:
            response = self.session.get(url, params=params, timeout=self.timeout)
            response.raise_for_status()
            page = response.json()
            results.extend(page["results"])
            url, params = page["next"], None
        return results
