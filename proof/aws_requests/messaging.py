"""SQS queues and their policies, SNS topics and subscriptions."""

from __future__ import annotations

from proof.aws_requests.inputs import ApiRequest, Inputs, bool_str, compact, tags_kv


_SQS_ATTRIBUTES = {
    "visibilityTimeoutSeconds": "VisibilityTimeout",
    "receiveWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
    "messageRetentionSeconds": "MessageRetentionPeriod",
    "delaySeconds": "DelaySeconds",
    "maxMessageSize": "MaximumMessageSize",
    "redrivePolicy": "RedrivePolicy",
    "redriveAllowPolicy": "RedriveAllowPolicy",
    "policy": "Policy",
    "sqsManagedSseEnabled": "SqsManagedSseEnabled",
    "kmsMasterKeyId": "KmsMasterKeyId",
    "kmsDataKeyReusePeriodSeconds": "KmsDataKeyReusePeriodSeconds",
    "fifoQueue": "FifoQueue",
    "contentBasedDeduplication": "ContentBasedDeduplication",
    "deduplicationScope": "DeduplicationScope",
    "fifoThroughputLimit": "FifoThroughputLimit",
}


def sqs_attributes(inputs: Inputs) -> dict[str, str]:
    """Queue inputs -> SQS attribute map (all values strings, as the API wants them)."""
    attributes = {}
    for key, attribute in _SQS_ATTRIBUTES.items():
        if inputs.has(key):
            value = inputs.take(key)
            attributes[attribute] = bool_str(value) if isinstance(value, bool) else str(value)
    return attributes


def _sqs_queue(name: str, i: Inputs) -> list[ApiRequest]:
    queue_name = i.take("name") or name
    i.take("namePrefix")
    attributes = sqs_attributes(i)
    tags = i.take("tags")
    i.done()
    return [ApiRequest("sqs", "CreateQueue", compact(
        {"QueueName": queue_name, "Attributes": attributes, "tags": tags}))]


def _sqs_queue_policy(name: str, i: Inputs) -> list[ApiRequest]:
    url, policy = i.take("queueUrl"), i.take("policy")
    i.done()
    return [ApiRequest("sqs", "SetQueueAttributes", {"QueueUrl": url, "Attributes": {"Policy": policy}})]


def _sqs_redrive_allow(name: str, i: Inputs) -> list[ApiRequest]:
    url, policy = i.take("queueUrl"), i.take("redriveAllowPolicy")
    i.done()
    return [ApiRequest("sqs", "SetQueueAttributes", {"QueueUrl": url, "Attributes": {"RedriveAllowPolicy": policy}})]


def _sns_topic(name: str, i: Inputs) -> list[ApiRequest]:
    attributes = {}
    if i.has("kmsMasterKeyId"):
        attributes["KmsMasterKeyId"] = i.take("kmsMasterKeyId")
    if i.has("displayName"):
        attributes["DisplayName"] = i.take("displayName")
    params = compact({"Name": i.take("name") or name, "Attributes": attributes, "Tags": tags_kv(i.take("tags"))})
    i.done()
    return [ApiRequest("sns", "CreateTopic", params)]


def _sns_subscription(name: str, i: Inputs) -> list[ApiRequest]:
    params = {"TopicArn": i.take("topic"), "Protocol": i.take("protocol"), "Endpoint": i.take("endpoint")}
    i.done(provider_only=("confirmationTimeoutInMinutes", "endpointAutoConfirms"))
    return [ApiRequest("sns", "Subscribe", params)]


MAPPERS = {
    "aws:sqs/queue:Queue": _sqs_queue,
    "aws:sqs/queuePolicy:QueuePolicy": _sqs_queue_policy,
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": _sqs_redrive_allow,
    "aws:sns/topic:Topic": _sns_topic,
    "aws:sns/topicSubscription:TopicSubscription": _sns_subscription,
}
