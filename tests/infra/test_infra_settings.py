"""infra/settings/: one typed settings object, every violation reported at once."""

from __future__ import annotations

import pytest

from infra.settings import Settings, SettingsError, load_settings, setting_specs, validate


def load(**values):
    return load_settings(values, stack="dev", region="us-east-1")


def violations(**values) -> dict[str, str]:
    with pytest.raises(SettingsError) as caught:
        load(**values)
    return {v.setting: f"{v.rule}; fix: {v.fix}" for v in caught.value.violations}


def test_defaults_alone_are_valid_settings():
    settings = load()

    assert settings == Settings(stack="dev", region="us-east-1")
    assert validate(settings) == []


def test_engine_strings_are_parsed_to_typed_values():
    settings = load(taskTimeLimitSeconds="600", dbMultiAz="true", albIngressCidrs='["10.0.0.0/8"]')

    assert settings.task_time_limit_seconds == 600
    assert settings.db_multi_az is True
    assert settings.alb_ingress_cidrs == ["10.0.0.0/8"]


def test_visibility_timeout_derives_from_the_task_time_limit_plus_60():
    assert load(taskTimeLimitSeconds=900, taskSoftTimeLimitSeconds=800).visibility_timeout_seconds == 960


def test_visibility_timeout_below_the_time_limit_is_rejected_naming_the_setting():
    found = violations(taskTimeLimitSeconds=900, taskSoftTimeLimitSeconds=800, queueVisibilityTimeoutSeconds=600)

    assert "queueVisibilityTimeoutSeconds" in found
    assert ">= taskTimeLimitSeconds (900) + 60 = 960" in found["queueVisibilityTimeoutSeconds"]


def test_visibility_timeout_without_the_margin_is_rejected():
    assert "queueVisibilityTimeoutSeconds" in violations(queueVisibilityTimeoutSeconds=300)


def test_cpu_memory_pair_fargate_rejects_names_the_memory_setting():
    found = violations(apiCpu=256, apiMemory=4096)

    assert "apiMemory" in found
    assert "not a pair Fargate accepts" in found["apiMemory"]


def test_cpu_value_fargate_does_not_offer_names_the_cpu_setting():
    assert "workerCpu" in violations(workerCpu=768)


def test_min_count_above_max_count_is_rejected_naming_the_max_setting():
    found = violations(workerMinCount=5, workerMaxCount=2)

    assert "must be >= workerMinCount (5)" in found["workerMaxCount"]


def test_worker_min_count_of_zero_is_rejected_so_one_message_is_always_served():
    assert "single message" in violations(workerMinCount=0)["workerMinCount"]


def test_every_violation_is_reported_in_one_error():
    with pytest.raises(SettingsError) as caught:
        load(queueVisibilityTimeoutSeconds=100, apiCpu=256, apiMemory=4096, apiMinCount=3, apiMaxCount=1,
             alarmQueueDepth=0)

    settings = {v.setting for v in caught.value.violations}
    assert settings == {"queueVisibilityTimeoutSeconds", "apiMemory", "apiMaxCount", "alarmQueueDepth"}
    message = str(caught.value)
    assert "4 problem(s)" in message and message.count("fix:") == 4


def test_each_violation_names_setting_value_rule_and_fix():
    with pytest.raises(SettingsError) as caught:
        load(alarmApiLatencyP95Ms=-5)

    (violation,) = caught.value.violations
    assert (violation.setting, violation.value) == ("alarmApiLatencyP95Ms", -5)
    assert violation.rule == "alarm thresholds must be positive"
    assert violation.fix


def test_unknown_setting_is_reported_with_the_closest_name():
    assert "did you mean taskTimeLimitSeconds" in violations(taskTimeLimit=600)["taskTimeLimit"]


def test_value_of_the_wrong_type_is_reported_and_its_rules_skipped():
    found = violations(dbPort="five")

    assert list(found) == ["dbPort"]
    assert "must be an integer" in found["dbPort"]


def test_missing_region_is_reported():
    with pytest.raises(SettingsError) as caught:
        load_settings({}, stack="dev", region=None)

    assert [v.setting for v in caught.value.violations] == ["aws:region"]


