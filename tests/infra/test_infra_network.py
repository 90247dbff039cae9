"""infra/network.py: VPC and security groups (ALB on its listener ports only, api from the ALB
only, worker with no ingress; the database component adds the database path)."""

from __future__ import annotations

import pytest

from infra.args import ComponentArgsError
from infra.network import Network, NetworkArgs


def rules(run, kind: str, group: str) -> list[dict]:
    sg_id = run.one("aws:ec2/securityGroup:SecurityGroup", f"network-{group}-sg").outputs["id"] \
        if "id" in run.one("aws:ec2/securityGroup:SecurityGroup", f"network-{group}-sg").outputs \
        else run.one("aws:ec2/securityGroup:SecurityGroup", f"network-{group}-sg").id
    return [r.inputs for r in run.of_type(f"aws:vpc/securityGroup{kind}Rule:SecurityGroup{kind}Rule")
            if r.inputs["securityGroupId"] == sg_id]


def sg_id(run, group: str) -> str:
    return run.one("aws:ec2/securityGroup:SecurityGroup", f"network-{group}-sg").id


def test_alb_is_open_only_on_its_listener_ports(dev, prod_https):
    assert [(r["fromPort"], r["toPort"], r["cidrIpv4"]) for r in rules(dev, "Ingress", "alb")] == [(80, 80, "0.0.0.0/0")]
    assert sorted(r["fromPort"] for r in rules(prod_https, "Ingress", "alb")) == [80, 443]


def test_alb_may_only_reach_the_api_tasks_on_the_app_port(dev):
    (egress,) = rules(dev, "Egress", "alb")

    assert (egress["fromPort"], egress["referencedSecurityGroupId"]) == (8000, sg_id(dev, "api"))


def test_api_tasks_are_reachable_only_from_the_alb(stacks):
    for run in stacks:
        (ingress,) = rules(run, "Ingress", "api")
        assert (ingress["fromPort"], ingress["toPort"]) == (8000, 8000)
        assert ingress["referencedSecurityGroupId"] == sg_id(run, "alb") and "cidrIpv4" not in ingress


def test_worker_tasks_accept_no_ingress(stacks):
    for run in stacks:
        assert rules(run, "Ingress", "worker") == []


def test_tasks_leave_only_on_https_and_the_database_port(dev):
    db_sg = dev.one("aws:ec2/securityGroup:SecurityGroup", "database-sg").id

    for group in ("api", "worker"):
        out = {(r["fromPort"], r.get("cidrIpv4") or r.get("referencedSecurityGroupId"))
               for r in rules(dev, "Egress", group)}
        out |= {(r.inputs["fromPort"], r.inputs["referencedSecurityGroupId"])
                for r in dev.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
                if r.inputs["securityGroupId"] == sg_id(dev, group) and r.name.startswith("database-")}
        assert out == {(443, "0.0.0.0/0"), (5432, db_sg)}


def test_dev_vpc_has_one_nat_gateway_and_prod_one_per_az(dev, prod):
    assert dev.one("awsx:ec2:Vpc").inputs["natGateways"] == {"strategy": "Single"}
    assert prod.one("awsx:ec2:Vpc").inputs["natGateways"] == {"strategy": "OnePerAz"}
    assert prod.one("awsx:ec2:Vpc").inputs["numberOfAvailabilityZones"] == 3


def test_tasks_run_in_private_subnets_and_the_alb_in_public_ones(dev):
    vpc = dev.one("awsx:ec2:Vpc").outputs

    assert dev.one("aws:ecs/service:Service", "api-service").inputs["networkConfiguration"]["subnets"] == vpc["privateSubnetIds"]
    assert dev.one("aws:lb/loadBalancer:LoadBalancer").inputs["subnets"] == vpc["publicSubnetIds"]


def test_existing_vpc_needs_two_public_subnets():
    with pytest.raises(ComponentArgsError, match=r"NetworkArgs.public_subnet_ids \(\['subnet-1'\]\) needs >= 2"):
        Network("network", NetworkArgs(listener_ports=[80], vpc_id="vpc-1", public_subnet_ids=["subnet-1"],
                                       private_subnet_ids=["subnet-2"]))


def test_every_security_group_rule_is_tagged_with_the_project(dev):
    rules = dev.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") + \
        dev.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")

    assert rules and all(r.inputs["tags"]["Project"] == "healthkit" for r in rules)
