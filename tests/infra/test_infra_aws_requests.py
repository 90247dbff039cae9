"""proof/aws_requests/: every resource the stacks create, as the AWS API request it would send,
validated against botocore's service model (a key AWS would reject fails here)."""

from __future__ import annotations

import json

import pytest

from proof.aws_requests import (
    ApiRequest,
    UnmappedInputError,
    mapped_types,
    requests_for,
    validate_request,
)

NOT_AWS_APIS = ("awsx:", "random:")  # multi-language components and local randomness


def aws_resources(run):
    return [r for r in run.resources if r.custom and not r.type.startswith(NOT_AWS_APIS)]


def requests(run, type_token):
    return [q for r in run.of_type(type_token) for q in requests_for(r.type, r.inputs, r.name)]


def test_every_aws_resource_type_the_stacks_create_has_a_mapping(all_runs):
    created = {r.type for run in all_runs for r in aws_resources(run)}

    assert created <= mapped_types()


def test_every_request_the_stacks_would_send_passes_botocore_validation(all_runs):
    problems = []
    for run in all_runs:
        for resource in aws_resources(run):
            for request in requests_for(resource.type, resource.inputs, resource.name):
                problems += [(run.stack, resource.name, request.operation, p) for p in validate_request(request)]

    assert problems == []


def test_every_container_definition_matches_register_task_definition(stacks):
    for run in stacks:
        sent = requests(run, "aws:ecs/taskDefinition:TaskDefinition")
        assert [q.operation for q in sent] == ["RegisterTaskDefinition"] * 2
        assert sum(len(q.params["containerDefinitions"]) for q in sent) == 3
        assert all(validate_request(q) == [] for q in sent)


def test_queue_attributes_match_create_queue(stacks):
    for run in stacks:
        (main, dlq) = sorted(requests(run, "aws:sqs/queue:Queue"), key=lambda q: q.params["QueueName"])
        assert main.params["Attributes"]["VisibilityTimeout"] == "360"
        assert main.params["Attributes"]["ReceiveMessageWaitTimeSeconds"] == "20"
        assert main.params["Attributes"]["SqsManagedSseEnabled"] == "true"
        assert json.loads(main.params["Attributes"]["RedrivePolicy"])["maxReceiveCount"] == 5
        assert dlq.params["Attributes"]["MessageRetentionPeriod"] == "1209600"
        assert validate_request(main) == validate_request(dlq) == []


def test_queue_policies_match_set_queue_attributes(dev):
    sent = requests(dev, "aws:sqs/queuePolicy:QueuePolicy") + requests(dev, "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy")

    assert {q.operation for q in sent} == {"SetQueueAttributes"}
    assert all(validate_request(q) == [] for q in sent)


def test_every_alarm_matches_put_metric_alarm(stacks):
    for run in stacks:
        sent = requests(run, "aws:cloudwatch/metricAlarm:MetricAlarm")
        assert len(sent) == 12
        assert all(q.operation == "PutMetricAlarm" and validate_request(q) == [] for q in sent)


def test_every_scaling_policy_matches_put_scaling_policy(stacks):
    for run in stacks:
        sent = requests(run, "aws:appautoscaling/policy:Policy") + requests(run, "aws:appautoscaling/target:Target")
        assert {q.operation for q in sent} == {"PutScalingPolicy", "RegisterScalableTarget"}
        assert all(validate_request(q) == [] for q in sent)


def test_a_misspelled_container_key_is_rejected():
    inputs = {"family": "f", "cpu": "256", "memory": "512", "networkMode": "awsvpc",
              "requiresCompatibilities": ["FARGATE"],
              "containerDefinitions": json.dumps([{"name": "w", "image": "i", "stopTimout": 120}])}

    (request,) = requests_for("aws:ecs/taskDefinition:TaskDefinition", inputs)
    assert "Unknown parameter in containerDefinitions[0]: \"stopTimout\"" in validate_request(request)[0]


def test_a_container_value_of_the_wrong_type_or_enum_is_rejected():
    definitions = [{"name": "a", "image": "i", "portMappings": [{"containerPort": "8000", "protocol": "tcpx"}],
                    "dependsOn": [{"containerName": "m", "condition": "SUCCEEDED"}]}]
    request = ApiRequest("ecs", "RegisterTaskDefinition", {"family": "f", "containerDefinitions": definitions})

    problems = " ".join(validate_request(request))
    assert "containerPort" in problems and "'tcpx'" in problems and "'SUCCEEDED'" in problems


def test_an_unknown_sqs_attribute_name_is_rejected():
    request = ApiRequest("sqs", "CreateQueue", {"QueueName": "q", "Attributes": {"VisibilityTimeOut": "30"}})

    assert "'VisibilityTimeOut' is not one of" in validate_request(request)[0]


def test_sqs_attribute_values_outside_aws_limits_are_rejected():
    (request,) = requests_for("aws:sqs/queue:Queue", {"name": "q", "visibilityTimeoutSeconds": 50000,
                                                      "receiveWaitTimeSeconds": 25})

    assert validate_request(request) == ["Attributes.VisibilityTimeout: 50000 is outside 0..43200",
                                         "Attributes.ReceiveMessageWaitTimeSeconds: 25 is outside 0..20"]


def test_an_alarm_with_an_unknown_statistic_or_odd_period_is_rejected():
    (request,) = requests_for("aws:cloudwatch/metricAlarm:MetricAlarm", {
        "name": "a", "comparisonOperator": "GreaterThanThreshold", "evaluationPeriods": 2,
        "metricName": "m", "namespace": "n", "statistic": "Avg", "period": 90, "threshold": 1})

    problems = validate_request(request)
    assert any("'Avg' is not one of" in p for p in problems)
    assert "Period 90 must be 10, 20, 30 or a multiple of 60" in problems


def test_a_scaling_policy_with_two_returned_metrics_is_rejected():
    (request,) = requests_for("aws:appautoscaling/policy:Policy", {
        "name": "p", "serviceNamespace": "ecs", "resourceId": "service/c/s", "scalableDimension": "ecs:service:DesiredCount",
        "policyType": "TargetTrackingScaling",
        "targetTrackingScalingPolicyConfiguration": {"targetValue": 5, "customizedMetricSpecification": {"metrics": [
            {"id": "a", "expression": "1", "returnData": True}, {"id": "b", "expression": "2", "returnData": True}]}}})

    assert any("exactly one metric must return data" in p for p in validate_request(request))


def test_an_input_without_a_mapping_fails_loudly():
    with pytest.raises(UnmappedInputError, match="fifoTopic"):
        requests_for("aws:sns/topic:Topic", {"name": "t", "fifoTopic": True})


def test_an_unknown_resource_type_fails_loudly():
    with pytest.raises(UnmappedInputError):
        requests_for("aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration", {})
