"""rehearsal.diagnose and the log helpers: one-line causes."""

from rehearsal.diagnose import environment_differences, parity_failure, stall_failure
from rehearsal.steps import readable
from rehearsal.tasks import LocalContainer, error_line

MAIN = "https://sqs.us-east-1.amazonaws.com/123456789012/q"
DLQ = "https://sqs.us-east-1.amazonaws.com/123456789012/q-dlq"
ANSWERS = {"b": {"chunks_total": 2, "chunks_succeeded": 0, "chunks_failed": 0}}


def test_parity_names_what_the_worker_lacks_and_what_differs():
    differences = environment_differences({"DB_NAME": "h", "Q": MAIN}, {"Q": DLQ})
    failure = parity_failure(differences)
    assert "the worker's environment lacks DB_NAME, which the api's has" in failure.cause
    assert f"Q is '{DLQ}' for the worker but '{MAIN}' for the api" in failure.cause
    assert parity_failure(environment_differences({"A": "1"}, {"A": "1"})) is None


def test_a_stall_with_different_queues_says_where_the_messages_wait():
    worker = LocalContainer("worker", {"name": "worker"}, {}, [])
    failure = stall_failure(ANSWERS, stall_seconds=8, queue_depths={MAIN: {"visible": 2, "in_flight": 0}},
                            api_queue=MAIN, worker_queue=DLQ, worker=worker,
                            differences=environment_differences({}, {}))
    assert failure.cause == (f"no chunk ended for 8 s (0 of 2 ended); the api sends to {MAIN} "
                             f"(2 messages waiting there) but the worker consumes {DLQ}")


def test_a_stall_on_one_queue_quotes_the_queue_depth():
    worker = LocalContainer("worker", {"name": "worker"}, {}, [])
    failure = stall_failure(ANSWERS, stall_seconds=8, queue_depths={MAIN: {"visible": 0, "in_flight": 2}},
                            api_queue=MAIN, worker_queue=MAIN, worker=worker,
                            differences=environment_differences({}, {}))
    assert "queue q: 0 visible, 2 in flight" in failure.cause


def test_json_log_records_are_made_readable():
    line = ('{"level": "CRITICAL", "logger": "celery.worker", "message": "Unrecoverable error", '
            '"exception": "Traceback...\\nbotocore.exceptions.ClientError: denied"}')
    assert readable(line) == "CRITICAL celery.worker: Unrecoverable error | botocore.exceptions.ClientError: denied"
    assert readable("x" * 1000, width=10) == "x" * 10 + " ..."


def test_the_error_line_is_the_last_exception_of_the_log():
    log = "starting\nTraceback (most recent call last):\n  File x\nImproperlyConfigured: missing DB_HOST\n"
    assert error_line(log) == "ImproperlyConfigured: missing DB_HOST"
    assert error_line("[2025-01-01: ERROR/MainProcess] boom\nbye") == "[2025-01-01: ERROR/MainProcess] boom"
    assert error_line("") == "(no output)"
