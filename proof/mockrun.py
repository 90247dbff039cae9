"""Run the stack program under Pulumi's mock runtime and record what it would send to AWS.

    from proof.mockrun import run_stack
    run = run_stack("dev")                       # Pulumi.yaml defaults + Pulumi.dev.yaml
    run = run_stack("prod", {"certificateArn": "arn:aws:acm:..."})   # plus overrides
    run.outputs["queueUrl"]; run.of_type("aws:sqs/queue:Queue"); run.one("aws:ecs/cluster:Cluster")

:func:`run_stack` loads the config exactly as the Pulumi CLI would hand it to the program
(project defaults, then the stack file, then ``overrides``), installs mocks that record every
resource (type token, logical name, resolved inputs, parent, options) and answer with plausible
ids, ARNs and URLs (account :data:`ACCOUNT_ID`, the stack's region), runs the real program
(:func:`stacks.program.main`, the function ``__main__.py`` runs) and returns a :class:`StackRun`
with the recorded resources and the stack outputs resolved to plain values.

Used by tests/infra and by the local rehearsal tool. Nothing here talks to AWS.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from infra.settings import PROJECT, Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
ACCOUNT_ID = "123456789012"
#: Stands in for a stack file's encrypted (``secure:``) value, which only the CLI can decrypt.
MOCK_SECRET = "mock-secret"

__all__ = [
    "ACCOUNT_ID", "MockAws", "ProgramRun", "RecordedCall", "RecordedResource", "StackRun",
    "MOCK_SECRET", "engine_config", "load_stack_config", "resources_of", "run_program", "run_stack",
    "secret_config_keys",
]


# --- Config -------------------------------------------------------------------------------------

def _namespaced(key: str) -> str:
    return key if ":" in key else f"{PROJECT}:{key}"


def load_stack_config(
    stack: str, overrides: Mapping[str, Any] | None = None, root: Path | None = None,
) -> dict[str, Any]:
    """The stack's config as plain values keyed ``namespace:key``: ``Pulumi.yaml`` defaults, then
    ``Pulumi.<stack>.yaml``, then ``overrides`` (bare keys are this project's; ``None`` removes
    a key). Encrypted (``secure:``) values become :data:`MOCK_SECRET` (override them to test)."""
    root = root or REPO_ROOT
    project = yaml.safe_load((root / "Pulumi.yaml").read_text())
    values: dict[str, Any] = {}
    for key, decl in (project.get("config") or {}).items():
        if isinstance(decl, dict) and "default" in decl:
            values[_namespaced(key)] = decl["default"]
        elif isinstance(decl, dict) and "value" in decl:
            values[_namespaced(key)] = decl["value"]
        elif not isinstance(decl, dict):
            values[_namespaced(key)] = decl
    for key, value in _stack_file_config(root, stack).items():
        values[key] = MOCK_SECRET if _is_encrypted(value) else value
    for key, value in (overrides or {}).items():
        if value is None:
            values.pop(_namespaced(key), None)
        else:
            values[_namespaced(key)] = value
    return values


def _stack_file_config(root: Path, stack: str) -> dict[str, Any]:
    stack_file = root / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        return {}
    raw = (yaml.safe_load(stack_file.read_text()) or {}).get("config") or {}
    return {_namespaced(k): v for k, v in raw.items()}


def _is_encrypted(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


def secret_config_keys(stack: str, extra: Iterable[str] = (), root: Path | None = None) -> list[str]:
    """Keys the engine would flag secret: the stack file's encrypted values plus ``extra``."""
    keys = {k for k, v in _stack_file_config(root or REPO_ROOT, stack).items() if _is_encrypted(v)}
    return sorted(keys | {_namespaced(k) for k in extra})


def engine_config(values: Mapping[str, Any]) -> dict[str, str]:
    """Config values as the engine passes them to a program: strings, structured values as JSON."""
    out = {}
    for key, value in values.items():
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, (dict, list)):
            out[key] = json.dumps(value)
        else:
            out[key] = str(value)
    return out


# --- Records ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RecordedResource:
    """One resource the program registered, as the engine would have received it."""

    type: str
    """Type token, e.g. ``aws:sqs/queue:Queue`` or ``healthkit:queue:Queue``."""
    name: str
    """Logical name."""
    urn: str
    parent: str | None
    """URN of the parent (the root stack for top-level resources)."""
    custom: bool
    """True for provider resources; False for components (ours and awsx's)."""
    remote: bool
    """True for multi-language components (awsx)."""
    id: str | None
    inputs: dict
    """Resolved inputs, engine property names (camelCase), secrets unwrapped, whole floats as int."""
    outputs: dict
    """The mock's answer: inputs plus computed ids, ARNs, URLs."""
    secret_inputs: frozenset
    """Top-level input names that were secret."""
    protect: bool
    retain_on_delete: bool
    ignore_changes: tuple
    dependencies: tuple
    """URNs of explicit and implicit dependencies."""


