"""infra/database.py and infra/secrets.py: an RDS PostgreSQL or an existing one; the Django key."""

from __future__ import annotations

import pytest

from infra.args import ComponentArgsError
from infra.database import Database, DatabaseArgs


def test_created_database_is_encrypted_private_and_its_password_managed_by_rds(stacks):
    for run in stacks:
        db = run.one("aws:rds/instance:Instance").inputs
        assert (db["engine"], db["storageEncrypted"], db["publiclyAccessible"]) == ("postgres", True, False)
        assert db["manageMasterUserPassword"] is True and "password" not in db
        assert db["vpcSecurityGroupIds"] == [run.one("aws:ec2/securityGroup:SecurityGroup", "database-sg").id]


def test_database_accepts_connections_from_the_task_groups_only(dev):
    db_sg = dev.one("aws:ec2/securityGroup:SecurityGroup", "database-sg").id
    task_sgs = {dev.one("aws:ec2/securityGroup:SecurityGroup", f"network-{g}-sg").id for g in ("api", "worker")}

    ingress = [r.inputs for r in dev.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
               if r.inputs["securityGroupId"] == db_sg]
    assert {r["referencedSecurityGroupId"] for r in ingress} == task_sgs
    assert all((r["fromPort"], r["toPort"]) == (5432, 5432) and "cidrIpv4" not in r for r in ingress)


def test_database_enforces_tls(dev):
    (parameter,) = dev.one("aws:rds/parameterGroup:ParameterGroup").inputs["parameters"]

    assert (parameter["name"], parameter["value"]) == ("rds.force_ssl", "1")


def test_prod_database_is_multi_az_backed_up_and_keeps_a_final_snapshot(prod):
    db = prod.one("aws:rds/instance:Instance").inputs

    assert (db["multiAz"], db["backupRetentionPeriod"], db["skipFinalSnapshot"]) == (True, 14, False)
    assert db["applyImmediately"] is False


def test_django_secret_key_is_a_generated_secret_never_plain(dev):
    version = dev.one("aws:secretsmanager/secretVersion:SecretVersion")

    assert version.inputs["secretId"] == dev.one("aws:secretsmanager/secret:Secret").id
    assert "secretString" in version.secret_inputs
    assert dev.one("random:index/randomPassword:RandomPassword").inputs["length"] == 64


def test_existing_database_mode_needs_the_secret_arn():
    with pytest.raises(ComponentArgsError, match="DatabaseArgs.existing_secret_arn"):
        Database("database", DatabaseArgs(identifier="x", client_security_group_ids=["sg-1"], mode="existing",
                                          existing_host="db.example.com"))
