"""App secrets the stack creates: the Django secret key, a random value kept in Secrets Manager.

The value lives only in Secrets Manager and in the (encrypted) Pulumi state; containers get it
through ECS ``secrets``, never as plain environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from infra.args import check


@dataclass
class AppSecretsArgs:
    """Arguments of :class:`AppSecrets`."""

    secret_name_prefix: str
    """Prefix of the secret names: ``<prefix>/django-secret-key``. Required."""

    key_length: int = 64
    """Length of the generated Django secret key. >= 50 (Django's check). Default: 64."""

    protect: bool = False
    """Pulumi ``protect`` and a 30-day recovery window (prod); otherwise the secret is deleted at
    once so the name can be reused. Default: false."""

    tags: dict[str, str] = field(default_factory=dict)
    """Tags on the secret. Default: none."""


class AppSecrets(pulumi.ComponentResource):
    """The Django secret key in Secrets Manager."""

    django_secret_key: aws.secretsmanager.Secret
    django_secret_key_version: aws.secretsmanager.SecretVersion
    """The key's value: a task started before it exists could not read the secret."""
    django_secret_key_arn: pulumi.Output[str]

    def __init__(self, name: str, args: AppSecretsArgs, opts: pulumi.ResourceOptions | None = None):
        check(bool(args.secret_name_prefix), "AppSecretsArgs", "secret_name_prefix",
              args.secret_name_prefix, "is required", "e.g. healthkit-dev")
        check(args.key_length >= 50, "AppSecretsArgs", "key_length", args.key_length,
              "must be >= 50 (Django's security check)", "use 64")
        super().__init__("healthkit:secrets:AppSecrets", name, None, opts)

        value = random.RandomPassword(
            f"{name}-django-secret-key-value",
            length=args.key_length,
            special=True,
            override_special="!#%&*()-_=+[]{}<>:?",
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.django_secret_key = aws.secretsmanager.Secret(
            f"{name}-django-secret-key",
            name=f"{args.secret_name_prefix}/django-secret-key",
            description="DJANGO_SECRET_KEY of the api and worker services",
            recovery_window_in_days=30 if args.protect else 0,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.django_secret_key_version = aws.secretsmanager.SecretVersion(
            f"{name}-django-secret-key-version",
            secret_id=self.django_secret_key.id,
            secret_string=value.result,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.django_secret_key_arn = self.django_secret_key.arn
        self.register_outputs({"djangoSecretKeyArn": self.django_secret_key_arn})
