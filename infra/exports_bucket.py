"""The exports bucket: where clients upload the Health app's export.zip for a worker to read.

Private (public access blocked, ACLs disabled: BucketOwnerEnforced), encrypted at rest
(SSE-S3, AES256, with S3 Bucket Keys), reachable only over TLS (a bucket policy denies
aws:SecureTransport false), and a lifecycle that deletes every upload after
``retention_days`` and aborts incomplete multipart uploads after a day. No CORS: the iOS app
uploads with URLSession, not from a browser (a browser client would need a CORS rule for POST
from its origin). No versioning: a deleted export must be gone, not kept as a noncurrent version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra import policies
from infra.args import check
from infra.invariants import S3_BUCKET_PREFIX_MAX as BUCKET_PREFIX_MAX


@dataclass
class ExportsBucketArgs:
    """Arguments of :class:`ExportsBucket`."""

    bucket_prefix: str
    """Start of the bucket's name (Pulumi appends a random suffix; bucket names are global):
    lowercase letters, digits and hyphens, at most 37 characters. Required."""

    retention_days: int = 7
    """Days after which an upload is deleted by the lifecycle rule, whatever happened to it
    (the worker deletes it as soon as it is read). 1-3650. Default: 7."""

    force_destroy: bool = True
    """Let ``pulumi destroy`` delete the bucket with objects still in it (uploads are transient
    copies). Default: true."""

    tags: dict[str, str] = field(default_factory=dict)
    """Tags on the bucket. Default: none."""


class ExportsBucket(pulumi.ComponentResource):
    """A private, encrypted, TLS-only bucket whose uploads expire."""

    bucket: aws.s3.Bucket
    bucket_name: pulumi.Output[str]
    arn: pulumi.Output[str]

    def __init__(self, name: str, args: ExportsBucketArgs, opts: pulumi.ResourceOptions | None = None):
        check(bool(args.bucket_prefix) and len(args.bucket_prefix) <= BUCKET_PREFIX_MAX
              and args.bucket_prefix.replace("-", "").isalnum() and args.bucket_prefix == args.bucket_prefix.lower(),
              "ExportsBucketArgs", "bucket_prefix", args.bucket_prefix,
              f"must be 1-{BUCKET_PREFIX_MAX} lowercase letters, digits or hyphens", "choose a shorter prefix")
        check(1 <= args.retention_days <= 3650, "ExportsBucketArgs", "retention_days", args.retention_days,
              "must be between 1 and 3650", "choose e.g. 7")
        super().__init__("healthkit:exports:ExportsBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.bucket = aws.s3.Bucket(
            f"{name}-bucket", bucket_prefix=args.bucket_prefix, force_destroy=args.force_destroy, tags=args.tags,
            opts=child)
        ownership = aws.s3.BucketOwnershipControls(
            f"{name}-ownership", bucket=self.bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"}, opts=child)
        public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access-block", bucket=self.bucket.id, block_public_acls=True, block_public_policy=True,
            ignore_public_acls=True, restrict_public_buckets=True, opts=child)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption", bucket=self.bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}, "bucket_key_enabled": True}],
            opts=child)
        aws.s3.BucketPolicy(
            f"{name}-policy", bucket=self.bucket.id,
            policy=self.bucket.arn.apply(lambda arn: json.dumps(policies.deny_insecure_transport_bucket_policy(bucket_arn=arn))),
            # S3 refuses a bucket policy while the public access block is being changed
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_access, ownership]))
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle", bucket=self.bucket.id,
            rules=[_lifecycle_rule_input(rule) for rule in policies.exports_lifecycle_rules(retention_days=args.retention_days)],
            opts=child)

        self.bucket_name = self.bucket.bucket
        self.arn = self.bucket.arn
        self.register_outputs({"bucketName": self.bucket_name, "arn": self.arn})


def _lifecycle_rule_input(rule: dict) -> dict:
    """An S3 API lifecycle rule (policies.exports_lifecycle_rules) as the provider's input shape."""
    out: dict = {"id": rule["ID"], "status": rule["Status"], "filter": {"prefix": rule["Filter"]["Prefix"]}}
    if "Expiration" in rule:
        out["expiration"] = {"days": rule["Expiration"]["Days"]}
    if "AbortIncompleteMultipartUpload" in rule:
        out["abort_incomplete_multipart_upload"] = {
            "days_after_initiation": rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]}
    return out
