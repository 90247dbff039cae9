"""The bootstrap's AWS resources: CI access (OIDC provider, preview and deploy roles, the workload
boundary) and the optional Pulumi state backend (S3 + KMS). Policy documents come from policies.py."""

from __future__ import annotations

import json
from collections.abc import Callable

import pulumi
import pulumi_aws as aws

from . import policies
from .settings import BootstrapSettings

# Long enough for a first `pulumi up` that creates the database; the workflows ask for 1 hour.
MAX_SESSION_SECONDS = 2 * 3600
TAGS = {"managed-by": "healthkit-bootstrap"}


def _json(build: Callable[..., dict], *inputs) -> pulumi.Output[str]:
    """A policy document built by a pure function once its inputs are known."""
    return pulumi.Output.all(*inputs).apply(lambda values: json.dumps(build(*values), indent=2))


class StateBackend(pulumi.ComponentResource):
    """S3 bucket and KMS key holding the Pulumi state of the account's stacks and their secrets.

    The bucket is versioned (every checkpoint recoverable), encrypted with the key, private (public
    access blocked, ACLs disabled) and TLS-only. Both are protected from deletion. The same key is
    the stacks' secrets provider (awskms://), so no passphrase is ever stored anywhere.
    """

    def __init__(self, name: str, *, prefix: str, account_id: pulumi.Input[str], region: pulumi.Input[str],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("healthkit:bootstrap:StateBackend", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        protected = pulumi.ResourceOptions(parent=self, protect=True)

        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"Pulumi state and stack secrets of {prefix}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            tags={**TAGS, "purpose": "pulumi-state"},  # no `project` tag: out of the deploy role's reach
            opts=protected,
        )
        self.alias_name = f"alias/{policies.ci_name(prefix, 'pulumi-state')}"
        aws.kms.Alias(f"{name}-key-alias", name=self.alias_name, target_key_id=self.key.key_id, opts=child)

        self.bucket = aws.s3.Bucket(
            f"{name}-bucket",
            bucket=pulumi.Output.all(account_id, region).apply(
                lambda v: f"{policies.ci_name(prefix, 'state')}-{v[0]}-{v[1]}"),
            tags={**TAGS, "purpose": "pulumi-state"},
            opts=protected,
        )
        aws.s3.BucketOwnershipControls(f"{name}-ownership", bucket=self.bucket.id,
                                       rule={"object_ownership": "BucketOwnerEnforced"}, opts=child)
        public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access", bucket=self.bucket.id, block_public_acls=True, block_public_policy=True,
            ignore_public_acls=True, restrict_public_buckets=True, opts=child)
        aws.s3.BucketVersioning(f"{name}-versioning", bucket=self.bucket.id,
                                versioning_configuration={"status": "Enabled"}, opts=child)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption", bucket=self.bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": self.key.arn},
                    "bucket_key_enabled": True}],
            opts=child)
        aws.s3.BucketPolicy(f"{name}-policy", bucket=self.bucket.id,
                            policy=_json(policies.state_bucket_policy, self.bucket.arn),
                            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_access]))

        self.backend_url = pulumi.Output.all(self.bucket.bucket, region).apply(
            lambda v: f"s3://{v[0]}?region={v[1]}&awssdk=v2")
        self.secrets_provider = pulumi.Output.from_input(region).apply(
            lambda r: f"awskms://{self.alias_name}?region={r}")
        self.register_outputs({"bucket": self.bucket.bucket, "keyArn": self.key.arn, "backendUrl": self.backend_url})


