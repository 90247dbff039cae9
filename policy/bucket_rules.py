"""The exports bucket's invariants (infra/exports_bucket.py): private, encrypted, TLS-only, uploads
expire, and task roles reach only objects under ``exports/`` with their own actions.

Plain functions over :class:`Resource` values, registered in ``policy.rules.RULES``.
"""

from __future__ import annotations

from collections.abc import Sequence
from infra import invariants as inv
from policy.resources import Resource, as_list, denies_insecure_transport

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _of(resources: Sequence[Resource], type_token: str) -> list[Resource]:
    return [r for r in resources if r.type == type_token]


def _attached(resources: Sequence[Resource], type_token: str, bucket: Resource) -> list[Resource]:
    names = {bucket.props.get("id"), bucket.props.get("bucket")} - {None}
    return [r for r in _of(resources, type_token) if r.props.get("bucket") in names]


def _expires_and_aborts(lifecycle: Resource) -> bool:
    rules = [r for r in as_list(lifecycle.props.get("rules")) if r.get("status") == "Enabled"]
    return any((r.get("expiration") or {}).get("days") for r in rules) and any(
        (r.get("abortIncompleteMultipartUpload") or {}).get("daysAfterInitiation") for r in rules)


def buckets_private_encrypted_tls_only(resources: Sequence[Resource]) -> list[str]:
    out = []
    for bucket in _of(resources, BUCKET):
        blocks = _attached(resources, PUBLIC_ACCESS_BLOCK, bucket)
        if not any(all(b.props.get(flag) is True for flag in PUBLIC_ACCESS_FLAGS) for b in blocks):
            out.append(f"bucket {bucket.name}: public access is not blocked (all four flags)")
        if not _attached(resources, ENCRYPTION, bucket):
            out.append(f"bucket {bucket.name}: no default encryption configuration")
        if not any(denies_insecure_transport(p.props.get("policy")) for p in _attached(resources, BUCKET_POLICY, bucket)):
            out.append(f"bucket {bucket.name}: no policy denying requests without TLS (aws:SecureTransport false)")
        if not any(_expires_and_aborts(lc) for lc in _attached(resources, LIFECYCLE, bucket)):
            out.append(f"bucket {bucket.name}: no lifecycle rule expiring objects and aborting incomplete uploads")
        if not any(((o.props.get("rule") or {}).get("objectOwnership")) == "BucketOwnerEnforced"
                   for o in _attached(resources, OWNERSHIP, bucket)):
            out.append(f"bucket {bucket.name}: ACLs not disabled (objectOwnership BucketOwnerEnforced)")
    return out


def export_grants_problems(
    resources: Sequence[Resource], *, name: str, kind: str, grants: dict[str, set[str]],
) -> list[str]:
    """A task role's S3 grants: exactly its kind's export actions, only on ``<stack bucket>/exports/*``."""
    allowed = set(inv.WORKER_EXPORT_ACTIONS if kind == "worker" else inv.API_EXPORT_ACTIONS)
    held = {a for a in grants if a.startswith("s3:")}
    out = []
    if held - allowed:
        out.append(f"{name} ({kind}) task role holds {sorted(held - allowed)}; allowed on exports: {sorted(allowed)}")
    if allowed - held:
        out.append(f"{name} ({kind}) task role lacks {sorted(allowed - held)}")
    prefixes = {f"{b.props.get('arn')}/{inv.EXPORTS_PREFIX}*" for b in _of(resources, BUCKET)}
    for action in held:
        if grants[action] - prefixes:
            out.append(f"{name} ({kind}) task role may {action} on {sorted(grants[action] - prefixes)}, "
                       f"not only {sorted(prefixes)}")
    return out
