"""Structured logs: one JSON object per line on stdout, with the ids of the work in hand.

`JsonFormatter` (settings.LOGGING, api and worker alike; gunicorn.conf.py for gunicorn's own
lines) writes `time`, `level`, `logger`, `process`, `pid`, `message`, its fixed `fields` (the
stack's `environment`), the fields bound with
`log_context()`/`log_context_bind()` (e.g. `chunk_id`, `batch_id`), any `extra={...}` given
to the logging call, and `exception` (the traceback as one string). The lines of a database
error that quote data (the statement, DETAIL, CONTEXT) are removed from `message` and
`exception`, and a `request` given as extra is only its method and path (no query string).
Metric lines (EMF, healthkit.metrics) are written by aws-embedded-metrics beside these lines,
never through logging, so each stays valid JSON.
"""

import contextvars
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_context: contextvars.ContextVar[dict[str, object]] = contextvars.ContextVar("log_context", default={})  # noqa: B039 - never mutated

#: attributes every LogRecord has; anything else on a record came from `extra=`
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


@contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Add `fields` to every log line written in this block (this thread or task only)."""
    token = _context.set(_context.get() | fields)
    try:
        yield
    finally:
        _context.reset(token)


def log_context_bind(**fields: object) -> None:
    """Add `fields` to the enclosing `log_context` block (e.g. a batch id learnt on the way).

    Call it only inside such a block: the fields go when the block ends.
    """
    _context.set(_context.get() | fields)


def log_context_fields() -> dict[str, object]:
    return dict(_context.get())


#: lines of a PostgreSQL error that quote the data: the statement (Django binds values into
#: its text), the failing row, the JSON being parsed. Health data must not reach the logs.
_DATA_QUOTING_LINES = re.compile(r"^(?:LINE \d+:.*|DETAIL:.*|CONTEXT:.*|\s*\^\s*)(?:\n|$)", re.MULTILINE)


def log_text_scrub(text: str) -> str:
    """`text` without the lines of database errors that quote data (LINE, DETAIL, CONTEXT)."""
    return _DATA_QUOTING_LINES.sub("", text) if "\n" in text else text


def _request_described(value: object) -> object:
    """A request given as `extra` (django.request does): its method and path, never its query string."""
    path, method = getattr(value, "path", None), getattr(value, "method", None)
    return f"{method} {path}" if isinstance(path, str) else value


def _traceback_kept_once(entry: dict[str, object]) -> None:
    """Celery's task records repeat their traceback in `extra={"data": ...}`: `exception` holds it."""
    data = entry.get("data")
    if isinstance(data, dict) and "traceback" in data:
        entry["data"] = {key: value for key, value in data.items() if key != "traceback"}


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON; `fields` go on every line (e.g. {"environment": "prod"})."""

    def __init__(self, *args, fields: dict[str, object] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields = dict(fields or {})

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "process": record.processName,
            "pid": record.process,
            "message": log_text_scrub(record.getMessage()),
        }
        entry |= self.fields
        entry |= _context.get()
        entry |= {key: value for key, value in vars(record).items() if key not in _RECORD_ATTRIBUTES}
        if "request" in entry:
            entry["request"] = _request_described(entry["request"])
        _traceback_kept_once(entry)
        if record.exc_info:
            entry["exception"] = log_text_scrub(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = log_text_scrub(record.exc_text)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)