class CiAccess(pulumi.ComponentResource):
    """What GitHub Actions of one repository may do in this account.

    - the GitHub OIDC provider (audience sts.amazonaws.com), unless one exists;
    - ci-<prefix>-preview: AWS ReadOnlyAccess minus application data, assumable only by this
      repository's pull_request workflows;
    - ci-<prefix>-deploy: manages only <prefix>-* resources, passes only <prefix>-* roles to ECS
      tasks, creates roles only under the workload boundary; assumable only from the deploy branch
      and the protected environment;
    - ci-<prefix>-workload-boundary: the permissions boundary of every role the deploy role creates.
    """

    def __init__(self, name: str, *, settings: BootstrapSettings, account_id: pulumi.Input[str],
                 partition: pulumi.Input[str], state: StateBackend | None,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("healthkit:bootstrap:CiAccess", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        prefix = settings.project_prefix

        def scope(account: str, part: str) -> policies.Scope:
            return policies.Scope(account_id=account, prefix=prefix, partition=part)

        if settings.existing_oidc_provider_arn:
            self.oidc_provider_arn: pulumi.Output[str] = pulumi.Output.from_input(settings.existing_oidc_provider_arn)
        else:
            provider = aws.iam.OpenIdConnectProvider(
                f"{name}-github-oidc", url=policies.GITHUB_OIDC_URL, client_id_lists=[policies.STS_AUDIENCE],
                tags=TAGS, opts=child)
            self.oidc_provider_arn = provider.arn

        self.boundary = aws.iam.Policy(
            f"{name}-workload-boundary",
            name=policies.ci_name(prefix, "workload-boundary"),
            description=f"Permissions boundary of every {prefix}-* role created by CI",
            policy=_json(lambda a, p: policies.workload_boundary_policy(scope(a, p)), account_id, partition),
            tags=TAGS, opts=child)

        state_inputs = [state.bucket.arn, state.key.arn] if state else []

        def state_of(values: list) -> policies.StateBackend | None:
            return policies.StateBackend(bucket_arn=values[0], key_arn=values[1]) if state else None

        # --- preview ---
        self.preview_role = aws.iam.Role(
            f"{name}-preview",
            name=policies.ci_name(prefix, "preview"),
            description=f"pulumi preview from pull requests of {settings.github_repository} (read-only)",
            assume_role_policy=_json(
                lambda arn: policies.github_trust_policy(arn, policies.preview_subjects(settings.github_repository)),
                self.oidc_provider_arn),
            max_session_duration=MAX_SESSION_SECONDS,
            tags=TAGS, opts=child)
        aws.iam.RolePolicyAttachment(
            f"{name}-preview-read-only", role=self.preview_role.name,
            policy_arn=pulumi.Output.from_input(partition).apply(lambda p: f"arn:{p}:iam::aws:policy/ReadOnlyAccess"),
            opts=child)
        aws.iam.RolePolicy(
            f"{name}-preview-guard", role=self.preview_role.name, name="preview-guard",
            policy=_json(lambda a, p, *s: policies.preview_policy(scope(a, p), state_of(list(s))),
                         account_id, partition, *state_inputs),
            opts=child)

        # --- deploy ---
        self.deploy_role = aws.iam.Role(
            f"{name}-deploy",
            name=policies.ci_name(prefix, "deploy"),
            description=f"pulumi up and image pushes from {settings.deploy_branch} / the {settings.deploy_environment} "
                        f"environment of {settings.github_repository}",
            assume_role_policy=_json(
                lambda arn: policies.github_trust_policy(arn, policies.deploy_subjects(
                    settings.github_repository, settings.deploy_branch, settings.deploy_environment)),
                self.oidc_provider_arn),
            max_session_duration=MAX_SESSION_SECONDS,
            tags=TAGS, opts=child)
        names = ["deploy-containers", "deploy-observability", "deploy-data", "deploy-network", "deploy-iam", "deploy-exports"]
        if state:
            names.append("deploy-state")
        self.deploy_policies: dict[str, aws.iam.Policy] = {}
        for suffix in names:
            boundary = self.boundary.arn if settings.require_workload_boundary else None
            document = _json(
                lambda a, p, b, *s, suffix=suffix: policies.deploy_policies(scope(a, p), b, state_of(list(s)))[suffix],
                account_id, partition, boundary, *state_inputs)
            policy = aws.iam.Policy(f"{name}-{suffix}", name=policies.ci_name(prefix, suffix), policy=document,
                                    tags=TAGS, opts=child)
            aws.iam.RolePolicyAttachment(f"{name}-{suffix}", role=self.deploy_role.name, policy_arn=policy.arn, opts=child)
            self.deploy_policies[suffix] = policy

        self.register_outputs({
            "previewRoleArn": self.preview_role.arn,
            "deployRoleArn": self.deploy_role.arn,
            "oidcProviderArn": self.oidc_provider_arn,
            "workloadBoundaryArn": self.boundary.arn,
        })


def bootstrap(settings: BootstrapSettings, opts: pulumi.ResourceOptions | None = None) -> dict[str, pulumi.Output]:
    """Everything for one account; returns the stack outputs (see docs/deploy.md for their use).

    ``opts`` applies to both components (e.g. a provider, or transformations in tests).
    """
    account_id = aws.get_caller_identity_output().account_id
    partition = aws.get_partition_output().partition
    region = aws.get_region_output().region

    state = (StateBackend("pulumi-state", prefix=settings.project_prefix, account_id=account_id, region=region, opts=opts)
             if settings.create_state_backend else None)
    ci = CiAccess("ci", settings=settings, account_id=account_id, partition=partition, state=state, opts=opts)

    outputs: dict[str, pulumi.Output] = {
        "oidcProviderArn": ci.oidc_provider_arn,
        "previewRoleArn": ci.preview_role.arn,
        "deployRoleArn": ci.deploy_role.arn,
        "workloadBoundaryArn": ci.boundary.arn,
    }
    github_variables = {
        "AWS_PREVIEW_ROLE_ARN": ci.preview_role.arn,
        "AWS_DEPLOY_ROLE_ARN": ci.deploy_role.arn,
        "AWS_REGION": region,
    }
    if state:
        outputs.update({
            "stateBucket": state.bucket.bucket,
            "stateBackendUrl": state.backend_url,
            "secretsProvider": state.secrets_provider,
        })
        github_variables["PULUMI_BACKEND_URL"] = state.backend_url
    outputs["githubVariables"] = pulumi.Output.all(**github_variables)
    return outputs
