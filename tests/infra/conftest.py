"""Shared mock runs of the stack program: each configuration runs ONCE per session and every test
reads the same recording (the runs are deterministic)."""

from __future__ import annotations

import pytest

from proof.mockrun import StackRun, run_stack

CERTIFICATE_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
EXISTING = {
    "vpcId": "vpc-0a1b2c3d4e5f60718",
    "publicSubnetIds": ["subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60712"],
    "privateSubnetIds": ["subnet-0a1b2c3d4e5f60721", "subnet-0a1b2c3d4e5f60722"],
    "database": "existing",
    "dbHost": "shared-db.example.internal",
    "dbSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:shared-db-AbCdEf",
    "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/healthkit-dev:release-42",
}


def pytest_configure(config):
    # Deprecation notices the provider SDKs print about their own modules when imported.
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:pulumi_aws.*")
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:pulumi_awsx.*")


@pytest.fixture(scope="session")
def dev() -> StackRun:
    """Pulumi.yaml defaults + Pulumi.dev.yaml."""
    return run_stack("dev")


@pytest.fixture(scope="session")
def prod() -> StackRun:
    """Pulumi.yaml defaults + Pulumi.prod.yaml."""
    return run_stack("prod")


@pytest.fixture(scope="session")
def prod_https() -> StackRun:
    """prod with a certificate, a domain name and an alarm e-mail."""
    return run_stack("prod", {"certificateArn": CERTIFICATE_ARN, "domainName": "api.example.com",
                              "alarmEmail": "oncall@example.com"})


@pytest.fixture(scope="session")
def prod_admin() -> StackRun:
    """prod with the admin open to one operators' network."""
    return run_stack("prod", {"adminAllowedCidrs": ["203.0.113.0/24"]})


@pytest.fixture(scope="session")
def dev_existing() -> StackRun:
    """dev into an existing VPC and database, running an image pinned by tag."""
    return run_stack("dev", EXISTING)


@pytest.fixture(scope="session")
def stacks(dev, prod) -> list[StackRun]:
    """Both stacks' runs, for invariants that hold everywhere."""
    return [dev, prod]


@pytest.fixture(scope="session")
def all_runs(dev, prod, prod_https, dev_existing) -> list[StackRun]:
    """Every configuration the suite runs."""
    return [dev, prod, prod_https, dev_existing]
