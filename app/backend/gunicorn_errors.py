"""gunicorn's own error answers (400 bad request line, 414 URI too long, 431 headers too large...)
in the API's JSON error shape instead of its HTML page.

gunicorn answers these before the app sees the request, through `gunicorn.util.write_error`;
gunicorn.conf.py replaces that function with `json_write_error` (same signature, same
status line and `Connection: close`). Only the body and its Content-Type change.
"""

import json

from gunicorn import util


def json_error_response(status_int: int, reason: str, message: str) -> bytes:
    """The raw HTTP/1.1 response gunicorn writes, with a JSON `{"errors": [...]}` body."""
    body = json.dumps({"errors": [{"message": f"{reason}: {message}" if message else reason}]}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def json_write_error(sock, status_int: int, reason: str, mesg: str) -> None:
    util.write_nonblock(sock, json_error_response(status_int, reason, mesg))


def install() -> None:
    """Make gunicorn's workers answer their own errors as JSON (called from gunicorn.conf.py)."""
    util.write_error = json_write_error
