"""The mocks: answers to resource registrations and invokes with plausible AWS values, and the
SDK's mock monitor recording each registration as a :class:`~proof.mockrun.records.RecordedResource`."""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc

from proof.mockrun.records import RecordedCall, RecordedResource

ACCOUNT_ID = "123456789012"


def _short_hash(*parts: str, n: int = 8) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:n]


def plain(value: Any) -> Any:
    """Unwrap secrets and turn whole floats (the wire has only doubles) back into ints."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return plain(value.get("value"))
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _secret_keys(inputs: dict) -> frozenset:
    return frozenset(
        k for k, v in inputs.items()
        if isinstance(v, dict) and v.get(rpc._special_sig_key) == rpc._special_secret_sig
    )


class MockAws(pulumi_mocks.Mocks):
    """Answers resource registrations and invokes with plausible AWS values.

    Each resource gets its inputs back plus what AWS would compute: ids, ARNs (account
    :data:`ACCOUNT_ID`, this region), URLs and DNS names derived from the name, so values that
    flow between resources (queue ARN into a policy, role ARN into a task definition) look real.
    """

    def __init__(self, region: str, account: str = ACCOUNT_ID):
        self.region = region
        self.account = account
        self.calls: list[RecordedCall] = []
        self._lock = threading.Lock()

    # Invokes ------------------------------------------------------------------------------------
    def call(self, args: pulumi_mocks.MockCallArgs):
        a = plain(dict(args.args))
        token = args.token
        if token == "aws:ecr/getImage:getImage":
            digest = "sha256:" + hashlib.sha256(
                f"{a.get('repositoryName')}:{a.get('imageTag')}".encode()).hexdigest()
            result = {**a, "imageDigest": digest, "id": digest,
                      "imageUri": f"{a.get('registryId', self.account)}.dkr.ecr.{self.region}.amazonaws.com/"
                                  f"{a.get('repositoryName')}@{digest}"}
        elif token == "aws:index/getCallerIdentity:getCallerIdentity":
            result = {"accountId": self.account, "arn": f"arn:aws:iam::{self.account}:user/mock",
                      "userId": "AIDAMOCK", "id": self.account}
        elif token == "aws:index/getRegion:getRegion":
            result = {"name": self.region, "region": self.region, "id": self.region}
        elif token == "aws:index/getPartition:getPartition":
            result = {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
        elif token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            names = [f"{self.region}{c}" for c in "abc"]
            result = {"names": names, "zoneIds": [f"use1-az{i}" for i in (1, 2, 3)], "id": self.region}
        else:
            result = {}
        with self._lock:
            self.calls.append(RecordedCall(token, a, result))
        return result

    # Resources ----------------------------------------------------------------------------------
    def new_resource(self, args: pulumi_mocks.MockResourceArgs):
        inputs = plain(dict(args.inputs))
        handler = getattr(self, "_" + _handler_name(args.typ), None)
        if args.typ.startswith(("healthkit:", "pulumi:")) or (not args.custom and handler is None):
            return f"{args.name}-component", {}
        if handler is not None:
            resource_id, extra = handler(args.name, inputs)
        else:
            resource_id, extra = self._default(args.typ, args.name, inputs)
        state = {**inputs, **extra} if args.custom else extra
        return resource_id, state

    def arn(self, service: str, resource: str, region: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if region else ''}:{self.account}:{resource}"

    def _name(self, logical: str, inputs: dict, key: str = "name", max_len: int = 64) -> str:
        if inputs.get(key):
            return inputs[key]
        prefix = inputs.get("namePrefix")
        if prefix:
            return prefix + _short_hash(logical, n=8)
        return (logical[: max_len - 8] + "-" + _short_hash(logical, n=7))

    def _default(self, typ: str, logical: str, inputs: dict):
        service = typ.split(":")[1].split("/")[0]
        name = self._name(logical, inputs)
        return f"{name}-id", {"arn": self.arn(service, name), "name": name}

    # awsx (remote components: only the outputs the program reads)
    def _awsx_ec2_Vpc(self, logical, inputs):
        azs = int(inputs.get("numberOfAvailabilityZones") or 2)
        return f"{logical}-component", {
            "vpcId": f"vpc-{_short_hash(logical, n=17)}",
            "publicSubnetIds": [f"subnet-{_short_hash(logical, 'public', str(i), n=17)}" for i in range(azs)],
            "privateSubnetIds": [f"subnet-{_short_hash(logical, 'private', str(i), n=17)}" for i in range(azs)],
            "isolatedSubnetIds": [],
        }

    def _awsx_ecr_Image(self, logical, inputs):
        digest = hashlib.sha256(f"{inputs.get('imageTag')}|{inputs.get('context')}".encode()).hexdigest()
        return f"{logical}-component", {"imageUri": f"{inputs['repositoryUrl']}@sha256:{digest}"}

    # aws
    def _aws_ecr_Repository(self, logical, inputs):
        name = self._name(logical, inputs)
        return name, {
            "arn": self.arn("ecr", f"repository/{name}"), "name": name, "registryId": self.account,
            "repositoryUrl": f"{self.account}.dkr.ecr.{self.region}.amazonaws.com/{name}",
        }

    def _aws_ecr_LifecyclePolicy(self, logical, inputs):
        return inputs.get("repository", logical), {"registryId": self.account}

    def _aws_sqs_Queue(self, logical, inputs):
        name = self._name(logical, inputs, max_len=80)
        url = f"https://sqs.{self.region}.amazonaws.com/{self.account}/{name}"
        return url, {"arn": self.arn("sqs", name), "name": name, "url": url}

    def _aws_sqs_QueuePolicy(self, logical, inputs):
        return inputs.get("queueUrl", logical), {}

    def _aws_sqs_RedriveAllowPolicy(self, logical, inputs):
        return inputs.get("queueUrl", logical), {}

    def _aws_iam_Role(self, logical, inputs):
        name = self._name(logical, inputs)
        return name, {"arn": f"arn:aws:iam::{self.account}:role/{name}", "name": name,
                      "uniqueId": "AROA" + _short_hash(name, n=17).upper()}

    def _aws_iam_Policy(self, logical, inputs):
        name = self._name(logical, inputs, max_len=128)
        arn = f"arn:aws:iam::{self.account}:policy{inputs.get('path', '/')}{name}"
        return arn, {"arn": arn, "name": name, "policyId": "ANPA" + _short_hash(name, n=17).upper()}

    def _aws_iam_OpenIdConnectProvider(self, logical, inputs):
        arn = f"arn:aws:iam::{self.account}:oidc-provider/{str(inputs.get('url', '')).removeprefix('https://')}"
        return arn, {"arn": arn}

    def _aws_kms_Key(self, logical, inputs):
        key_id = "-".join(_short_hash(logical, str(i), n=n) for i, n in enumerate((8, 4, 4, 4, 12)))
        return key_id, {"arn": self.arn("kms", f"key/{key_id}"), "keyId": key_id}

    def _aws_s3_Bucket(self, logical, inputs):
        prefix = inputs.get("bucketPrefix")
        bucket = inputs.get("bucket") or (prefix + _short_hash(logical, n=26) if prefix else
                                          self._name(logical, inputs, key="bucket", max_len=63))
        return bucket, {"arn": f"arn:aws:s3:::{bucket}", "bucket": bucket}

    def _aws_iam_RolePolicy(self, logical, inputs):
        name = self._name(logical, inputs, max_len=128)
        return f"{inputs.get('role')}:{name}", {"name": name}

    def _aws_ecs_Cluster(self, logical, inputs):
        name = self._name(logical, inputs, max_len=255)
        arn = self.arn("ecs", f"cluster/{name}")
        return arn, {"arn": arn, "name": name}

    def _aws_ecs_ClusterCapacityProviders(self, logical, inputs):
        return inputs.get("clusterName", logical), {}

    def _aws_ecs_TaskDefinition(self, logical, inputs):
        family = inputs.get("family", logical)
        return family, {"arn": self.arn("ecs", f"task-definition/{family}:1"),
                        "arnWithoutRevision": self.arn("ecs", f"task-definition/{family}"), "revision": 1}

    def _aws_ecs_Service(self, logical, inputs):
        name = self._name(logical, inputs, max_len=255)
        cluster = str(inputs.get("cluster", "")).rsplit("/", 1)[-1] or "default"
        arn = self.arn("ecs", f"service/{cluster}/{name}")
        return arn, {"arn": arn, "name": name}

    def _aws_lb_LoadBalancer(self, logical, inputs):
        name = self._name(logical, inputs, max_len=32)
        lb_id = _short_hash(name, n=16)
        suffix = f"app/{name}/{lb_id}"
        return self.arn("elasticloadbalancing", f"loadbalancer/{suffix}"), {
            "arn": self.arn("elasticloadbalancing", f"loadbalancer/{suffix}"), "arnSuffix": suffix,
            "name": name, "dnsName": f"{name}-{int(lb_id[:8], 16) % 10**10}.{self.region}.elb.amazonaws.com",
            "zoneId": "Z35SXDOTRQ7X7K",
        }

    def _aws_lb_TargetGroup(self, logical, inputs):
        name = self._name(logical, inputs, max_len=32)
        suffix = f"targetgroup/{name}/{_short_hash(name, n=16)}"
        arn = self.arn("elasticloadbalancing", suffix)
        return arn, {"arn": arn, "arnSuffix": suffix, "name": name}

    def _aws_lb_Listener(self, logical, inputs):
        lb = str(inputs.get("loadBalancerArn", ""))
        arn = lb.replace(":loadbalancer/", ":listener/") + "/" + _short_hash(logical, n=16)
        return arn, {"arn": arn}

    def _aws_lb_ListenerRule(self, logical, inputs):
        listener = str(inputs.get("listenerArn", ""))
        arn = listener.replace(":listener/", ":listener-rule/") + "/" + _short_hash(logical, n=16)
        return arn, {"arn": arn}

    def _aws_ec2_SecurityGroup(self, logical, inputs):
        sg = f"sg-{_short_hash(logical, n=17)}"
        return sg, {"arn": self.arn("ec2", f"security-group/{sg}"), "name": self._name(logical, inputs),
                    "ownerId": self.account}

    def _aws_vpc_SecurityGroupIngressRule(self, logical, inputs):
        rule = f"sgr-{_short_hash(logical, n=17)}"
        return rule, {"arn": self.arn("ec2", f"security-group-rule/{rule}"), "securityGroupRuleId": rule}

    _aws_vpc_SecurityGroupEgressRule = _aws_vpc_SecurityGroupIngressRule

    def _aws_cloudwatch_LogGroup(self, logical, inputs):
        name = self._name(logical, inputs, max_len=512)
        return name, {"arn": self.arn("logs", f"log-group:{name}"), "name": name}

    def _aws_cloudwatch_MetricAlarm(self, logical, inputs):
        name = self._name(logical, inputs, max_len=255)
        return name, {"arn": self.arn("cloudwatch", f"alarm:{name}"), "name": name}

    def _aws_cloudwatch_Dashboard(self, logical, inputs):
        name = inputs.get("dashboardName", logical)
        return name, {"dashboardArn": f"arn:aws:cloudwatch::{self.account}:dashboard/{name}"}

    def _aws_sns_Topic(self, logical, inputs):
        name = self._name(logical, inputs, max_len=256)
        arn = self.arn("sns", name)
        return arn, {"arn": arn, "name": name}

    def _aws_sns_TopicSubscription(self, logical, inputs):
        arn = f"{inputs.get('topic')}:{_short_hash(logical, n=8)}-0000-0000-0000-000000000000"
        return arn, {"arn": arn}

    def _aws_secretsmanager_Secret(self, logical, inputs):
        name = self._name(logical, inputs, max_len=512)
        arn = self.arn("secretsmanager", f"secret:{name}-{_short_hash(name, n=6)}")
        return arn, {"arn": arn, "name": name}

    def _aws_secretsmanager_SecretVersion(self, logical, inputs):
        version = _short_hash(logical, n=32)
        return f"{inputs.get('secretId')}|{version}", {"versionId": version, "arn": inputs.get("secretId")}

    def _aws_rds_Instance(self, logical, inputs):
        ident = inputs.get("identifier") or self._name(logical, inputs, max_len=63)
        address = f"{ident}.c{_short_hash(ident, n=11)}.{self.region}.rds.amazonaws.com"
        port = inputs.get("port", 5432)
        secret = self.arn("secretsmanager", f"secret:rds!db-{_short_hash(ident, n=8)}-0000-0000-0000-"
                                            f"{_short_hash(ident, 'x', n=12)}-{_short_hash(ident, 'y', n=6)}")
        return ident, {
            "arn": self.arn("rds", f"db:{ident}"), "identifier": ident, "address": address,
            "endpoint": f"{address}:{port}", "port": port, "resourceId": "db-" + _short_hash(ident, n=26).upper(),
            "masterUserSecrets": [{"secretArn": secret, "secretStatus": "active",
                                   "kmsKeyId": self.arn("kms", "key/mock")}],
        }

    def _aws_rds_SubnetGroup(self, logical, inputs):
        name = self._name(logical, inputs, max_len=255)
        return name, {"arn": self.arn("rds", f"subgrp:{name}"), "name": name}

    def _aws_rds_ParameterGroup(self, logical, inputs):
        name = self._name(logical, inputs, max_len=255)
        return name, {"arn": self.arn("rds", f"pg:{name}"), "name": name}

    def _aws_appautoscaling_Target(self, logical, inputs):
        rid = inputs.get("resourceId", logical)
        return rid, {"arn": self.arn("application-autoscaling", f"scalable-target/{_short_hash(rid, n=20)}")}

    def _aws_appautoscaling_Policy(self, logical, inputs):
        name = self._name(logical, inputs, max_len=255)
        arn = self.arn("autoscaling", f"scalingPolicy:{_short_hash(name, n=8)}:resource/{inputs.get('resourceId')}:"
                                      f"policyName/{name}")
        return name, {"arn": arn, "name": name, "alarmArns": []}

    def _random_index_RandomPassword(self, logical, inputs):
        length = int(inputs.get("length", 32))
        seed = hashlib.sha256(logical.encode()).hexdigest()
        value = (seed * (length // len(seed) + 1))[:length]
        return "none", {"result": value, "bcryptHash": "$2a$10$mock"}


def _handler_name(type_token: str) -> str:
    """``aws:sqs/queue:Queue`` -> ``aws_sqs_Queue``; ``awsx:ec2:Vpc`` -> ``awsx_ec2_Vpc``."""
    package, module, kind = type_token.split(":")
    return f"{package}_{module.split('/')[0]}_{kind}"


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, also recording each registration's parent and options."""

    def __init__(self, mocks: MockAws):
        super().__init__(mocks)
        self.records: list[RecordedResource] = []
        self.output_registrations: list[str] = []
        self._lock = threading.Lock()

    def RegisterResourceOutputs(self, request):
        with self._lock:
            self.output_registrations.append(request.urn)
        return super().RegisterResourceOutputs(request)

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        raw_inputs = rpc.deserialize_properties(request.object)
        registration = self.resources.get(response.urn)
        record = RecordedResource(
            type=request.type,
            name=request.name,
            urn=response.urn,
            parent=request.parent or None,
            custom=bool(request.custom),
            remote=bool(request.remote),
            id=registration.id if registration else None,
            inputs=plain(dict(raw_inputs)),
            outputs=plain(dict(registration.state)) if registration else {},
            secret_inputs=_secret_keys(raw_inputs),
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            ignore_changes=tuple(request.ignoreChanges),
            dependencies=tuple(request.dependencies),
            custom_timeouts={k: v for k, v in (("create", request.customTimeouts.create),
                                               ("update", request.customTimeouts.update),
                                               ("delete", request.customTimeouts.delete)) if v},
        )
        with self._lock:
            self.records.append(record)
        return response
