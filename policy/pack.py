"""pulumi_policy wrappers around :mod:`policy.rules` (no PolicyPack here: see ``__main__.py``)."""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from policy.resources import Resource
from policy.rules import RULES, Rule

PACK_NAME = "healthkit-invariants"


def resource_from_args(args: Any) -> Resource:
    """A rule's view of a resource from ResourceValidationArgs or a PolicyResource."""
    return Resource(
        type=args.resource_type, name=args.name, props=args.props,
        protect=bool(getattr(args.opts, "protect", False)), urn=getattr(args, "urn", ""),
    )


def _resource_policy(rule: Rule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if rule.types and args.resource_type not in rule.types:
            return
        for message in rule.check(resource_from_args(args)):
            report_violation(message, args.urn)

    return ResourceValidationPolicy(
        name=rule.name, description=rule.description, validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY)


def _stack_policy(rule: Rule) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        for message in rule.check([resource_from_args(r) for r in args.resources]):
            report_violation(message, None)

    return StackValidationPolicy(
        name=rule.name, description=rule.description, validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY)


def build_policies() -> list:
    """One mandatory pulumi_policy policy per rule."""
    return [_resource_policy(r) if r.scope == "resource" else _stack_policy(r) for r in RULES]
