"""The bootstrap's policy documents (pure functions): trust pinned to one repository and exact
subjects, the deploy role confined to the project's resources and roles, every document linted
by parliament."""

from __future__ import annotations

import fnmatch
import json
import warnings

import pytest

from healthkit_bootstrap import policies as P
from healthkit_bootstrap.settings import BootstrapSettings, SettingsError, settings_from_config

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # parliament imports the deprecated pkg_resources
    from parliament import analyze_policy_string

ACCOUNT = "123456789012"
REPOSITORY = "acme/healthkit-fargate"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/ci-healthkit-workload-boundary"
SCOPE = P.Scope(account_id=ACCOUNT, prefix="healthkit")
STATE = P.StateBackend(bucket_arn=f"arn:aws:s3:::ci-healthkit-state-{ACCOUNT}-eu-west-1",
                       key_arn=f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab")
OIDC = P.GITHUB_OIDC_HOST


def deploy_documents(state=STATE) -> dict[str, dict]:
    return P.deploy_policies(SCOPE, BOUNDARY, state)


def all_documents() -> dict[str, dict]:
    documents = dict(deploy_documents())
    documents["deploy-iam (no state)"] = deploy_documents(None)["deploy-iam"]
    documents["deploy-iam (no boundary)"] = P.deploy_iam_policy(SCOPE, None)
    documents["preview"] = P.preview_policy(SCOPE, STATE)
    documents["preview (no state)"] = P.preview_policy(SCOPE, None)
    documents["workload-boundary"] = P.workload_boundary_policy(SCOPE)
    documents["state-bucket"] = P.state_bucket_policy(STATE.bucket_arn)
    documents["trust-preview"] = P.github_trust_policy(PROVIDER, P.preview_subjects(REPOSITORY))
    documents["trust-deploy"] = P.github_trust_policy(PROVIDER, P.deploy_subjects(REPOSITORY))
    return documents


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def allows(document: dict, action: str):
    """Allow statements whose Action matches ``action`` (wildcards included); NotAction counts as a match."""
    for stmt in document["Statement"]:
        if stmt["Effect"] != "Allow":
            continue
        if "NotAction" in stmt or any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in as_list(stmt["Action"])):
            yield stmt


