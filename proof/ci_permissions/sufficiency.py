"""Are the CI roles enough for the stacks? Every variant, every resource, every call, evaluated.

    report = stack_sufficiency()          # both stacks, every config variant, deploy + preview role
    report.denials                        # [] when the roles suffice; each names role, action, ARN, resource

``deploy`` is evaluated for everything ``pulumi up`` calls (create, update, delete, and the reads
around them); ``preview`` for the reads a ``pulumi preview --refresh`` makes (access level Read or
List). The bootstrap project's own resources are evaluated for an administrator (who deploys it)
and against the deploy role, which must be refused every change to them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from proof.ci_permissions import iam_data
from proof.ci_permissions.evaluate import Decision, PolicySet, evaluate
from proof.ci_permissions.requests import Plan, Request, plan_requests
from proof.ci_permissions.components import data_source_subjects, image_subjects, vpc_subjects
from proof.ci_permissions.subjects import Context, Subject, not_aws, subject_of
from proof.ci_permissions.terraform import RESOURCE_TYPES

REPO_ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
REPOSITORY = "acme/healthkit-fargate"
CERTIFICATE_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
_EXISTING_VPC = {
    "vpcId": "vpc-0a1b2c3d4e5f60718",
    "publicSubnetIds": ["subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60712"],
    "privateSubnetIds": ["subnet-0a1b2c3d4e5f60721", "subnet-0a1b2c3d4e5f60722"],
}
_EXISTING_DATABASE = {
    "database": "existing",
    "dbHost": "shared-db.example.internal",
    # named <appName>-...: the workload boundary lets task roles read only such secrets (and rds!*)
    "dbSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:healthkit-dev/shared-db-AbCdEf",
}

#: (label, stack, overrides): both stacks, HTTPS on/off, managed or existing database, new or
#: existing VPC, an image built by `pulumi up` (dev's default) or pinned by tag.
VARIANTS: tuple[tuple[str, str, dict], ...] = (
    ("dev (new VPC, RDS, HTTP, image built)", "dev", {}),
    ("prod (new VPC, RDS, HTTP)", "prod", {}),
    ("prod with HTTPS", "prod", {"certificateArn": CERTIFICATE_ARN, "domainName": "api.example.com",
                                 "alarmEmail": "oncall@example.com"}),
    ("dev in an existing VPC, existing database, image by tag", "dev", {
        **_EXISTING_VPC, **_EXISTING_DATABASE,
        "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/healthkit-dev:release-42"}),
    ("prod in an existing VPC with RDS, HTTPS", "prod", {**_EXISTING_VPC, "certificateArn": CERTIFICATE_ARN}),
    ("dev with an existing database in a new VPC", "dev", dict(_EXISTING_DATABASE)),
)


def bootstrap_path() -> Path:
    """The bootstrap project's folder (its package is imported from there, as Pulumi runs it)."""
    for candidate in (REPO_ROOT / "bootstrap",):
        if (candidate / "healthkit_bootstrap").is_dir():
            if str(candidate) not in sys.path:
                sys.path.insert(0, str(candidate))
            return candidate
    raise FileNotFoundError("the bootstrap project (healthkit_bootstrap) was not found")


def _policies():
    bootstrap_path()
    from healthkit_bootstrap import policies

    return policies


def _scope(prefix: str):
    return _policies().Scope(account_id=ACCOUNT, prefix=prefix)