@dataclass(frozen=True)
class RecordedCall:
    """One provider function call (invoke) and the mock's answer."""

    token: str
    args: dict
    result: dict


@dataclass
class StackRun:
    """What a mock run of the stack program produced."""

    stack: str
    region: str
    config: dict
    """The config values fed to the program (``namespace:key`` -> plain value)."""
    settings: Settings
    resources: list[RecordedResource]
    outputs: dict
    """Stack outputs, resolved to plain values."""
    calls: list[RecordedCall] = field(default_factory=list)
    output_registrations: list[str] = field(default_factory=list)
    """URNs of components that called ``register_outputs``, once per call (the root stack too)."""

    def of_type(self, type_token: str) -> list[RecordedResource]:
        """Resources of one type token, in registration order."""
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str, name: str | None = None) -> RecordedResource:
        """The single resource of a type (optionally with a logical name); fails otherwise."""
        found = [r for r in self.of_type(type_token) if name is None or r.name == name]
        if len(found) != 1:
            raise LookupError(f"expected one {type_token} {name or ''}, found {[r.name for r in found]}")
        return found[0]

    def named(self, name: str) -> RecordedResource:
        """The resource with a logical name (names are unique in this program)."""
        found = [r for r in self.resources if r.name == name]
        if len(found) != 1:
            raise LookupError(f"expected one resource named {name}, found {len(found)}")
        return found[0]

    def by_urn(self, urn: str) -> RecordedResource:
        return next(r for r in self.resources if r.urn == urn)

    def children_of(self, parent: RecordedResource | str) -> list[RecordedResource]:
        urn = parent if isinstance(parent, str) else parent.urn
        return [r for r in self.resources if r.parent == urn]

    def task_definition(self, service: str) -> RecordedResource:
        """The task definition of a service (``api`` or ``worker``: family ``<prefix>-<service>``)."""
        found = [t for t in self.of_type("aws:ecs/taskDefinition:TaskDefinition")
                 if str(t.inputs.get("family", "")).endswith(f"-{service}")]
        if len(found) != 1:
            raise LookupError(f"expected one task definition for {service}, found {len(found)}")
        return found[0]

    def container_definitions(self, service: str) -> list[dict]:
        """The decoded container definitions of a service's task definition."""
        return json.loads(self.task_definition(service).inputs["containerDefinitions"])

    def container(self, service: str, name: str) -> dict:
        """One container definition (e.g. ``("api", "migrate")``)."""
        return next(c for c in self.container_definitions(service) if c["name"] == name)

    def environment(self, service: str, name: str | None = None) -> dict[str, str]:
        """A container's plain environment as a dict (default container: the service's own)."""
        return {e["name"]: e["value"] for e in self.container(service, name or service)["environment"]}

    def type_counts(self, custom_only: bool = False) -> dict[str, int]:
        """How many resources of each type token."""
        counts: dict[str, int] = {}
        for r in self.resources:
            if custom_only and not r.custom:
                continue
            counts[r.type] = counts.get(r.type, 0) + 1
        return dict(sorted(counts.items()))


# --- Mocks --------------------------------------------------------------------------------------

def _short_hash(*parts: str, n: int = 8) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:n]


def _plain(value: Any) -> Any:
    """Unwrap secrets and turn whole floats (the wire has only doubles) back into ints."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return _plain(value.get("value"))
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
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
        a = _plain(dict(args.args))
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
        inputs = _plain(dict(args.inputs))
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


class _RecordingMonitor(pulumi_mocks.MockMonitor):
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
            inputs=_plain(dict(raw_inputs)),
            outputs=_plain(dict(registration.state)) if registration else {},
            secret_inputs=_secret_keys(raw_inputs),
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            ignore_changes=tuple(request.ignoreChanges),
            dependencies=tuple(request.dependencies),
        )
        with self._lock:
            self.records.append(record)
        return response


# --- Running ------------------------------------------------------------------------------------

def _region_of(values: Mapping[str, Any]) -> str:
    return str(values.get("aws:region") or "us-east-1")


@dataclass
class ProgramRun:
    """What a mock run of an arbitrary program function produced (see :func:`run_program`)."""

    resources: list[RecordedResource]
    result: Any
    """The program's return value with Outputs resolved to plain values."""
    calls: list[RecordedCall] = field(default_factory=list)
    output_registrations: list[str] = field(default_factory=list)

    of_type = StackRun.of_type
    one = StackRun.one
    named = StackRun.named
    children_of = StackRun.children_of
    type_counts = StackRun.type_counts


def ensure_event_loop() -> None:
    """Give this thread a current asyncio loop, which Pulumi's SDK needs to register resources.

    ``asyncio.run()`` (used by libraries such as aws-embedded-metrics) leaves the main thread
    with none, after which ``asyncio.get_event_loop()`` raises instead of creating one.
    """
    try:
        asyncio.get_event_loop()
    except RuntimeError:
        asyncio.set_event_loop(asyncio.new_event_loop())