# --- trust ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("subjects, expected", [
    (P.preview_subjects(REPOSITORY), [f"repo:{REPOSITORY}:pull_request"]),
    (P.deploy_subjects(REPOSITORY), [f"repo:{REPOSITORY}:ref:refs/heads/main", f"repo:{REPOSITORY}:environment:prod"]),
])
def test_trust_pins_audience_repository_and_exact_subjects(subjects, expected):
    (stmt,) = P.github_trust_policy(PROVIDER, subjects)["Statement"]

    assert stmt["Principal"] == {"Federated": PROVIDER}
    assert stmt["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert set(stmt["Condition"]) == {"StringEquals"}, "no StringLike: subjects are exact"
    assert stmt["Condition"]["StringEquals"] == {f"{OIDC}:aud": "sts.amazonaws.com", f"{OIDC}:sub": expected}
    assert not any(c in s for s in expected for c in "*?")


def test_trust_refuses_wildcard_subjects():
    for subjects in ([f"repo:{REPOSITORY}:*"], ["repo:acme/*:pull_request"], []):
        with pytest.raises(ValueError, match="without wildcards"):
            P.github_trust_policy(PROVIDER, subjects)


def test_preview_and_deploy_subjects_do_not_overlap():
    assert not set(P.preview_subjects(REPOSITORY)) & set(P.deploy_subjects(REPOSITORY))


# --- settings ------------------------------------------------------------------------------------


@pytest.mark.parametrize("repository", ["acme/healthkit-fargate", "a/b", "Acme-Co/repo.name_1"])
def test_valid_repositories_are_accepted(repository):
    assert BootstrapSettings(github_repository=repository).github_repository == repository


@pytest.mark.parametrize("repository", [
    "acme/*", "*", "acme", "acme/healthkit/extra", "https://github.com/acme/healthkit", "-acme/x", "acme-/x",
    "ac--me/x", "acme/..", "acme/", "a" * 40 + "/x", "acme/x y",
])
def test_invalid_repositories_are_refused_with_the_rule(repository):
    with pytest.raises(SettingsError, match=r"githubRepository .* must be exactly one repository, owner/name"):
        BootstrapSettings(github_repository=repository)


@pytest.mark.parametrize("prefix", ["Healthkit", "h", "healthkit-", "1app", "a_b", "x" * 21])
def test_invalid_prefixes_are_refused(prefix):
    with pytest.raises(SettingsError, match="projectPrefix"):
        BootstrapSettings(github_repository=REPOSITORY, project_prefix=prefix)


def test_an_existing_provider_arn_must_be_githubs():
    with pytest.raises(SettingsError, match="existingOidcProviderArn"):
        BootstrapSettings(github_repository=REPOSITORY, existing_oidc_provider_arn=f"arn:aws:iam::{ACCOUNT}:oidc-provider/example.com")
    assert BootstrapSettings(github_repository=REPOSITORY, existing_oidc_provider_arn=PROVIDER).existing_oidc_provider_arn


def test_settings_come_from_config_with_defaults():
    class Config:
        def __init__(self, values):
            self.values = values

        def require(self, key):
            if key not in self.values:
                raise KeyError(key)
            return self.values[key]

        def get(self, key):
            return self.values.get(key)

        def get_bool(self, key):
            return self.values.get(key)

    settings = settings_from_config(Config({"githubRepository": REPOSITORY}))
    assert (settings.project_prefix, settings.create_state_backend, settings.existing_oidc_provider_arn,
            settings.require_workload_boundary) == ("healthkit", True, None, True)
    settings = settings_from_config(Config({"githubRepository": REPOSITORY, "createStateBackend": False, "projectPrefix": "hk"}))
    assert (settings.project_prefix, settings.create_state_backend) == ("hk", False)
    with pytest.raises(KeyError):
        settings_from_config(Config({}))


# --- the deploy role's reach ---------------------------------------------------------------------


PROJECT_ROLE = f"arn:aws:iam::{ACCOUNT}:role/healthkit-dev-api-task"
FOREIGN_ROLES = [
    f"arn:aws:iam::{ACCOUNT}:role/admin",
    f"arn:aws:iam::{ACCOUNT}:role/OrganizationAccountAccessRole",
    f"arn:aws:iam::{ACCOUNT}:role/ci-healthkit-deploy",
    f"arn:aws:iam::{ACCOUNT}:role/healthkitx-api",
    f"arn:aws:iam::{ACCOUNT}:role/other-healthkit-api",
    "arn:aws:iam::999999999999:role/healthkit-dev-api-task",
]


@pytest.mark.parametrize("state", [STATE, None], ids=["with-state", "without-state"])
def test_the_deploy_role_can_pass_only_project_roles_and_only_to_ecs_tasks(state):
    grants = [s for doc in deploy_documents(state).values() for s in allows(doc, "iam:PassRole")]

    assert grants, "the deploy role must be able to pass the task and execution roles"
    for stmt in grants:
        assert "NotAction" not in stmt and "NotResource" not in stmt
        resources = as_list(stmt["Resource"])
        assert any(fnmatch.fnmatchcase(PROJECT_ROLE, r) for r in resources)
        for role in FOREIGN_ROLES:
            assert not any(fnmatch.fnmatchcase(role, r) for r in resources), role
        assert stmt["Condition"] == {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}


def test_roles_are_created_or_widened_only_under_the_workload_boundary():
    widening = ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"]
    for action in widening:
        grants = [s for doc in deploy_documents().values() for s in allows(doc, action)]
        assert grants, action
        for stmt in grants:
            assert stmt["Condition"] == {"ArnEquals": {"iam:PermissionsBoundary": BOUNDARY}}, action
            assert as_list(stmt["Resource"]) == [f"arn:aws:iam::{ACCOUNT}:role/healthkit-*"]
    iam = deploy_documents()["deploy-iam"]["Statement"]
    assert any(s["Effect"] == "Deny" and "iam:DeleteRolePermissionsBoundary" in s["Action"] for s in iam)


def test_without_the_boundary_requirement_roles_stay_project_scoped_and_passable_only_to_ecs_tasks():
    document = P.deploy_iam_policy(SCOPE, None)
    (stmt,) = [s for s in document["Statement"] if s["Sid"] == "RolesWithoutBoundary"]
    assert stmt["Resource"] == [f"arn:aws:iam::{ACCOUNT}:role/healthkit-*"]
    (passing,) = list(allows(document, "iam:PassRole"))
    assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}


