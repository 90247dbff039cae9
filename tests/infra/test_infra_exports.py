"""infra/exports_bucket.py, its settings, its IAM and its policy-pack rules, on the recorded stacks."""

from __future__ import annotations

import dataclasses
import json

import pytest

from infra.settings import SettingsError, load_settings
from policy.bucket_rules import buckets_private_encrypted_tls_only
from policy.resources import resources_from_records
from policy.rules import task_roles_least_privilege


def bucket_part(run, type_suffix: str, name: str):
    return run.one(f"aws:s3/{type_suffix}", f"exports-{name}")


def test_the_bucket_is_named_per_stack_and_handed_to_both_services(stacks):
    for run in stacks:
        bucket = run.one("aws:s3/bucket:Bucket", "exports-bucket")
        assert bucket.inputs["bucketPrefix"] == f"healthkit-{run.stack}-exports-"
        assert run.outputs["exportsBucketName"] == bucket.outputs["bucket"]
        for service in ("api", "worker"):
            assert run.environment(service)["HEALTHKIT_EXPORTS_BUCKET"] == bucket.outputs["bucket"]
            assert run.environment(service)["HEALTHKIT_EXPORT_MAX_BYTES"] == str(2 * 1024**3)


def test_the_bucket_is_private_encrypted_and_tls_only(dev):
    block = bucket_part(dev, "bucketPublicAccessBlock:BucketPublicAccessBlock", "public-access-block").inputs
    assert all(block[flag] is True for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
    ownership = bucket_part(dev, "bucketOwnershipControls:BucketOwnershipControls", "ownership").inputs
    assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    (rule,) = bucket_part(dev, "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                          "encryption").inputs["rules"]
    assert rule == {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}, "bucketKeyEnabled": True}
    arn = dev.one("aws:s3/bucket:Bucket", "exports-bucket").outputs["arn"]
    (deny,) = json.loads(bucket_part(dev, "bucketPolicy:BucketPolicy", "policy").inputs["policy"])["Statement"]
    assert (deny["Effect"], deny["Action"], deny["Resource"]) == ("Deny", "s3:*", [arn, f"{arn}/*"])
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


@pytest.mark.parametrize(("overrides", "days"), [({}, 7), ({"exportRetentionDays": 2}, 2)])
def test_uploads_expire_after_the_retention_setting_and_incomplete_uploads_are_aborted(overrides, days):
    from proof.mockrun import run_stack

    run = run_stack("dev", overrides)
    expire, abort = bucket_part(run, "bucketLifecycleConfiguration:BucketLifecycleConfiguration", "lifecycle").inputs["rules"]
    assert (expire["filter"], expire["expiration"], expire["status"]) == ({"prefix": "exports/"}, {"days": days}, "Enabled")
    assert abort["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 1}


def test_prod_keeps_the_bucket_on_destroy_and_dev_may_empty_it(dev, prod):
    assert dev.one("aws:s3/bucket:Bucket", "exports-bucket").inputs["forceDestroy"] is True
    assert prod.one("aws:s3/bucket:Bucket", "exports-bucket").inputs["forceDestroy"] is False


@pytest.mark.parametrize(("values", "setting"), [
    ({"exportRetentionDays": 0}, "exportRetentionDays"),
    ({"exportRetentionDays": 4000}, "exportRetentionDays"),
    ({"exportMaxBytes": 6 * 1024**3}, "exportMaxBytes"),
    ({"exportMaxBytes": 10}, "exportMaxBytes"),
    ({"alarmFailedExports": 0}, "alarmFailedExports"),
])
def test_invalid_export_settings_fail_naming_the_setting_and_the_rule(values, setting):
    with pytest.raises(SettingsError) as caught:
        load_settings(values, stack="dev", region="us-east-1")
    (violation,) = caught.value.violations
    assert violation.setting == setting and violation.rule


def test_the_failed_exports_alarm_watches_the_apps_emf_metric(dev):
    alarm = dev.one("aws:cloudwatch/metricAlarm:MetricAlarm", "alarms-exports-failed").inputs
    assert (alarm["namespace"], alarm["metricName"], alarm["statistic"]) == ("HealthKitImport", "ExportsFailed", "Sum")
    assert alarm["dimensions"] == {"ServiceName": "healthkit", "Environment": "dev"}
    assert (alarm["threshold"], alarm["comparisonOperator"], alarm["period"]) == (1, "GreaterThanOrEqualToThreshold", 3600)


def test_the_policy_pack_refuses_a_public_unencrypted_bucket_without_lifecycle(dev):
    resources = [r for r in resources_from_records(dev.resources)
                 if r.type not in ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                                   "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                                   "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")]
    problems = buckets_private_encrypted_tls_only(resources)
    assert [p.split(": ", 1)[1].split(" ")[0:2] for p in problems] == [["public", "access"], ["no", "default"], ["no", "lifecycle"]]
    assert buckets_private_encrypted_tls_only(resources_from_records(dev.resources)) == []


def test_the_policy_pack_refuses_a_task_role_that_may_list_or_read_the_whole_bucket(dev):
    resources = resources_from_records(dev.resources)
    assert task_roles_least_privilege(resources) == []
    bucket_arn = dev.one("aws:s3/bucket:Bucket", "exports-bucket").outputs["arn"]
    widened = []
    for r in resources:
        if r.name == "iam-api-task-policy":
            document = json.loads(r.props["policy"])
            document["Statement"].append({"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                                          "Resource": [bucket_arn, f"{bucket_arn}/*"]})
            r = dataclasses.replace(r, props={**r.props, "policy": json.dumps(document)})
        widened.append(r)
    problems = " ".join(task_roles_least_privilege(widened))
    assert "holds ['s3:GetObject', 's3:ListBucket']" in problems and "not only" in problems