def _state(prefix: str):
    p = _policies()
    return p.StateBackend(bucket_arn=f"arn:aws:s3:::ci-{prefix}-state-{ACCOUNT}-us-east-1",
                          key_arn=f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab")


def workload_boundary_arn(prefix: str = "healthkit") -> str:
    return f"arn:aws:iam::{ACCOUNT}:policy/" + _policies().ci_name(prefix, "workload-boundary")


def deploy_role(prefix: str = "healthkit", *, boundary: bool = True,
                edit: Callable[[dict[str, dict]], None] | None = None) -> PolicySet:
    """The deploy role's managed policies, as the bootstrap builds them (``edit`` changes them first:
    tests remove an action to see the proof fail)."""
    p = _policies()
    documents = p.deploy_policies(_scope(prefix), workload_boundary_arn(prefix) if boundary else None, _state(prefix))
    if edit:
        edit(documents)
    return PolicySet("deploy role", f"arn:aws:iam::{ACCOUNT}:role/{p.ci_name(prefix, 'deploy')}", ACCOUNT,
                     tuple({"name": name, "policy": doc} for name, doc in documents.items()))


def preview_role(prefix: str = "healthkit") -> PolicySet:
    p = _policies()
    return PolicySet("preview role", f"arn:aws:iam::{ACCOUNT}:role/{p.ci_name(prefix, 'preview')}", ACCOUNT,
                     ({"managed": "ReadOnlyAccess"},
                      {"name": "preview-guard", "policy": p.preview_policy(_scope(prefix), _state(prefix))}))


def administrator() -> PolicySet:
    return PolicySet("administrator", f"arn:aws:iam::{ACCOUNT}:user/admin", ACCOUNT,
                     ({"managed": "AdministratorAccess"},))


# --- subjects of a run --------------------------------------------------------------------------------

def _default_tags(config: dict) -> dict[str, str]:
    raw = config.get("aws:defaultTags")
    if isinstance(raw, str):
        raw = json.loads(raw)
    return dict((raw or {}).get("tags") or {})


def _context(run) -> Context:
    roles = {r.outputs.get("name"): r.outputs.get("arn") for r in run.resources
             if r.type == "aws:iam/role:Role"}
    repositories = [r for r in run.resources if r.type == "aws:ecr/repository:Repository"]
    default_tags = _default_tags(getattr(run, "config", {}) or {})
    settings = getattr(run, "settings", None)
    existing_vpc = getattr(settings, "vpc_id", "") if settings else ""
    created = [r for r in run.resources if r.type == "awsx:ec2:Vpc"]
    vpc_id = existing_vpc or (created[0].outputs.get("vpcId", "") if created else "")
    vpc_tags = None if existing_vpc or not created else ({**default_tags, **(created[0].inputs.get("tags") or {})}
                                                         or None)
    return Context(
        account=ACCOUNT, region=getattr(run, "region", "us-east-1"), default_tags=default_tags, role_arns=roles,
        key_arns={r.outputs.get("keyId"): r.outputs.get("arn") for r in run.resources if r.type == "aws:kms/key:Key"},
        existing_vpc=bool(existing_vpc), vpc_arn=f"arn:aws:ec2:us-east-1:{ACCOUNT}:vpc/{vpc_id}" if vpc_id else "",
        vpc_tags=vpc_tags,
        role_boundaries={r.outputs.get("name"): r.inputs.get("permissionsBoundary") for r in run.resources
                         if r.type == "aws:iam/role:Role" and r.inputs.get("permissionsBoundary")},
        repository_tags={**default_tags, **(repositories[0].inputs.get("tags") or {})} if repositories else None,
        scalable_targets={r.inputs.get("resourceId"): r.outputs.get("arn") for r in run.resources
                          if r.type == "aws:appautoscaling/target:Target"},
    )


@dataclass
class Subjects:
    subjects: list[Subject] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)


def subjects_of(run) -> Subjects:
    """Every subject of a mock run: provider resources, expanded components, data sources."""
    ctx = _context(run)
    out = Subjects()
    repository = next((r.outputs.get("arn") for r in run.resources if r.type == "aws:ecr/repository:Repository"), "")
    for r in run.resources:
        if r.type in RESOURCE_TYPES:
            out.subjects.append(subject_of(r, ctx))
        elif r.type == "awsx:ec2:Vpc":
            out.subjects += vpc_subjects(r, ctx)
        elif r.type == "awsx:ecr:Image":
            out.subjects += image_subjects(r, ctx, repository)
        elif not_aws(r.type) or (not r.custom and not r.remote):
            continue  # engine-side values, and our own components (their children are recorded)
        else:
            out.unmapped.append(r.type)
    out.subjects += data_source_subjects(run.calls, ctx)
    return out


# --- evaluating ---------------------------------------------------------------------------------------

