"""Backfill from the Health app's export: the client uploads export.zip (or export.xml) to S3 with
a presigned POST, then a worker streams it into the batch/chunk pipeline (docs/sync-protocol.md,
"Backfill from the Health app's export").

- `models`: the export row (status, progress, resume point);
- `s3`: the S3 client, the presigned POST, and a seekable reader over ranged GETs;
- `source`: the export.xml stream inside the object (zip or bare XML), with the bomb caps;
- `healthkit.services.exports`: create, complete, read (the task's work), fail.
"""