def test_soft_time_limit_must_stay_below_the_hard_limit():
    assert "taskSoftTimeLimitSeconds" in violations(taskTimeLimitSeconds=300, taskSoftTimeLimitSeconds=300)


def test_worker_soft_shutdown_must_stay_below_the_stop_timeout():
    assert "stopTimeout" in violations(workerSoftShutdownSeconds=120)["workerSoftShutdownSeconds"]


def test_prod_environment_requires_protected_stateful_resources():
    assert "protectStatefulResources" in violations(environment="prod")


def test_spot_workers_may_run_arm64():
    settings = load(workerSpotPercent=50, cpuArchitecture="ARM64")
    assert (settings.worker_spot_percent, settings.cpu_architecture) == (50, "ARM64")


@pytest.mark.parametrize("minutes", [4, 181])
def test_the_rollout_timeout_is_validated_naming_the_setting(minutes):
    assert "5" in violations(rolloutTimeoutMinutes=minutes)["rolloutTimeoutMinutes"]


def test_api_scaling_needs_at_least_one_target():
    assert "needs a target" in violations(apiCpuTargetPercent=0, apiRequestsPerTarget=0)["apiCpuTargetPercent"]


def test_existing_database_requires_host_and_secret_arn():
    found = violations(database="existing")

    assert {"dbHost", "dbSecretArn"} <= set(found)


def test_existing_vpc_requires_two_public_subnets():
    found = violations(vpcId="vpc-0a1b2c3d4e5f60718", publicSubnetIds=["subnet-0a1b2c3d4e5f60711"],
                       privateSubnetIds=["subnet-0a1b2c3d4e5f60721", "subnet-0a1b2c3d4e5f60722"])

    assert "at least 2" in found["publicSubnetIds"]


def test_subnet_ids_without_a_vpc_id_are_rejected():
    assert "publicSubnetIds" in violations(publicSubnetIds=["subnet-0a1b2c3d4e5f60711"])


def test_image_must_come_from_the_stacks_own_repository():
    found = violations(image="123456789012.dkr.ecr.us-east-1.amazonaws.com/other@sha256:" + "a" * 64)

    assert "repository healthkit-dev" in found["image"]


def test_image_must_be_pinned_by_digest_or_tag():
    assert "image" in violations(image="healthkit-dev:latest@sha256:abc")


def test_image_pinned_by_digest_in_the_stacks_repository_is_accepted():
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/healthkit-dev@sha256:" + "a" * 64

    assert load(image=image).image == image


def test_certificate_must_be_in_the_stacks_region():
    found = violations(certificateArn="arn:aws:acm:eu-west-1:123456789012:certificate/abcd-1234")

    assert "us-east-1" in found["certificateArn"]


def test_log_retention_must_be_a_value_cloudwatch_accepts():
    assert "logRetentionDays" in violations(logRetentionDays=45)


def test_every_setting_has_a_key_type_default_and_description():
    specs = setting_specs()

    assert len({s.key for s in specs}) == len(specs)
    for spec in specs:
        assert spec.type in ("string", "integer", "boolean", "array")
        assert spec.description.rstrip().endswith(".") and "Default:" in spec.description, spec.key


@pytest.mark.parametrize("app_name, stack", [("healthkit-sync-service", "staging-eu-west"), ("healthkit", "Prod")])
def test_names_the_exports_bucket_cannot_take_fail_naming_app_name_and_the_stack(app_name, stack):
    with pytest.raises(SettingsError) as caught:
        load_settings({"appName": app_name}, stack=stack, region="us-east-1")
    found = {v.setting: f"{v.rule}; fix: {v.fix}" for v in caught.value.violations}

    assert list(found) == ["appName"]
    assert f"with the stack name {stack!r} makes the exports bucket's name prefix" in found["appName"]
    assert "at most 37 lowercase letters" in found["appName"]


def test_the_longest_names_the_exports_bucket_takes_are_valid():
    settings = load_settings({"appName": "healthkit-sync"}, stack="staging-eu-12", region="us-east-1")  # 14 + 1 + 13 + 9
    assert len(settings.exports_bucket_prefix) == 37
    assert validate(settings) == []
