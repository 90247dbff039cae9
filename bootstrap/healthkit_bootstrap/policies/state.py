"""The Pulumi state bucket's own policy."""

from __future__ import annotations

from healthkit_bootstrap.policies.documents import document


def state_bucket_policy(bucket_arn: str) -> dict:
    """Bucket policy of the state bucket: TLS only."""
    return document({
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    })
