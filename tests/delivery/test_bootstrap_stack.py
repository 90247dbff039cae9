"""The bootstrap program under Pulumi's mock runtime: what it would send to AWS.

Each test builds the program with `bootstrap(settings)` and checks the resources' inputs once
resolved (`@pulumi.runtime.test` awaits the returned Output; without it nothing is asserted).
"""

from __future__ import annotations

import fnmatch
import json
import runpy
from pathlib import Path

import pulumi
import pytest

from healthkit_bootstrap import policies as P
from healthkit_bootstrap.resources import StateBackend, bootstrap
from healthkit_bootstrap.settings import BootstrapSettings, SettingsError, settings_from_config

ACCOUNT = "123456789012"
REGION = "eu-west-1"
REPOSITORY = "acme/healthkit-fargate"
OIDC = P.GITHUB_OIDC_HOST

# pulumi_aws warns about its own deprecated S3 *V2 classes when its s3 module loads; we use the new ones.
pytestmark = pytest.mark.filterwarnings("ignore:.*has been deprecated in favor of:DeprecationWarning")


class Mocks(pulumi.runtime.Mocks):
    """Returns inputs as outputs, plus the ARNs AWS would assign; records every resource."""

    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.resources.append(args)
        state = dict(args.inputs)
        name = state.get("name") or args.name
        arns = {
            "aws:iam/openIdConnectProvider:OpenIdConnectProvider": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{OIDC}",
            "aws:iam/role:Role": f"arn:aws:iam::{ACCOUNT}:role/{name}",
            "aws:iam/policy:Policy": f"arn:aws:iam::{ACCOUNT}:policy/{name}",
            "aws:s3/bucket:Bucket": f"arn:aws:s3:::{state.get('bucket')}",
            "aws:kms/key:Key": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        }
        if args.typ in arns:
            state["arn"] = arns[args.typ]
        if args.typ == "aws:kms/key:Key":
            state["keyId"] = "1234abcd-12ab-34cd-56ef-1234567890ab"
        return [f"{args.name}-id", state]

    def call(self, args: pulumi.runtime.MockCallArgs):
        results = {
            "aws:index/getCallerIdentity:getCallerIdentity": {
                "accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/admin", "id": ACCOUNT, "userId": "AIDAEXAMPLE"},
            "aws:index/getPartition:getPartition": {
                "partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws", "reverseDnsPrefix": "com.amazonaws"},
            "aws:index/getRegion:getRegion": {
                "region": REGION, "name": REGION, "id": REGION, "endpoint": f"ec2.{REGION}.amazonaws.com",
                "description": "Europe (Ireland)"},
        }
        return results[args.token]


@pytest.fixture
def mocks() -> Mocks:
    mocks = Mocks()
    pulumi.runtime.set_mocks(mocks, project="healthkit-bootstrap", stack="account", preview=False)
    return mocks


def build(**overrides) -> tuple[dict[str, pulumi.Output], pulumi.Output]:
    """The program's outputs, and an Output resolved once every resource it created is registered."""
    created: list[pulumi.Resource] = []

    def collect(args: pulumi.ResourceTransformationArgs):
        created.append(args.resource)
        return None

    outputs = bootstrap(settings(**overrides), opts=pulumi.ResourceOptions(transformations=[collect]))
    return outputs, pulumi.Output.all(*[r.urn for r in created], *outputs.values())


def settings(**overrides) -> BootstrapSettings:
    return BootstrapSettings(github_repository=REPOSITORY, **overrides)


def of_type(mocks: Mocks, typ: str) -> list[pulumi.runtime.MockResourceArgs]:
    return [r for r in mocks.resources if r.typ == typ]


def by_name(mocks: Mocks, typ: str, name: str) -> pulumi.runtime.MockResourceArgs:
    (found,) = [r for r in of_type(mocks, typ) if r.inputs.get("name") == name]
    return found


