"""Export backfill: a synthetic Health app export (localservices.export_files: the real exports'
shapes, ~394 bytes of XML per record) uploaded to the moto server's S3, read by ONE real
`celery worker` process (concurrency 1): the export task streams the zip from S3 with ranged
GETs, parses, validates and queues the chunks; then the same process applies them.

Figures: the export task's wall time (reading + queuing), the whole import's (until the batch
is finalized), records/s of each, and the peak RSS (VmHWM) of the worker's processes. A scaled
run is extrapolated linearly to a 1.3 GB export.xml (the issue's figure: about 3.4 million
records), labelled as such.
"""

import os
from dataclasses import dataclass

from bench.environment import BenchServers
from bench.procstat import child_pids, status_kib
from localservices.celery_messages import task_message_body
from localservices.environment import contract_environment, process_environment
from localservices.export_files import EXPORT_MEMBER, export_zip_write
from localservices.processes import CeleryWorker
from localservices.sqs import sqs_queue_create
from localservices.waiting import wait_until

TARGET_XML_BYTES = 1.3e9
TARGET_SECONDS = 600
TARGET_RSS_MIB = 512


@dataclass(frozen=True)
class ExportResult:
    records: int
    samples: int
    xml_bytes: int
    zip_bytes: int
    read_seconds: float
    import_seconds: float
    peak_rss_mib: float

    def scaled(self, seconds: float) -> float:
        return seconds * TARGET_XML_BYTES / self.xml_bytes

    def as_dict(self) -> dict:
        """The measured figures and their linear extrapolation to a 1.3 GB export.xml (labelled)."""
        return {
            "records": self.records,
            "samples": self.samples,
            "xml_bytes": self.xml_bytes,
            "zip_bytes": self.zip_bytes,
            "read_seconds": self.read_seconds,
            "import_seconds": self.import_seconds,
            "read_records_per_second": self.samples / self.read_seconds,
            "import_records_per_second": self.samples / self.import_seconds,
            "peak_rss_mib": self.peak_rss_mib,
            "extrapolated_to_xml_bytes": TARGET_XML_BYTES,
            "extrapolated_read_minutes": self.scaled(self.read_seconds) / 60,
            "extrapolated_import_minutes": self.scaled(self.import_seconds) / 60,
        }


def _peak_rss_mib(pid: int) -> float:
    """The largest VmHWM (peak resident set) of a process and its children, MiB."""
    peaks = [status_kib(each, "VmHWM") for each in [pid, *child_pids(pid)]]
    return max(peak for peak in peaks if peak is not None) / 1024


def _uploaded(servers: BenchServers, records: int, owner) -> tuple[object, int, int, int]:
    """The export row (reading, with its batch) and its object in the bucket; (export, samples, xml, zip bytes)."""
    import zipfile

    from django.conf import settings
    from healthkit.models import AppleHealthExport, AppleHealthImportBatch, ExportStatus
    from healthkit.sync.positions import batch_sequence_next

    archive = servers.log_dir / f"export-{records}.zip"
    samples = export_zip_write(archive, records=records)
    with zipfile.ZipFile(archive) as zipped:
        xml_bytes = zipped.getinfo(EXPORT_MEMBER).file_size
    s3 = servers.moto.s3_client()
    bucket = f"healthkit-bench-exports-{os.getpid()}"
    s3.create_bucket(Bucket=bucket)
    settings.HEALTHKIT_EXPORTS_BUCKET = bucket
    batch = AppleHealthImportBatch.objects.create(owner=owner, sequence=batch_sequence_next(), sealed=False)
    export = AppleHealthExport.objects.create(
        owner=owner, status=ExportStatus.READING, batch=batch, content_type="application/zip",
        max_bytes=settings.HEALTHKIT_EXPORT_MAX_BYTES, object_key=f"exports/{owner.pk}/bench-{records}")
    s3.upload_file(str(archive), bucket, export.object_key)
    return export, samples, xml_bytes, archive.stat().st_size


def export_read(servers: BenchServers, *, records: int, chunk_size: int = 1000) -> ExportResult:
    from bench.import_throughput import _owner
    from healthkit.models import AppleHealthExport, AppleHealthImportBatch

    export, samples, xml_bytes, zip_bytes = _uploaded(servers, records, _owner(f"export-{records}"))
    queue = sqs_queue_create(servers.moto.sqs_client(), task_time_limit=600)
    from django.conf import settings

    app_env = contract_environment(
        db=servers.db_environment, queue_url=queue.url, heartbeat_file=servers.log_dir / "export-heartbeat",
        task_time_limit=600, task_soft_time_limit=590, concurrency=1, chunk_size=chunk_size,
        exports_bucket=settings.HEALTHKIT_EXPORTS_BUCKET)
    env = process_environment(app_env, emulator=servers.moto.client_environment())
    worker = CeleryWorker.start(env=env, log_dir=servers.log_dir / "export")
    try:
        servers.moto.sqs_client().send_message(
            QueueUrl=queue.url, MessageBody=task_message_body("healthkit.read_export", [str(export.pk)]))
        wait_until(lambda: AppleHealthImportBatch.objects.get(pk=export.batch_id).finished_at is not None,
                   timeout=3600, interval=0.5, message="the export's batch to be finalized")
        peak = _peak_rss_mib(worker.process.popen.pid)
    finally:
        worker.stop()
    export = AppleHealthExport.objects.get(pk=export.pk)
    batch = AppleHealthImportBatch.objects.get(pk=export.batch_id)
    if (export.status, batch.records_created) != ("read", samples):
        raise RuntimeError(f"the export ended {export.status} ({export.error}), {batch.records_created} of {samples} created")
    return ExportResult(
        records=records, samples=samples, xml_bytes=xml_bytes, zip_bytes=zip_bytes,
        read_seconds=(export.finished_at - export.started_at).total_seconds(),
        import_seconds=(batch.finished_at - export.started_at).total_seconds(),
        peak_rss_mib=peak,
    )
