"""From subjects to evaluator requests: (action, resource ARN, request context), each with its reason.

- actions: pike's phases for the Terraform type, plus the actions of the attributes that are set;
- resources: for each resource type the IAM dataset says the action is authorized against, this
  stack's ARNs of that type (a required type with none is reported: the binding is incomplete);
  an action with no resource types (or none of ours) is evaluated on ``*``;
- context: ``aws:RequestTag/*`` and ``aws:TagKeys`` when the call creates or tags a tagged
  resource and the action takes them; ``aws:ResourceTag/*`` of every existing resource we tagged;
  the subject's facts (``iam:PermissionsBoundary``...) for the actions that take those keys;
- tag on create: EC2 and Elastic Load Balancing also authorize ``ec2:CreateTags`` /
  ``elasticloadbalancing:AddTags`` on the new resource with ``<service>:CreateAction`` when a create
  call carries tags (EC2 User Guide, "Grant permission to tag resources during creation"; ELB
  User Guide, "Resource-level permissions ... tag on create").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from proof.ci_permissions import iam_data
from proof.ci_permissions.pike import mapping
from proof.ci_permissions.subjects import Subject
from proof.ci_permissions.terraform import DOCKER_PUSH, DOCKER_PUSH_ACTIONS

CREATE_VERBS = ("Create", "Register", "Allocate", "Authorize", "Run", "Request", "Put")
TAG_ON_CREATE = {"ec2": "ec2:CreateTags", "elasticloadbalancing": "elasticloadbalancing:AddTags"}


@dataclass(frozen=True)
class Request:
    subject: str
    """``<terraform type> <name>``."""
    action: str
    resource: str
    context: dict
    reason: str
    """Where the action comes from: ``apply``, ``attribute tags``, ``tag on create``..."""


@dataclass
class Plan:
    requests: list[Request] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Bindings that are missing (a required resource type without an ARN) or unknown actions."""


def _actions(subject: Subject) -> dict[str, str]:
    if subject.terraform_type == DOCKER_PUSH:
        return {a: "docker push (Amazon ECR User Guide)" for a in DOCKER_PUSH_ACTIONS}
    attributes = set(subject.attributes) | ({"tags"} if subject.request_tags else set())
    return mapping(subject.terraform_type).actions(attributes)


def _create_action(subject: Subject, actions: dict[str, str]) -> str:
    """The call that creates the subject's own resource: the first Write action of ``apply``
    whose verb creates and which is authorized against the subject's own type."""
    for name, reason in actions.items():
        if reason != "apply":
            continue
        try:
            a = iam_data.action(name)
        except iam_data.UnknownAction:
            continue
        if a.access_level.startswith(("Write", "Permissions")) and name.split(":")[1].startswith(CREATE_VERBS) and \
                any(r.key == subject.own for r in a.resource_types):
            return a.name
    return ""


def _context(subject: Subject, a: iam_data.Action, kind: str, creating: bool) -> dict:
    context: dict = {}
    if subject.request_tags and (creating or a.tags) and a.accepts("aws:RequestTag/${TagKey}"):
        context.update({f"aws:RequestTag/{k}": v for k, v in subject.request_tags.items()})
        context["aws:TagKeys"] = sorted(subject.request_tags)
    tags = subject.tags.get(kind)
    if tags and not (creating and kind == subject.own):
        context.update({f"aws:ResourceTag/{k}": v for k, v in tags.items()})
    for key, value in subject.facts.items():
        if a.accepts(key):
            context[key] = value
    return context


def plan_requests(subject: Subject, *, reads_only: bool = False) -> Plan:
    """Every request ``pulumi up`` (or, ``reads_only``, a refresh) of ``subject`` makes."""
    plan = Plan()
    label = f"{subject.terraform_type} {subject.name}"
    actions = _actions(subject)
    create = _create_action(subject, actions)
    for name, reason in actions.items():
        if name in subject.excluded:
            continue
        try:
            a = iam_data.action(name)
        except iam_data.UnknownAction as error:
            plan.problems.append(f"{label}: {error}")
            continue
        if reads_only and not a.reads:
            continue
        creating = a.name == create
        targets = []
        for rt in a.resource_types:
            if rt.key in subject.arns:
                targets += [(rt.key, arn) for arn in subject.arns[rt.key]]
            elif rt.required:
                plan.problems.append(f"{label}: {a.name} is authorized against {rt.key}, and no ARN of that type "
                                     "is bound for this resource")
        for kind, arn in targets or [("", "*")]:
            plan.requests.append(Request(label, a.name, arn, _context(subject, a, kind, creating), reason))
        if creating and subject.request_tags and a.name.split(":")[0] in TAG_ON_CREATE and not reads_only:
            tag_action = iam_data.action(TAG_ON_CREATE[a.name.split(":")[0]])
            context = _context(subject, tag_action, subject.own, True)
            context[f"{a.name.split(':')[0]}:CreateAction"] = a.name.split(":")[1]
            for arn in subject.arns.get(subject.own, []):
                plan.requests.append(Request(label, tag_action.name, arn, context, f"tag on create ({a.name})"))
    return plan
