"""IAM policy documents of the bootstrap, as pure functions (no Pulumi; tests call them directly).

Naming rule that keeps the deploy role away from its own keys: everything the bootstrap creates is
named ``ci-<prefix>-...`` (roles, policies, boundary, state bucket and key alias), which never
matches the ``<prefix>-*`` patterns the deploy role may manage or pass.

Scoping, by service (the IAM Service Authorization Reference decides what can be scoped):
- by name prefix in ARNs: ECR, ECS (cluster, service, task definition family), SQS, SNS, Logs,
  CloudWatch alarms and dashboards, Secrets Manager, RDS, IAM roles and policies, KMS aliases;
- by the ``Project`` tag (aws:RequestTag on create, aws:ResourceTag after): EC2 networking, KMS
  keys and the load balancer, whose ARNs carry random ids or generated names. The main program
  tags every taggable resource ``Project=<appName>`` (infra/settings/);
- unscoped, because AWS allows nothing narrower: reads (Describe*/List*), ecr:GetAuthorizationToken,
  ecs:DeregisterTaskDefinition / DescribeTaskDefinition.

One concern per module: ``documents`` (names, scopes and statement building blocks), ``trust``
(who may assume the CI roles), ``preview`` (the read-only role), ``workload`` (the boundary of
every project role), ``deploy`` (the deploy role's policies), ``state`` (the state bucket).
"""

from healthkit_bootstrap.policies.deploy import (
    deploy_containers_policy,
    deploy_data_policy,
    deploy_iam_policy,
    deploy_network_policy,
    deploy_observability_policy,
    deploy_policies,
    deploy_state_policy,
)
from healthkit_bootstrap.policies.documents import (
    ECS_TASKS_SERVICE,
    GITHUB_OIDC_HOST,
    GITHUB_OIDC_URL,
    PROJECT_TAG,
    SERVICE_LINKED_ROLES,
    STS_AUDIENCE,
    VERSION,
    Scope,
    StateBackend,
    ci_name,
    document,
    ecr_repositories,
    log_groups,
    statement,
)
from healthkit_bootstrap.policies.preview import preview_policy
from healthkit_bootstrap.policies.state import state_bucket_policy
from healthkit_bootstrap.policies.trust import deploy_subjects, github_trust_policy, preview_subjects
from healthkit_bootstrap.policies.workload import workload_boundary_policy

__all__ = [
    "ECS_TASKS_SERVICE", "GITHUB_OIDC_HOST", "GITHUB_OIDC_URL", "PROJECT_TAG", "SERVICE_LINKED_ROLES", "STS_AUDIENCE",
    "VERSION", "Scope", "StateBackend", "ci_name", "deploy_containers_policy", "deploy_data_policy",
    "deploy_iam_policy", "deploy_network_policy", "deploy_observability_policy", "deploy_policies",
    "deploy_state_policy", "deploy_subjects", "document", "ecr_repositories", "github_trust_policy", "log_groups",
    "preview_policy", "preview_subjects", "state_bucket_policy", "statement", "workload_boundary_policy",
]