def sub_condition(trust_json: str) -> dict:
    (stmt,) = json.loads(trust_json)["Statement"]
    return stmt["Condition"]


@pulumi.runtime.test
def test_the_oidc_provider_trusts_github_for_sts(mocks):
    outputs, registered = build()

    def check(provider_arn):
        (provider,) = of_type(mocks, "aws:iam/openIdConnectProvider:OpenIdConnectProvider")
        assert provider.inputs["url"] == "https://token.actions.githubusercontent.com"
        assert provider.inputs["clientIdLists"] == ["sts.amazonaws.com"]
        assert provider_arn == f"arn:aws:iam::{ACCOUNT}:oidc-provider/{OIDC}"

    return registered.apply(lambda _: outputs["oidcProviderArn"].apply(check))


@pulumi.runtime.test
def test_the_preview_role_is_assumable_only_from_this_repositorys_pull_requests(mocks):
    outputs, registered = build()

    def check(_):
        role = by_name(mocks, "aws:iam/role:Role", "ci-healthkit-preview")
        (stmt,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert stmt["Principal"] == {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{OIDC}"}
        assert stmt["Condition"] == {"StringEquals": {
            f"{OIDC}:aud": "sts.amazonaws.com",
            f"{OIDC}:sub": [f"repo:{REPOSITORY}:pull_request"],
        }}
        attachments = [a.inputs["policyArn"] for a in of_type(mocks, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                       if a.inputs["role"] == "ci-healthkit-preview"]
        assert attachments == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]

    return registered.apply(check)


@pulumi.runtime.test
def test_the_deploy_role_is_assumable_only_from_main_and_the_prod_environment(mocks):
    outputs, registered = build()

    def check(_):
        role = by_name(mocks, "aws:iam/role:Role", "ci-healthkit-deploy")
        condition = sub_condition(role.inputs["assumeRolePolicy"])
        assert list(condition) == ["StringEquals"], "exact match only (no StringLike)"
        subjects = condition["StringEquals"][f"{OIDC}:sub"]
        assert subjects == [f"repo:{REPOSITORY}:ref:refs/heads/main", f"repo:{REPOSITORY}:environment:prod"]
        assert condition["StringEquals"][f"{OIDC}:aud"] == "sts.amazonaws.com"
        for subject in subjects:
            assert "*" not in subject and "?" not in subject
        for outsider in (f"repo:{REPOSITORY}:ref:refs/heads/feature", f"repo:{REPOSITORY}:pull_request",
                         "repo:evil/healthkit-fargate:ref:refs/heads/main", f"repo:{REPOSITORY}:environment:dev"):
            assert outsider not in subjects

    return registered.apply(check)


@pulumi.runtime.test
def test_the_deploy_role_cannot_pass_roles_outside_the_project(mocks):
    outputs, registered = build()

    def check(_):
        attached = {a.inputs["policyArn"] for a in of_type(mocks, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                    if a.inputs["role"] == "ci-healthkit-deploy"}
        documents = [json.loads(p.inputs["policy"]) for p in of_type(mocks, "aws:iam/policy:Policy")
                     if f"arn:aws:iam::{ACCOUNT}:policy/{p.inputs['name']}" in attached]
        assert len(documents) == len(attached) == 7  # IAM attaches at most 10 managed policies to a role by default
        inline = [r for r in of_type(mocks, "aws:iam/rolePolicy:RolePolicy") if r.inputs["role"] == "ci-healthkit-deploy"]
        assert not inline
        passes = [s for d in documents for s in d["Statement"] if s["Effect"] == "Allow"
                  and any(fnmatch.fnmatchcase("iam:passrole", a.lower()) for a in s["Action"])]
        assert passes
        for stmt in passes:
            assert stmt["Resource"] == [f"arn:aws:iam::{ACCOUNT}:role/healthkit-*"]
            assert stmt["Condition"] == {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}
            for role in ("admin", "ci-healthkit-deploy", "ci-healthkit-preview", "healthkitx"):
                assert not any(fnmatch.fnmatchcase(f"arn:aws:iam::{ACCOUNT}:role/{role}", r) for r in stmt["Resource"])

    return registered.apply(check)


@pulumi.runtime.test
def test_created_roles_must_carry_the_boundary_the_bootstrap_creates(mocks):
    outputs, registered = build()

    def check(boundary_arn):
        assert boundary_arn == f"arn:aws:iam::{ACCOUNT}:policy/ci-healthkit-workload-boundary"
        iam = json.loads(by_name(mocks, "aws:iam/policy:Policy", "ci-healthkit-deploy-iam").inputs["policy"])
        (stmt,) = [s for s in iam["Statement"] if s["Sid"] == "RolesWithBoundary"]
        assert stmt["Condition"] == {"ArnEquals": {"iam:PermissionsBoundary": boundary_arn}}

    return registered.apply(lambda _: outputs["workloadBoundaryArn"].apply(check))


@pulumi.runtime.test
def test_the_boundary_requirement_can_be_lifted_until_the_program_sets_it(mocks):
    outputs, registered = build(require_workload_boundary=False)

    def check(_):
        iam = json.loads(by_name(mocks, "aws:iam/policy:Policy", "ci-healthkit-deploy-iam").inputs["policy"])
        sids = {s["Sid"] for s in iam["Statement"]}
        assert "RolesWithoutBoundary" in sids and "RolesWithBoundary" not in sids

    return registered.apply(check)


@pulumi.runtime.test
def test_the_state_backend_is_versioned_encrypted_private_and_tls_only(mocks):
    outputs, registered = build()

    def check(values):
        url, provider = values
        (bucket,) = of_type(mocks, "aws:s3/bucket:Bucket")
        name = f"ci-healthkit-state-{ACCOUNT}-{REGION}"
        assert bucket.inputs["bucket"] == name
        assert url == f"s3://{name}?region={REGION}&awssdk=v2"
        assert provider == f"awskms://alias/ci-healthkit-pulumi-state?region={REGION}"
        (versioning,) = of_type(mocks, "aws:s3/bucketVersioning:BucketVersioning")
        assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
        (encryption,) = of_type(mocks, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
        default = encryption.inputs["rules"][0]["applyServerSideEncryptionByDefault"]
        assert default == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"}
        (block,) = of_type(mocks, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
        assert all(block.inputs[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
        (ownership,) = of_type(mocks, "aws:s3/bucketOwnershipControls:BucketOwnershipControls")
        assert ownership.inputs["rule"]["objectOwnership"] == "BucketOwnerEnforced"
        (policy,) = of_type(mocks, "aws:s3/bucketPolicy:BucketPolicy")
        (deny,) = json.loads(policy.inputs["policy"])["Statement"]
        assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        (key,) = of_type(mocks, "aws:kms/key:Key")
        assert key.inputs["enableKeyRotation"] is True
        assert "project" not in key.inputs["tags"], "the deploy role manages keys tagged project=<prefix>"

    return registered.apply(lambda _: pulumi.Output.all(outputs["stateBackendUrl"], outputs["secretsProvider"]).apply(check))


@pulumi.runtime.test
def test_the_state_bucket_and_key_are_protected_from_deletion(mocks):
    protected: dict[str, bool] = {}

    def capture(args: pulumi.ResourceTransformationArgs):
        protected[args.type_] = bool(args.opts.protect)
        return None

    backend = StateBackend("state", prefix="healthkit", account_id=ACCOUNT, region=REGION,
                           opts=pulumi.ResourceOptions(transformations=[capture]))

    def check(_):
        assert protected["aws:s3/bucket:Bucket"] and protected["aws:kms/key:Key"]

    return backend.backend_url.apply(check)


@pulumi.runtime.test
def test_without_a_state_backend_nothing_s3_is_created_and_roles_remain(mocks):
    outputs, registered = build(create_state_backend=False)

    def check(variables):
        assert not of_type(mocks, "aws:s3/bucket:Bucket") and not of_type(mocks, "aws:kms/key:Key")
        assert "stateBackendUrl" not in outputs
        assert set(variables) == {"AWS_PREVIEW_ROLE_ARN", "AWS_DEPLOY_ROLE_ARN", "AWS_REGION"}
        names = {p.inputs["name"] for p in of_type(mocks, "aws:iam/policy:Policy")}
        assert "ci-healthkit-deploy-state" not in names

    return registered.apply(lambda _: outputs["githubVariables"].apply(check))


@pulumi.runtime.test
def test_an_existing_oidc_provider_is_reused(mocks):
    existing = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{OIDC}"
    outputs, registered = build(existing_oidc_provider_arn=existing)

    def check(_):
        assert not of_type(mocks, "aws:iam/openIdConnectProvider:OpenIdConnectProvider")
        role = by_name(mocks, "aws:iam/role:Role", "ci-healthkit-deploy")
        (stmt,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert stmt["Principal"] == {"Federated": existing}

    return registered.apply(check)


@pulumi.runtime.test
def test_the_github_variables_output_lists_what_ci_needs(mocks):
    outputs, registered = build()

    def check(variables):
        assert variables == {
            "AWS_PREVIEW_ROLE_ARN": f"arn:aws:iam::{ACCOUNT}:role/ci-healthkit-preview",
            "AWS_DEPLOY_ROLE_ARN": f"arn:aws:iam::{ACCOUNT}:role/ci-healthkit-deploy",
            "AWS_REGION": REGION,
            "PULUMI_BACKEND_URL": f"s3://ci-healthkit-state-{ACCOUNT}-{REGION}?region={REGION}&awssdk=v2",
        }

    return registered.apply(lambda _: outputs["githubVariables"].apply(check))


# --- the entry point, as `pulumi up` runs it ------------------------------------------------------

MAIN = Path(__file__).resolve().parents[2] / "bootstrap" / "__main__.py"


@pulumi.runtime.test
def test_the_program_reads_its_config_and_builds_everything(mocks):
    created: list[pulumi.Resource] = []

    def collect(args: pulumi.ResourceTransformationArgs):
        created.append(args.resource)
        return None

    pulumi.runtime.register_stack_transformation(collect)
    pulumi.runtime.set_all_config({"healthkit-bootstrap:githubRepository": REPOSITORY, "aws:region": REGION,
                                   "healthkit-bootstrap:createStateBackend": "false"})
    try:
        runpy.run_path(str(MAIN), run_name="__main__")
    finally:
        pulumi.runtime.set_all_config({})

    def check(_):
        types = {r.typ for r in mocks.resources}
        assert "aws:iam/openIdConnectProvider:OpenIdConnectProvider" in types
        assert "aws:s3/bucket:Bucket" not in types, "createStateBackend=false read from config"
        role = by_name(mocks, "aws:iam/role:Role", "ci-healthkit-deploy")
        assert f"repo:{REPOSITORY}:ref:refs/heads/main" in role.inputs["assumeRolePolicy"]

    assert created, "the program created nothing"
    return pulumi.Output.all(*[r.urn for r in created]).apply(check)


@pytest.mark.parametrize("config, error", [
    ({}, pulumi.ConfigMissingError),
    ({"healthkit-bootstrap:githubRepository": "acme/*"}, SettingsError),
])
def test_missing_or_invalid_config_stops_the_program_with_the_key(mocks, config, error):
    pulumi.runtime.set_all_config(config)
    try:
        with pytest.raises(error, match="githubRepository"):
            settings_from_config(pulumi.Config("healthkit-bootstrap"))
    finally:
        pulumi.runtime.set_all_config({})