def test_the_deploy_role_never_gets_wildcard_actions_or_the_bootstraps_own_resources():
    for name, doc in deploy_documents().items():
        for stmt in doc["Statement"]:
            assert "NotAction" not in stmt, f"{name}:{stmt['Sid']}"
            if stmt["Effect"] != "Allow":
                continue
            for action in as_list(stmt["Action"]):
                assert action != "*" and not action.endswith(":*"), f"{name}:{stmt['Sid']}: {action}"
            for resource in as_list(stmt["Resource"]):
                assert "ci-healthkit" not in resource or name == "deploy-state", f"{name}:{stmt['Sid']}: {resource}"


def test_the_deploy_role_cannot_touch_the_state_backend_or_boundary_destructively():
    state = deploy_documents()["deploy-state"]
    denied = {a for s in state["Statement"] if s["Effect"] == "Deny" for a in s["Action"]}
    assert {"s3:DeleteBucket", "s3:PutBucketPolicy", "kms:ScheduleKeyDeletion", "kms:PutKeyPolicy"} <= denied
    for stmt in deploy_documents()["deploy-data"]["Statement"]:
        if stmt["Effect"] == "Allow" and "kms:ScheduleKeyDeletion" in stmt["Action"]:
            assert stmt["Condition"] == {"StringEquals": {"aws:ResourceTag/Project": "healthkit"}}


# Resources of Allow statements that are not named after the project, and why.
UNNAMED_RESOURCES = {
    "*": "actions without resource-level permissions (reads, ecr:GetAuthorizationToken)",
    f"arn:aws:ec2:*:{ACCOUNT}:*": "EC2 ids are random: scoped by the project tag",
    f"arn:aws:ec2:*:{ACCOUNT}:security-group-rule/*": "created with the project tag (aws:RequestTag)",
    f"arn:aws:ec2:*:{ACCOUNT}:vpc/*": "ec2:DescribeVpcAttribute (read)",
    f"arn:aws:kms:*:{ACCOUNT}:key/*": "KMS key ids are random: scoped by the project tag (or alias pairing)",
    f"arn:aws:application-autoscaling:*:{ACCOUNT}:scalable-target/*": "ids are random: scoped to the ecs namespace",
    f"arn:aws:acm:*:{ACCOUNT}:certificate/*": "acm:DescribeCertificate (read) of the listener's certificate",
    f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/*": "service-linked roles of four named services",
    f"arn:aws:secretsmanager:*:{ACCOUNT}:secret:rds!*": "RDS-managed master passwords",
    f"arn:aws:rds:*:{ACCOUNT}:og:default:*": "AWS's default option groups, authorized by CreateDBInstance/ModifyDBInstance",
    f"arn:aws:ecs:*:{ACCOUNT}:capacity-provider/*": "FARGATE and FARGATE_SPOT are AWS's (ecs:DescribeCapacityProviders)",
    **{f"arn:aws:elasticloadbalancing:*:{ACCOUNT}:{pattern}": "generated ELB names: scoped by the Project tag"
       for pattern in ("targetgroup/*/*", "loadbalancer/app/*/*", "loadbalancer/net/*/*", "listener/app/*/*/*",
                       "listener/net/*/*/*", "listener-rule/app/*/*/*/*", "listener-rule/net/*/*/*/*")},
}


def test_every_other_allowed_resource_is_named_after_the_project():
    for name, doc in deploy_documents().items():
        for stmt in doc["Statement"]:
            if stmt["Effect"] != "Allow":
                continue
            for resource in as_list(stmt["Resource"]):
                if resource in UNNAMED_RESOURCES or name == "deploy-state":
                    continue
                assert "healthkit" in resource.split(":", 5)[-1], f"{name}:{stmt['Sid']}: {resource}"


