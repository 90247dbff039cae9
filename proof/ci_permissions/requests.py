"""From subjects to evaluator requests: (action, resource ARN, request context), each with its reason.

- actions: pike's phases for the Terraform type, plus the actions of the attributes that are set;
- resources: for each resource type the IAM dataset says the action is authorized against, this
  stack's ARNs of that type (a required type with none is reported: the binding is incomplete);
  an action with no resource types (or none of ours) is evaluated on ``*``;
- context: ``aws:RequestTag/*`` and ``aws:TagKeys`` when the call creates or tags a tagged
  resource and the action takes them; ``aws:ResourceTag/*`` of every existing resource we tagged;
  the subject's facts (``iam:PermissionsBoundary``...) for the actions that take those keys;
- Elastic Load Balancing v1 and v2 share the ``elasticloadbalancing`` prefix, and the dataset keeps
  one record per action name: AddTags, RemoveTags, CreateLoadBalancer... carry v1's resource type
  (``loadbalancer/<name>``). Such a call of an ELBv2 resource is made on that resource's own ARN and
  evaluated without the dataset's resource-type validation;
- tag APIs (AddTagsToResource, ListTagsForResource...) list every taggable type of their service,
  but a call names one resource: the subject's own;
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
    validate: bool = True
    """False: the IAM dataset lacks the resource type (ELBv2 actions named like ELB v1's)."""
    resource_policy: dict | None = None
    """The resource's own policy, when AWS evaluates one (a KMS key policy)."""


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
                (any(r.key == subject.own for r in a.resource_types) or _elb_v1_named(a, subject)):
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
        if _elb_v1_named(a, subject):  # see the module docstring
            for arn in subject.arns[subject.own]:
                plan.requests.append(Request(label, a.name, arn, _context(subject, a, subject.own, creating), reason,
                                             validate=False))
            continue
        targets = [(rt.key, arn) for rt in a.resource_types if rt.key in subject.arns for arn in subject.arns[rt.key]]
        if _names_one_resource(a) and any(kind == subject.own for kind, _ in targets):
            targets = [(kind, arn) for kind, arn in targets if kind == subject.own]
        required = [rt.key for rt in a.resource_types if rt.required]
        if required and not targets:  # a required type is an alternative of the others (listener/app|net|gwy)
            plan.problems.append(f"{label}: {a.name} is authorized against {' or '.join(required)}, and no ARN of "
                                 "those types is bound for this resource")
            continue
        for kind, arn in targets or [("", "*")]:
            plan.requests.append(Request(label, a.name, arn, _context(subject, a, kind, creating), reason,
                                         resource_policy=subject.resource_policies.get(arn)))
        if creating and subject.request_tags and a.name.split(":")[0] in TAG_ON_CREATE and not reads_only:
            tag_action = iam_data.action(TAG_ON_CREATE[a.name.split(":")[0]])
            context = _context(subject, tag_action, subject.own, True)
            context[f"{a.name.split(':')[0]}:CreateAction"] = a.name.split(":")[1]
            for arn in subject.arns.get(subject.own, []):
                plan.requests.append(Request(label, tag_action.name, arn, context, f"tag on create ({a.name})",
                                             validate=not _elb_v1_named(tag_action, subject)))
    return plan


def _names_one_resource(a: iam_data.Action) -> bool:
    """Tag APIs list every taggable type of their service, but a call names one resource."""
    short = a.name.split(":")[1]
    return a.tags or "Tags" in short or short in ("TagResource", "UntagResource")


def _elb_v1_named(a: iam_data.Action, subject: Subject) -> bool:
    """An ELBv2 call whose name the dataset only knows with ELB v1's resource type."""
    return (subject.own.startswith("elasticloadbalancing:") and a.name.startswith("elasticloadbalancing:")
            and {r.key for r in a.resource_types} == {"elasticloadbalancing:loadbalancer"})
