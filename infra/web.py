"""The api's front door: an internet-facing ALB, its listeners and the api target group.

Plain HTTP on 80 without a certificate; with one, HTTPS on 443 (TLS 1.2+) and 80 redirects.
The target group checks ``GET /healthz`` and drains stopping tasks briefly. The Django admin
(``/admin*``) is answered 404 by the ALB unless the request comes from ``admin_allowed_cidrs``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra import invariants as inv
from infra.args import check

#: TLS 1.3 + 1.2 only.
SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
#: the Django admin's paths (the ALB routes them apart from the API)
ADMIN_PATH_PATTERN = "/admin*"
#: an ALB rule holds at most 5 condition values: one path pattern + these source CIDRs
ADMIN_MAX_CIDRS = 4
#: what the ALB itself answers for /admin* from anywhere else (the API's JSON error shape)
ADMIN_NOT_FOUND_BODY = '{"errors": [{"message": "not found"}]}'


def admin_listener_rules(name: str, *, listener, target_group, allowed_cidrs: Sequence[str], tags: dict,
                         opts: pulumi.ResourceOptions) -> list:
    """``/admin*``: forwarded from ``allowed_cidrs`` only (priority 10), else a 404 from the ALB (20)."""
    admin_path = aws.lb.ListenerRuleConditionArgs(
        path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=[ADMIN_PATH_PATTERN]))
    rules = []
    if allowed_cidrs:
        rules.append(aws.lb.ListenerRule(
            f"{name}-admin-allowed", listener_arn=listener.arn, priority=10,
            conditions=[admin_path, aws.lb.ListenerRuleConditionArgs(
                source_ip=aws.lb.ListenerRuleConditionSourceIpArgs(values=list(allowed_cidrs)))],
            actions=[aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=target_group.arn)],
            tags=tags, opts=opts))
    rules.append(aws.lb.ListenerRule(
        f"{name}-admin-not-found", listener_arn=listener.arn, priority=20, conditions=[admin_path],
        actions=[aws.lb.ListenerRuleActionArgs(
            type="fixed-response",
            fixed_response=aws.lb.ListenerRuleActionFixedResponseArgs(
                content_type="application/json", message_body=ADMIN_NOT_FOUND_BODY, status_code="404"))],
        tags=tags, opts=opts))
    return rules


@dataclass
class WebArgs:
    """Arguments of :class:`Web`."""

    vpc_id: pulumi.Input[str]
    """VPC of the target group. Required."""

    public_subnet_ids: pulumi.Input[Sequence[str]]
    """Public subnets of the ALB (>= 2 AZs). Required."""

    security_group_id: pulumi.Input[str]
    """The ALB's security group. Required."""

    certificate_arn: str = ""
    """ACM certificate for HTTPS on 443; empty for plain HTTP on 80. Default: empty."""

    target_port: int = inv.API_PORT
    """Port of the api container. Default: 8000."""

    health_check_path: str = inv.HEALTH_CHECK_PATH
    """Target group health check path (answers 200 without dependencies). Default: /healthz."""

    deregistration_delay_seconds: int = 30
    """Draining time of a stopping target, seconds. 0-3600. Default: 30."""

    idle_timeout_seconds: int = 60
    """ALB idle connection timeout, seconds. 1-4000. Default: 60."""

    deletion_protection: bool = False
    """ALB deletion protection (prod). Default: false."""

    admin_allowed_cidrs: Sequence[str] = ()
    """IPv4 CIDRs whose requests for ``/admin*`` are forwarded to the api (at most 4); every other
    ``/admin*`` request is answered 404 by the ALB itself. Default: none (the admin is unreachable)."""

    tags: dict[str, str] = field(default_factory=dict)
    """Tags. Default: none."""