def test_tag_scoped_statements_require_the_project_tag():
    network = {s["Sid"]: s for s in deploy_documents()["deploy-network"]["Statement"]}
    assert network["CreateTagged"]["Condition"] == {"StringEquals": {"aws:RequestTag/Project": "healthkit"}}
    assert network["ManageTagged"]["Condition"] == {"StringEquals": {"aws:ResourceTag/Project": "healthkit"}}
    assert network["TagOnCreate"]["Condition"]["StringEquals"]["ec2:CreateAction"]
    elb = {s["Sid"]: s for s in deploy_documents()["deploy-observability"]["Statement"]}
    assert elb["CreateTaggedLoadBalancers"]["Condition"] == {"StringEquals": {"aws:RequestTag/Project": "healthkit"}}
    assert elb["ManageTaggedLoadBalancers"]["Condition"] == {"StringEquals": {"aws:ResourceTag/Project": "healthkit"}}
    assert "CreateLoadBalancer" in elb["TagOnCreate"]["Condition"]["StringEquals"]["elasticloadbalancing:CreateAction"]


def test_tags_are_only_added_to_foreign_resources_while_creating_them():
    """Otherwise tagging someone else's resource Project=<prefix> would bring it in scope."""
    for name, doc in deploy_documents().items():
        for stmt in doc["Statement"]:
            tagging = {"ec2:CreateTags", "elasticloadbalancing:AddTags"} & set(stmt["Action"])
            if stmt["Effect"] == "Allow" and tagging:
                conditions = stmt["Condition"]["StringEquals"]
                assert "aws:ResourceTag/Project" in conditions or any(k.endswith(":CreateAction") for k in conditions), (
                    f"{name}:{stmt['Sid']}")


# --- the preview role ----------------------------------------------------------------------------


def test_the_preview_role_reads_state_but_not_application_data():
    preview = P.preview_policy(SCOPE, STATE)
    denied = {a for s in preview["Statement"] if s["Effect"] == "Deny" for a in s["Action"]}
    assert {"sqs:ReceiveMessage", "secretsmanager:GetSecretValue", "logs:GetLogEvents"} <= denied
    allowed = {a for s in preview["Statement"] if s["Effect"] == "Allow" for a in s["Action"]}
    assert allowed <= {"s3:ListBucket", "s3:GetObject", "s3:GetObjectVersion", "kms:Decrypt", "kms:DescribeKey",
                       "secretsmanager:GetSecretValue"}
    # the one secret value it may read is the Django key, which the state it decrypts holds anyway
    (secrets,) = [s for s in preview["Statement"] if s["Effect"] == "Allow" and "secretsmanager:GetSecretValue" in s["Action"]]
    assert secrets["Resource"] == [f"arn:aws:secretsmanager:*:{ACCOUNT}:secret:healthkit-*/django-secret-key-??????"]


# --- linting -------------------------------------------------------------------------------------

