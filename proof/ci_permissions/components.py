"""Subjects of what components and invokes create: awsx's VPC and image, and provider data sources.

awsx components are opaque to the mock runtime (their children are created inside the awsx plugin),
so their children are listed here from pulumi-awsx's source.
"""

from __future__ import annotations

from collections.abc import Iterable

from proof.ci_permissions.corrections import not_called
from proof.ci_permissions.subjects import Context, Subject, _arn, _id
from proof.ci_permissions.terraform import DATA_SOURCES, DOCKER_PUSH


def vpc_subjects(component, ctx: Context) -> list[Subject]:
    """What ``awsx.ec2.Vpc`` creates (pulumi-awsx awsx/ec2/vpc.ts): the VPC, a public and a private
    subnet per AZ with a route table each, their associations and default routes, an internet
    gateway, and NAT gateways with elastic IPs (one, or one per AZ). Children are tagged with the
    VPC's tags only through the provider's default tags (``aws:defaultTags``)."""
    azs = int(component.inputs.get("numberOfAvailabilityZones") or 2)
    strategy = (component.inputs.get("natGateways") or {}).get("strategy", "Single")
    nats = azs if strategy == "OnePerAz" else 1
    vpc_id = component.outputs.get("vpcId") or f"vpc-{_id(component.name)}"
    vpc = _arn(ctx, "ec2", f"vpc/{vpc_id}")
    vpc_tags = {**ctx.default_tags, **(component.inputs.get("tags") or {})} or None
    child_tags = dict(ctx.default_tags) or None
    out = [Subject("aws_vpc", f"{component.name}/vpc", "ec2:vpc", {"ec2:vpc": [vpc]}, {"ec2:vpc": vpc_tags},
                   request_tags=vpc_tags, attributes={"tags"} if vpc_tags else set())]
    igw = _arn(ctx, "ec2", f"internet-gateway/igw-{_id(component.name, 'igw')}")
    out.append(Subject("aws_internet_gateway", f"{component.name}/igw", "ec2:internet-gateway",
                       {"ec2:internet-gateway": [igw], "ec2:vpc": [vpc]},
                       {"ec2:internet-gateway": child_tags, "ec2:vpc": vpc_tags}, request_tags=child_tags,
                       attributes={"tags"} if child_tags else set()))
    for az in range(azs):
        for kind in ("public", "private"):
            subnet = _arn(ctx, "ec2", f"subnet/subnet-{_id(component.name, kind, str(az))}")
            table = _arn(ctx, "ec2", f"route-table/rtb-{_id(component.name, kind, str(az))}")
            gateway = igw if kind == "public" else _arn(
                ctx, "ec2", f"natgateway/nat-{_id(component.name, 'nat', str(az % nats))}")
            gateway_kind = "ec2:internet-gateway" if kind == "public" else "ec2:natgateway"
            common = {"ec2:vpc": vpc_tags, "ec2:subnet": child_tags, "ec2:route-table": child_tags,
                      gateway_kind: child_tags}
            out += [
                Subject("aws_subnet", f"{component.name}/{kind}-{az}", "ec2:subnet",
                        {"ec2:subnet": [subnet], "ec2:vpc": [vpc]}, common, request_tags=child_tags,
                        attributes={"tags"} if child_tags else set()),
                Subject("aws_route_table", f"{component.name}/{kind}-{az}-rt", "ec2:route-table",
                        {"ec2:route-table": [table], "ec2:vpc": [vpc]}, common, request_tags=child_tags,
                        attributes={"tags"} if child_tags else set()),
                Subject("aws_route_table_association", f"{component.name}/{kind}-{az}-rta", "",
                        {"ec2:route-table": [table], "ec2:subnet": [subnet]}, common),
                Subject("aws_route", f"{component.name}/{kind}-{az}-route", "",
                        {"ec2:route-table": [table], gateway_kind: [gateway]}, common),
            ]
    for n in range(nats):
        nat = _arn(ctx, "ec2", f"natgateway/nat-{_id(component.name, 'nat', str(n))}")
        eip = _arn(ctx, "ec2", f"elastic-ip/eipalloc-{_id(component.name, 'eip', str(n))}")
        subnet = _arn(ctx, "ec2", f"subnet/subnet-{_id(component.name, 'public', str(n))}")
        tags = {"ec2:natgateway": child_tags, "ec2:elastic-ip": child_tags, "ec2:subnet": child_tags}
        out += [
            Subject("aws_eip", f"{component.name}/eip-{n}", "ec2:elastic-ip", {"ec2:elastic-ip": [eip]}, tags,
                    request_tags=child_tags, attributes={"tags", "domain"} if child_tags else {"domain"}),
            Subject("aws_nat_gateway", f"{component.name}/nat-{n}", "ec2:natgateway",
                    {"ec2:natgateway": [nat], "ec2:subnet": [subnet], "ec2:elastic-ip": [eip]}, tags,
                    request_tags=child_tags, attributes={"tags"} if child_tags else set()),
        ]
    for subject in out:
        subject.excluded = not_called(subject.terraform_type, {})
    return out


def image_subjects(component, ctx: Context, repository_arn: str) -> list[Subject]:
    """What ``awsx.ecr.Image`` does: an ECR login (the aws_ecr_authorization_token data source) and
    a ``docker push`` of the built image to the stack's repository."""
    repo = {"ecr:repository": [repository_arn]}
    return [
        Subject("aws_ecr_authorization_token", f"{component.name}/login", "", {}, {}),
        Subject(DOCKER_PUSH, f"{component.name}/push", "", repo, {"ecr:repository": ctx.repository_tags}),
    ]


def data_source_subjects(calls: Iterable, ctx: Context) -> list[Subject]:
    out = []
    for call in calls:
        kind = DATA_SOURCES.get(call.token)
        if kind is None:
            raise KeyError(f"no Terraform data source mapped for invoke {call.token}")
        arns = {}
        if kind == "aws_ecr_image":
            arns = {"ecr:repository": [_arn(ctx, "ecr", f"repository/{call.args['repositoryName']}")]}
        out.append(Subject(kind, call.token, "", arns, {k: ctx.repository_tags for k in arns}))
    return out