@dataclass
class Report:
    decisions: list[Decision] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    terraform_types: set[str] = field(default_factory=set)
    pulumi_types: set[str] = field(default_factory=set)

    @property
    def denials(self) -> list[str]:
        return sorted({d.sentence() for d in self.decisions if not d.allowed})

    def evaluated(self, role: str) -> int:
        return sum(1 for d in self.decisions if d.policy_set == role)


def _plans(subjects: Iterable[Subject], *, reads_only: bool) -> Plan:
    total = Plan()
    for subject in subjects:
        plan = plan_requests(subject, reads_only=reads_only)
        total.requests += plan.requests
        total.problems += plan.problems
    return total


def _unique(requests: Sequence[Request]) -> list[Request]:
    seen, out = set(), []
    for r in requests:
        key = (r.action, r.resource, json.dumps(r.context, sort_keys=True), r.validate)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def _labelled(request: Request, label: str) -> Request:
    return Request(f"{label}: {request.subject}", request.action, request.resource, request.context,
                   request.reason, request.validate, request.resource_policy)


def check_runs(runs: Sequence[tuple[str, object]], roles: Sequence[tuple[PolicySet, bool]]) -> Report:
    """Evaluate every labelled run's requests for each (policy set, reads only): one evaluator
    process per policy set."""
    report = Report()
    batches: dict[str, list[Request]] = {policy_set.name: [] for policy_set, _ in roles}
    for label, run in runs:
        found = subjects_of(run)
        report.problems += [f"{label}: no Terraform type mapped for {t}" for t in found.unmapped]
        report.pulumi_types |= {r.type for r in run.resources if r.custom or r.remote}
        report.terraform_types |= {s.terraform_type for s in found.subjects}
        for policy_set, reads_only in roles:
            plan = _plans(found.subjects, reads_only=reads_only)
            report.problems += [f"{label}: {p}" for p in plan.problems]
            batches[policy_set.name] += [_labelled(r, label) for r in _unique(plan.requests)]
    for policy_set, _ in roles:
        report.decisions += evaluate(batches[policy_set.name], policy_set)
    return report


def stack_runs(variants: Sequence[tuple[str, str, dict]] = VARIANTS) -> list[tuple[str, object]]:
    """(label, mock run) of each variant."""
    from proof.mockrun import run_stack

    return [(label, run_stack(stack, overrides)) for label, stack, overrides in variants]


def stack_sufficiency(runs: Sequence[tuple[str, object]] | None = None, *, deploy: PolicySet | None = None,
                      preview: PolicySet | None = None) -> Report:
    """Both CI roles against every variant's mock run (``runs``: default every variant)."""
    return check_runs(runs if runs is not None else stack_runs(),
                      [(deploy or deploy_role(), False), (preview or preview_role(), True)])


def bootstrap_run(**settings):
    """The bootstrap program under the recording mocks (its own resources, once per account)."""
    from proof.mockrun import run_program

    bootstrap_path()
    from healthkit_bootstrap.resources import bootstrap
    from healthkit_bootstrap.settings import BootstrapSettings

    return run_program(lambda: bootstrap(BootstrapSettings(github_repository=REPOSITORY, **settings)),
                       stack="account", region="us-east-1")


#: The bootstrap's resources the deploy role must never change: CI's own access and the state
#: bucket's configuration.
CI_OWN_TYPES = frozenset({
    "aws_iam_role", "aws_iam_policy", "aws_iam_role_policy", "aws_iam_role_policy_attachment",
    "aws_iam_openid_connect_provider", "aws_s3_bucket_policy", "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_versioning", "aws_s3_bucket_server_side_encryption_configuration",
})


def bootstrap_sufficiency(run=None) -> tuple[Report, Report]:
    """(an administrator against everything the bootstrap calls, the deploy role against every
    change to CI's own access and the state bucket's configuration)."""
    run = run or bootstrap_run()
    admin = check_runs([("bootstrap", run)], [(administrator(), False)])
    found = subjects_of(run)
    changes = [r for s in found.subjects if s.terraform_type in CI_OWN_TYPES
               for r in plan_requests(s).requests if not iam_data.action(r.action).reads]
    deploy = Report(terraform_types={s.terraform_type for s in found.subjects})
    deploy.decisions = evaluate(_unique([_labelled(r, "bootstrap") for r in changes]), deploy_role())
    return admin, deploy
