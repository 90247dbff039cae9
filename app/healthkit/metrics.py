"""Import metrics, written as CloudWatch embedded metric format (EMF) lines on stdout.

CloudWatch Logs turns each line into metrics in namespace AWS_EMF_NAMESPACE (HealthKitImport):

| metric | unit | one value per | dimensions |
|---|---|---|---|
| `ChunkProcessingTime` | Milliseconds | chunk attempt | ServiceName, Environment (+ Outcome) |
| `ChunkFailures` | Count (1 or 0) | chunk attempt | ServiceName, Environment (+ Outcome) |
| `BatchDuration` | Seconds (created -> finalized) | finalized batch | ServiceName, Environment (+ Outcome) |
| `RecordsImported` | Count (rows created) | finalized batch | same |
| `DuplicateRecords` | Count (samples already stored) | finalized batch | same |
| `DeduplicationHitRate` | Percent of the batch's imported samples that were duplicates | finalized batch | same |
| `ExportsFailed` | Count (1 or 0) | export read to its end (Outcome `read` or `failed`) | same |
| `ExportSamplesRead` | Count | export read to its end | same |

Every line carries two dimension sets: (ServiceName, Environment) for totals and
(ServiceName, Environment, Outcome) per outcome. Environment is HEALTHKIT_ENVIRONMENT (the
stack: every deployed stack runs DJANGO_ENV=prod). Outcome is a chunk attempt's `succeeded`,
`retried`, `failed` (for good) or `skipped` (already ended), or a batch's final status.
Ids (`chunk_id`, `batch_id`) are properties of the line, searchable in Logs Insights, never
dimensions; nothing identifies a user.

`chunk_attempt_metrics` and `batch_metrics` are pure (values in, metrics out); `*_record`
write the line with aws-embedded-metrics' synchronous API (`flush_sync`: no event loop is
running in a prefork pool process), and never let a metrics problem fail an import.
"""

import logging
from dataclasses import dataclass
from enum import StrEnum

from aws_embedded_metrics.config import get_config
from aws_embedded_metrics.logger.metrics_logger_factory import create_metrics_logger
from django.conf import settings

logger = logging.getLogger(__name__)


class ChunkOutcome(StrEnum):
    SUCCEEDED = "succeeded"  # the samples are stored
    RETRIED = "retried"  # the attempt failed or was cut short; the message comes back
    FAILED = "failed"  # the last attempt failed: the chunk ended `failed`
    SKIPPED = "skipped"  # the chunk had already ended (a redelivery): nothing done


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    value: float
    unit: str


def chunk_attempt_metrics(*, outcome: ChunkOutcome, seconds: float) -> list[Metric]:
    """The metrics of one chunk attempt: its duration, and whether it counts as a failure."""
    failed = outcome in (ChunkOutcome.RETRIED, ChunkOutcome.FAILED)
    return [
        Metric("ChunkProcessingTime", round(seconds * 1000, 3), "Milliseconds"),
        Metric("ChunkFailures", 1 if failed else 0, "Count"),
    ]


def deduplication_hit_rate(*, created: int, duplicate: int) -> float:
    """Percent of the samples imported that were already stored (0 when none were imported)."""
    imported = created + duplicate
    return round(100 * duplicate / imported, 2) if imported else 0.0


def batch_metrics(*, created: int, duplicate: int, seconds: float) -> list[Metric]:
    """The metrics of one finalized batch."""
    return [
        Metric("BatchDuration", round(seconds, 3), "Seconds"),
        Metric("RecordsImported", created, "Count"),
        Metric("DuplicateRecords", duplicate, "Count"),
        Metric("DeduplicationHitRate", deduplication_hit_rate(created=created, duplicate=duplicate), "Percent"),
    ]


def dimension_sets(*, outcome: str) -> list[dict[str, str]]:
    """Totals per service and environment, and the same split by outcome."""
    base = {"ServiceName": settings.AWS_EMF_SERVICE_NAME, "Environment": settings.HEALTHKIT_ENVIRONMENT}
    return [base, base | {"Outcome": str(outcome)}]


def metrics_write(metrics: list[Metric], *, outcome: str, properties: dict[str, object]) -> None:
    """Write one EMF line (namespace, dimension sets, values, properties) to stdout."""
    get_config().environment = settings.AWS_EMF_ENVIRONMENT  # Local: stdout, no agent, no probing
    metrics_logger = create_metrics_logger()
    metrics_logger.set_namespace(settings.AWS_EMF_NAMESPACE)
    metrics_logger.set_dimensions(*dimension_sets(outcome=outcome), use_default=False)
    for metric in metrics:
        metrics_logger.put_metric(metric.name, metric.value, metric.unit)
    for key, value in properties.items():
        metrics_logger.set_property(key, value)
    metrics_logger.flush_sync()


def _write_safely(metrics: list[Metric], *, outcome: str, properties: dict[str, object]) -> None:
    try:
        metrics_write(metrics, outcome=outcome, properties=properties)
    except Exception:  # metrics must never fail an import
        logger.warning("could not write metrics %s", [metric.name for metric in metrics], exc_info=True)


def chunk_attempt_record(*, chunk_id: str, outcome: ChunkOutcome, seconds: float) -> None:
    _write_safely(
        chunk_attempt_metrics(outcome=outcome, seconds=seconds), outcome=outcome, properties={"chunk_id": chunk_id}
    )


def batch_finalized_record(batch) -> None:
    """The metrics of a batch that has just been finalized (call once its transaction committed)."""
    seconds = (batch.finished_at - batch.created_at).total_seconds()
    _write_safely(
        batch_metrics(created=batch.records_created, duplicate=batch.records_duplicate, seconds=seconds),
        outcome=batch.status,
        properties={
            "batch_id": str(batch.pk),
            "chunks_total": batch.chunks_total,
            "chunks_failed": batch.chunks_failed,
        },
    )


def export_metrics(*, failed: bool, samples: int) -> list[Metric]:
    """The metrics of one export that has ended (read, or failed)."""
    return [Metric("ExportsFailed", 1 if failed else 0, "Count"), Metric("ExportSamplesRead", samples, "Count")]


def export_finished_record(export) -> None:
    _write_safely(
        export_metrics(failed=export.status == "failed", samples=export.samples_read),
        outcome=export.status,
        properties={"export_id": str(export.pk), "batch_id": str(export.batch_id), "chunks_queued": export.chunks_queued},
    )
