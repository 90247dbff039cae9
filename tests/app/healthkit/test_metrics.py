"""Import metrics: the pure values, and the EMF lines aws-embedded-metrics writes to stdout."""

import json

import pytest
from healthkit.metrics import (
    ChunkOutcome,
    Metric,
    batch_metrics,
    chunk_attempt_metrics,
    chunk_attempt_record,
    deduplication_hit_rate,
    dimension_sets,
    export_metrics,
)
from healthkit.services.imports import chunk_import

from tests.support.imports import batch_with_chunks_create
from localservices.samples import heart_rate_samples

ALL_METRICS = {
    "ChunkProcessingTime": "Milliseconds",
    "ChunkFailures": "Count",
    "BatchDuration": "Seconds",
    "RecordsImported": "Count",
    "DuplicateRecords": "Count",
    "DeduplicationHitRate": "Percent",
    "ExportsFailed": "Count",
    "ExportSamplesRead": "Count",
}


def _emf_lines(text: str) -> list[dict]:
    documents = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [document for document in documents if "_aws" in document]


def _metric_names(document: dict) -> set[str]:
    return {metric["Name"] for metric in document["_aws"]["CloudWatchMetrics"][0]["Metrics"]}


def test_a_successful_chunk_attempt_records_its_time_in_milliseconds_and_no_failure():
    assert chunk_attempt_metrics(outcome=ChunkOutcome.SUCCEEDED, seconds=0.25) == [
        Metric("ChunkProcessingTime", 250.0, "Milliseconds"),
        Metric("ChunkFailures", 0, "Count"),
    ]


@pytest.mark.parametrize("outcome", [ChunkOutcome.RETRIED, ChunkOutcome.FAILED])
def test_a_chunk_attempt_that_did_not_succeed_counts_one_failure(outcome):
    assert Metric("ChunkFailures", 1, "Count") in chunk_attempt_metrics(outcome=outcome, seconds=1)


def test_a_redelivery_of_an_ended_chunk_is_not_a_failure():
    assert Metric("ChunkFailures", 0, "Count") in chunk_attempt_metrics(outcome=ChunkOutcome.SKIPPED, seconds=0)


def test_the_deduplication_hit_rate_is_the_percent_of_imported_samples_already_stored():
    assert deduplication_hit_rate(created=30, duplicate=10) == 25.0


def test_a_batch_that_imported_nothing_has_a_zero_hit_rate():
    assert deduplication_hit_rate(created=0, duplicate=0) == 0.0


def test_a_finalized_batch_records_duration_records_duplicates_and_hit_rate():
    assert batch_metrics(created=3, duplicate=1, seconds=2.5) == [
        Metric("BatchDuration", 2.5, "Seconds"),
        Metric("RecordsImported", 3, "Count"),
        Metric("DuplicateRecords", 1, "Count"),
        Metric("DeduplicationHitRate", 25.0, "Percent"),
    ]


def test_every_metric_has_totals_and_per_outcome_dimensions_and_nothing_about_users(settings):
    settings.AWS_EMF_SERVICE_NAME = "healthkit"
    settings.HEALTHKIT_ENVIRONMENT = "staging"  # the stack's name, not DJANGO_ENV
    assert dimension_sets(outcome="succeeded") == [
        {"ServiceName": "healthkit", "Environment": "staging"},
        {"ServiceName": "healthkit", "Environment": "staging", "Outcome": "succeeded"},
    ]


def test_a_chunk_attempt_writes_one_emf_line_to_stdout(settings, capsys):
    settings.AWS_EMF_NAMESPACE = "HealthKitImportTest"
    chunk_attempt_record(chunk_id="c0ffee", outcome=ChunkOutcome.RETRIED, seconds=0.5)
    (line,) = _emf_lines(capsys.readouterr().out)
    directive = line["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "HealthKitImportTest"
    assert directive["Dimensions"] == [["ServiceName", "Environment"], ["ServiceName", "Environment", "Outcome"]]
    assert (line["ChunkProcessingTime"], line["ChunkFailures"], line["Outcome"], line["chunk_id"]) == (
        500.0,
        1,
        "retried",
        "c0ffee",
    )
    assert {metric["Name"]: metric["Unit"] for metric in directive["Metrics"]} == {
        "ChunkProcessingTime": "Milliseconds",
        "ChunkFailures": "Count",
    }


def test_a_metrics_problem_never_fails_the_import(settings, capsys, caplog):
    settings.AWS_EMF_NAMESPACE = "not a namespace!"  # refused by aws-embedded-metrics
    chunk_attempt_record(chunk_id="c0ffee", outcome=ChunkOutcome.SUCCEEDED, seconds=0.1)
    assert _emf_lines(capsys.readouterr().out) == []
    assert "could not write metrics" in caplog.text


@pytest.mark.django_db
def test_finalizing_a_batch_writes_its_metrics_once_its_transaction_commits(
    user, capsys, django_capture_on_commit_callbacks
):
    batch, (chunk,) = batch_with_chunks_create(user, [heart_rate_samples(4)])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        chunk_import(chunk_id=str(chunk.pk))
    assert _emf_lines(capsys.readouterr().out) == []
    for callback in callbacks:
        callback()
    (line,) = _emf_lines(capsys.readouterr().out)
    assert _metric_names(line) == {"BatchDuration", "RecordsImported", "DuplicateRecords", "DeduplicationHitRate"}
    assert (line["RecordsImported"], line["DuplicateRecords"], line["Outcome"], line["batch_id"]) == (
        4,
        0,
        "completed",
        str(batch.pk),
    )


def test_the_dashboard_plots_only_metrics_the_app_writes_with_their_units():
    from infra.dashboard import APP_METRICS

    assert {name for name, _ in APP_METRICS} <= set(ALL_METRICS)
    written = [
        *chunk_attempt_metrics(outcome=ChunkOutcome.SUCCEEDED, seconds=0),
        *batch_metrics(created=0, duplicate=0, seconds=0),
        *export_metrics(failed=True, samples=0),
    ]
    assert {metric.name: metric.unit for metric in written} == ALL_METRICS


def test_an_ended_export_counts_one_failure_or_none_and_its_samples():
    assert export_metrics(failed=True, samples=12) == [Metric("ExportsFailed", 1, "Count"), Metric("ExportSamplesRead", 12, "Count")]
    assert export_metrics(failed=False, samples=0)[0].value == 0