class Web(pulumi.ComponentResource):
    """ALB + listeners + the api target group."""

    load_balancer: aws.lb.LoadBalancer
    target_group: aws.lb.TargetGroup
    listeners: list
    dns_name: pulumi.Output[str]
    url: pulumi.Output[str]
    target_group_arn: pulumi.Output[str]
    load_balancer_arn_suffix: pulumi.Output[str]
    target_group_arn_suffix: pulumi.Output[str]

    def __init__(self, name: str, args: WebArgs, opts: pulumi.ResourceOptions | None = None):
        check(args.health_check_path.startswith("/"), "WebArgs", "health_check_path",
              args.health_check_path, "must start with /", "use /healthz")
        check(0 <= args.deregistration_delay_seconds <= 3600, "WebArgs", "deregistration_delay_seconds",
              args.deregistration_delay_seconds, "must be between 0 and 3600", "use 30")
        check(1 <= args.idle_timeout_seconds <= 4000, "WebArgs", "idle_timeout_seconds",
              args.idle_timeout_seconds, "must be between 1 and 4000", "use 60")
        check(not args.certificate_arn or ":acm:" in args.certificate_arn, "WebArgs", "certificate_arn",
              args.certificate_arn, "must be an ACM certificate ARN", "copy it from ACM")
        check(len(args.admin_allowed_cidrs) <= ADMIN_MAX_CIDRS, "WebArgs", "admin_allowed_cidrs",
              args.admin_allowed_cidrs, f"must hold at most {ADMIN_MAX_CIDRS} CIDRs (an ALB rule's limit)",
              "list fewer, wider operator networks")
        super().__init__("healthkit:web:Web", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.load_balancer = aws.lb.LoadBalancer(
            f"{name}-alb",
            load_balancer_type="application",
            internal=False,
            subnets=args.public_subnet_ids,
            security_groups=[args.security_group_id],
            idle_timeout=args.idle_timeout_seconds,
            drop_invalid_header_fields=True,
            enable_deletion_protection=args.deletion_protection,
            tags=args.tags,
            opts=child,
        )
        self.target_group = aws.lb.TargetGroup(
            f"{name}-api-tg",
            port=args.target_port,
            protocol="HTTP",
            target_type="ip",
            vpc_id=args.vpc_id,
            deregistration_delay=args.deregistration_delay_seconds,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                enabled=True,
                path=args.health_check_path,
                protocol="HTTP",
                port="traffic-port",
                matcher="200",
                interval=15,
                timeout=5,
                healthy_threshold=2,
                unhealthy_threshold=3,
            ),
            tags=args.tags,
            opts=child,
        )
        forward = [aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=self.target_group.arn)]
        if args.certificate_arn:
            self.listeners = [aws.lb.Listener(
                f"{name}-https", load_balancer_arn=self.load_balancer.arn, port=443, protocol="HTTPS",
                ssl_policy=SSL_POLICY, certificate_arn=args.certificate_arn, default_actions=forward,
                tags=args.tags, opts=child)]
            self.listeners.append(aws.lb.Listener(
                f"{name}-http", load_balancer_arn=self.load_balancer.arn, port=80, protocol="HTTP",
                default_actions=[aws.lb.ListenerDefaultActionArgs(
                    type="redirect",
                    redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                        port="443", protocol="HTTPS", status_code="HTTP_301"),
                )],
                tags=args.tags, opts=child))
        else:
            self.listeners = [aws.lb.Listener(
                f"{name}-http", load_balancer_arn=self.load_balancer.arn, port=80, protocol="HTTP",
                default_actions=forward, tags=args.tags, opts=child)]

        self.admin_rules = admin_listener_rules(
            name, listener=self.listeners[0], target_group=self.target_group,
            allowed_cidrs=args.admin_allowed_cidrs, tags=args.tags, opts=child)

        scheme = "https" if args.certificate_arn else "http"
        self.dns_name = self.load_balancer.dns_name
        self.url = self.load_balancer.dns_name.apply(lambda dns: f"{scheme}://{dns}")
        self.target_group_arn = self.target_group.arn
        self.load_balancer_arn_suffix = self.load_balancer.arn_suffix
        self.target_group_arn_suffix = self.target_group.arn_suffix
        self.register_outputs({"dnsName": self.dns_name, "url": self.url, "targetGroupArn": self.target_group_arn})

    @staticmethod
    def listener_ports(certificate_arn: str) -> list[int]:
        """The ports the ALB listens on for a given certificate setting."""
        return [80, 443] if certificate_arn else [80]