# Findings filtered by (document, statement Sid, issue), each with its reason. Anything else fails.
PARLIAMENT_ACCEPTED = {
    # Trust policies are resource policies: no Resource element by definition, and parliament only
    # knows the Cognito/Amazon/Facebook/Google federation principals, not IAM OIDC providers.
    ("trust-preview", "GitHubActionsOidc", "MALFORMED"): "a trust policy has no Resource",
    ("trust-preview", "GitHubActionsOidc", "UNKNOWN_FEDERATION_SOURCE"): "IAM OIDC provider ARN",
    ("trust-deploy", "GitHubActionsOidc", "MALFORMED"): "a trust policy has no Resource",
    ("trust-deploy", "GitHubActionsOidc", "UNKNOWN_FEDERATION_SOURCE"): "IAM OIDC provider ARN",
    # AuthorizeSecurityGroup* authorizes the group and, when tags are given, the new rule as two
    # resources evaluated separately; this statement grants only the rule (the group is granted by
    # ManageTagged), which parliament reads as a mismatch.
    ("deploy-network", "TaggedRules", "RESOURCE_MISMATCH"): "second resource of a multi-resource action",
    # parliament's data has three services with the prefix elasticloadbalancing and reads the first,
    # whose condition list lacks elasticloadbalancing:CreateAction; ELBv2 defines it for AddTags.
    ("deploy-observability", "TagOnCreate", "UNKNOWN_CONDITION_FOR_ACTION"): "parliament reads the wrong ELB entry",
    # PutLogGroupDeletionProtection (botocore: logs PutLogGroupDeletionProtection) is newer than
    # parliament's IAM data; it is the only statement of its own so nothing else hides behind this.
    ("deploy-observability", "LogGroupProtection", "UNKNOWN_ACTION"): "newer than parliament's IAM data",
    # CreateDBInstance/ModifyDBInstance authorize the instance and its option group as separate
    # resources; this statement grants only AWS's default option groups (the instance is granted
    # by Databases), which parliament reads as a mismatch.
    ("deploy-data", "DefaultOptionGroups", "RESOURCE_MISMATCH"): "second resource of a multi-resource action",
    # The stack puts the exports bucket's TLS-only policy (s3:PutBucketPolicy), which could also
    # grant access to that bucket: only the project's exports buckets (<prefix>-*-exports-*), never
    # the state bucket (deploy-state denies its policy changes) nor any other bucket.
    ("deploy-exports", "ExportsBuckets", "RESOURCE_POLICY_PRIVILEGE_ESCALATION"): "the exports bucket's own policy",
}


def parliament_findings(document: dict) -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return analyze_policy_string(json.dumps(document)).findings


@pytest.mark.parametrize("name", list(all_documents()))
def test_parliament_reports_nothing_but_the_justified_findings(name):
    document = all_documents()[name]
    for stmt in document["Statement"]:
        single = {"Version": P.VERSION, "Statement": [stmt]}
        issues = {f.issue for f in parliament_findings(single)}
        unexpected = {i for i in issues if (name, stmt["Sid"], i) not in PARLIAMENT_ACCEPTED}
        assert not unexpected, f"{name}:{stmt['Sid']}: {unexpected}"
    accepted = {issue for (doc, _, issue) in PARLIAMENT_ACCEPTED if doc == name}
    assert {f.issue for f in parliament_findings(document)} <= accepted


def test_actions_parliament_does_not_know_are_real_api_operations():
    import boto3

    operations = boto3.session.Session(region_name="us-east-1").client("logs").meta.service_model.operation_names
    assert "PutLogGroupDeletionProtection" in operations


def test_sids_are_unique_per_document():
    for name, document in all_documents().items():
        sids = [s["Sid"] for s in document["Statement"]]
        assert len(sids) == len(set(sids)), name


def test_managed_policies_fit_iams_size_limit():
    for name, document in [*deploy_documents().items(), ("workload-boundary", P.workload_boundary_policy(SCOPE))]:
        size = len("".join(json.dumps(document).split()))
        assert size < 6144, f"{name}: {size} characters (limit 6,144 without whitespace)"
    assert len("".join(json.dumps(P.preview_policy(SCOPE, STATE)).split())) < 10240


def test_the_deploy_role_reaches_in_s3_only_the_stacks_exports_buckets_and_never_reads_their_objects():
    document = deploy_documents()["deploy-exports"]
    resources = {r for stmt in document["Statement"] for r in stmt["Resource"]}
    assert resources == {"arn:aws:s3:::healthkit-*-exports-*", "arn:aws:s3:::healthkit-*-exports-*/*"}
    actions = {a for stmt in document["Statement"] for a in stmt["Action"]}
    assert not actions & {"s3:GetObject", "s3:PutObject", "s3:ListAllMyBuckets"}
    assert not any(STATE.bucket_arn.startswith(r.rstrip("*")) for r in resources)


def test_the_workload_boundary_lets_task_roles_reach_only_export_objects_in_s3():
    (exports,) = [s for s in P.workload_boundary_policy(SCOPE)["Statement"] if any(a.startswith("s3:") for a in s["Action"])]
    assert exports["Resource"] == ["arn:aws:s3:::healthkit-*-exports-*/exports/*"]
    assert sorted(exports["Action"]) == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
