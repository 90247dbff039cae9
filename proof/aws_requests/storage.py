"""S3 buckets and their configuration resources (infra/exports_bucket.py) as S3 API requests."""

from __future__ import annotations

from proof.aws_requests.inputs import ApiRequest, Inputs, compact, tags_kv

#: what Pulumi appends to a bucketPrefix (26 characters: the name is at most 63)
_SUFFIX = "0" * 26


def _bucket(name: str, i: Inputs) -> list[ApiRequest]:
    prefix = i.take("bucketPrefix")
    bucket = i.take("bucket") or (f"{prefix}{_SUFFIX}" if prefix else name)
    tags = tags_kv(i.take("tags"))
    i.done(provider_only=("forceDestroy", "objectLockEnabled"))
    out = [ApiRequest("s3", "CreateBucket", {"Bucket": bucket})]
    if tags:
        out.append(ApiRequest("s3", "PutBucketTagging", {"Bucket": bucket, "Tagging": {"TagSet": tags}}))
    return out


def _ownership(name: str, i: Inputs) -> list[ApiRequest]:
    bucket, rule = i.take("bucket"), i.take("rule")
    i.done()
    return [ApiRequest("s3", "PutBucketOwnershipControls", {
        "Bucket": bucket, "OwnershipControls": {"Rules": [{"ObjectOwnership": rule["objectOwnership"]}]}})]


def _public_access_block(name: str, i: Inputs) -> list[ApiRequest]:
    bucket = i.take("bucket")
    flags = {key[0].upper() + key[1:]: i.take(key) for key in
             ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets") if i.has(key)}
    i.done(provider_only=("skipDestroy",))
    return [ApiRequest("s3", "PutPublicAccessBlock", {"Bucket": bucket, "PublicAccessBlockConfiguration": flags})]


def _encryption(name: str, i: Inputs) -> list[ApiRequest]:
    bucket, rules = i.take("bucket"), i.take("rules")
    i.done()
    return [ApiRequest("s3", "PutBucketEncryption", {"Bucket": bucket, "ServerSideEncryptionConfiguration": {"Rules": [
        compact({
            "ApplyServerSideEncryptionByDefault": compact({
                "SSEAlgorithm": rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"],
                "KMSMasterKeyID": rule["applyServerSideEncryptionByDefault"].get("kmsMasterKeyId"),
            }),
            "BucketKeyEnabled": rule.get("bucketKeyEnabled"),
        }) for rule in rules]}})]


def _policy(name: str, i: Inputs) -> list[ApiRequest]:
    bucket, policy = i.take("bucket"), i.take("policy")
    i.done()
    return [ApiRequest("s3", "PutBucketPolicy", {"Bucket": bucket, "Policy": policy})]


def _lifecycle_rule(rule: dict) -> dict:
    return compact({
        "ID": rule.get("id"),
        "Status": rule["status"],
        "Filter": {"Prefix": (rule.get("filter") or {}).get("prefix", "")},
        "Expiration": compact({"Days": (rule.get("expiration") or {}).get("days")}),
        "AbortIncompleteMultipartUpload": compact({
            "DaysAfterInitiation": (rule.get("abortIncompleteMultipartUpload") or {}).get("daysAfterInitiation")}),
    })


def _lifecycle(name: str, i: Inputs) -> list[ApiRequest]:
    bucket, rules = i.take("bucket"), i.take("rules")
    i.done(provider_only=("transitionDefaultMinimumObjectSize",))
    return [ApiRequest("s3", "PutBucketLifecycleConfiguration", {
        "Bucket": bucket, "LifecycleConfiguration": {"Rules": [_lifecycle_rule(rule) for rule in rules]}})]


MAPPERS = {
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _ownership,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _public_access_block,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": _encryption,
    "aws:s3/bucketPolicy:BucketPolicy": _policy,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": _lifecycle,
}