def _run_under_mocks(program: Callable[[], Any], *, stack: str, region: str, values: Mapping[str, Any],
                     preview: bool, secret_keys: Iterable[str] = ()) -> tuple[Any, _RecordingMonitor, MockAws]:
    ensure_event_loop()
    mocks = MockAws(region)
    monitor = _RecordingMonitor(mocks)
    pulumi_settings.ROOT.set(None)  # a fresh root stack resource for this run
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=preview, monitor=monitor)
    pulumi.runtime.set_all_config(engine_config(values), list(secret_keys))
    result: dict[str, Any] = {}

    def body() -> None:
        returned = program()
        result["value"] = _sync_await(pulumi.Output.from_input(returned).future()) if returned is not None else None

    _forget_pending_work()
    _quiet_orphaned_failures()
    try:
        _sync_await(run_pulumi_func(body))
    except BaseException as error:
        _FAILED_RUN_ERRORS.add(str(_root_cause(error)))
        raise
    finally:
        _forget_pending_work()  # a failed run must not leak its pending outputs into the next one
        pulumi.runtime.set_all_config({}, [])
    return _plain(result.get("value")), monitor, mocks


#: Root-cause messages of failed runs: the futures such a run leaves behind fail with them.
_FAILED_RUN_ERRORS: set[str] = set()


def _root_cause(error: BaseException) -> BaseException:
    seen = {id(error)}
    while error.__cause__ is not None and id(error.__cause__) not in seen:  # Pulumi may chain an error to itself
        error = error.__cause__
        seen.add(id(error))
    return error


def _quiet_orphaned_failures() -> None:
    """Keep asyncio from logging "exception was never retrieved" for the outputs of a failed run
    (the run already raised that error); every other report goes to the previous handler."""
    from pulumi.runtime.sync_await import _ensure_event_loop

    loop = _ensure_event_loop()
    if getattr(loop, "_mockrun_quiet", False):
        return
    previous = loop.get_exception_handler()

    def handler(loop, context):
        error = context.get("exception")
        if ("never retrieved" in context.get("message", "") and error is not None
                and any(message in str(error) for message in _FAILED_RUN_ERRORS)):
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
    loop._mockrun_quiet = True


def _forget_pending_work() -> None:
    """Drop outstanding RPCs and output tasks of an earlier run (as ``pulumi.runtime.test`` does)."""
    pulumi_settings.SETTINGS.rpc_manager.clear()
    with pulumi_settings.SETTINGS.lock:
        pulumi_settings.SETTINGS.outputs.clear()


def run_program(
    program: Callable[[], Any], *, stack: str = "test", region: str = "us-east-1",
    config: Mapping[str, Any] | None = None, preview: bool = False,
) -> ProgramRun:
    """Run any program function (e.g. one component) under the recording mocks.

    ``config`` holds plain values keyed ``namespace:key`` (bare keys are this project's).
    """
    values = {_namespaced(k): v for k, v in (config or {}).items()}
    values.setdefault("aws:region", region)
    value, monitor, mocks = _run_under_mocks(program, stack=stack, region=region, values=values, preview=preview)
    return ProgramRun(resources=list(monitor.records), result=value, calls=list(mocks.calls),
                      output_registrations=list(monitor.output_registrations))


def run_stack(
    stack: str, overrides: Mapping[str, Any] | None = None, *, secret_keys: Iterable[str] = (),
    preview: bool = False,
) -> StackRun:
    """Run the stack program for ``stack`` under mocks and return what it registered.

    ``overrides`` (bare keys are this project's settings, e.g. ``{"taskTimeLimitSeconds": 600}``;
    ``"aws:region"`` works too; ``None`` removes a key) go on top of the stack file.
    ``secret_keys`` are flagged secret like ``pulumi config set --secret`` values (the stack
    file's encrypted values always are). Raises :class:`infra.settings.SettingsError` for invalid
    config, like ``pulumi preview`` would.
    """
    from stacks import program as stack_program
    from stacks.config import read_settings

    values = load_stack_config(stack, overrides)
    region = _region_of(values)
    settings: dict[str, Settings] = {}

    def program() -> Any:
        outputs = stack_program.main()  # what __main__.py runs: read config, validate, deploy, export
        settings["value"] = read_settings()
        return outputs

    outputs, monitor, mocks = _run_under_mocks(
        program, stack=stack, region=region, values=values, preview=preview,
        secret_keys=secret_config_keys(stack, secret_keys))
    return StackRun(
        stack=stack,
        region=region,
        config=dict(values),
        settings=settings["value"],
        resources=list(monitor.records),
        outputs=outputs,
        calls=list(mocks.calls),
        output_registrations=list(monitor.output_registrations),
    )


def resources_of(runs: Iterable[StackRun], type_token: str) -> list[tuple[str, RecordedResource]]:
    """``(stack, resource)`` pairs of one type across several runs."""
    return [(run.stack, r) for run in runs for r in run.of_type(type_token)]
