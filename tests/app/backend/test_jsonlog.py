"""Log lines as JSON objects, with the ids bound to the work in hand."""

import json
import logging

from backend.jsonlog import JsonFormatter, log_context, log_context_bind


def _line(message: str = "chunk %s imported", *args, exc_info=None, extra=None) -> dict:
    record = logging.getLogger("healthkit.tasks").makeRecord(
        "healthkit.tasks", logging.INFO, __file__, 1, message, args or ("c1",), exc_info, extra=extra
    )
    text = JsonFormatter().format(record)
    assert "\n" not in text
    return json.loads(text)


def test_a_log_line_is_one_json_object_with_time_level_logger_process_and_message():
    line = _line()
    assert (line["level"], line["logger"], line["message"]) == ("INFO", "healthkit.tasks", "chunk c1 imported")
    assert {"time", "process", "pid"} <= set(line)


def test_fields_bound_in_a_log_context_appear_on_every_line_of_the_block_only():
    with log_context(chunk_id="c1"):
        log_context_bind(batch_id="b1")
        inside = _line()
    assert (inside["chunk_id"], inside["batch_id"]) == ("c1", "b1")
    assert "chunk_id" not in _line() and "batch_id" not in _line()


def test_the_formatters_fixed_fields_appear_on_every_line():
    record = logging.getLogger("x").makeRecord("x", logging.INFO, __file__, 1, "hello", (), None)
    assert json.loads(JsonFormatter(fields={"environment": "dev"}).format(record))["environment"] == "dev"


def test_extra_fields_given_to_the_logging_call_appear_on_the_line():
    assert _line(extra={"batch_id": "b2"})["batch_id"] == "b2"


def test_an_exception_is_kept_inside_the_one_line():
    try:
        raise ValueError("bad payload")
    except ValueError:
        import sys

        line = _line(exc_info=sys.exc_info())
    assert line["exception"].startswith("Traceback") and "ValueError: bad payload" in line["exception"]
