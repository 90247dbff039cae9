"""`python manage.py create_api_token <username> [--rotate] [--secret-id ID]`.

Creates the user if needed and hands over their API token without ever writing it to a log:

- `--secret-id ID`: the token is written to that AWS Secrets Manager secret (PutSecretValue;
  the secret must exist and the caller may write it); only the secret's id is printed.
  This is how to run it as a one-off ECS task, whose output goes to CloudWatch Logs;
- otherwise the token is printed only when stdout is a terminal (an operator's shell); a
  command whose stdout is a pipe, a file or a log driver refuses and writes nothing.
"""

import boto3
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

NOT_A_TERMINAL = (
    "refusing to print the token: stdout is not a terminal (a one-off ECS task's output goes to "
    "CloudWatch Logs); give --secret-id to write it to Secrets Manager instead"
)
STORED = "the token of {username} is in secret {secret_id} (SecretString)"


def secret_value_put(*, secret_id: str, value: str) -> None:
    """Write `value` as the secret's new current version (AWS_ENDPOINT_URL_SECRETS_MANAGER for emulators)."""
    client = boto3.client("secretsmanager", region_name=settings.AWS_REGION)
    client.put_secret_value(SecretId=secret_id, SecretString=value)


class Command(BaseCommand):
    help = "Create the user if needed; write their API token to Secrets Manager, or print it to a terminal."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--rotate", action="store_true", help="replace an existing token with a new one")
        parser.add_argument("--secret-id", default="", help="Secrets Manager secret (name or ARN) to write it to")

    def handle(self, *args, username: str, rotate: bool, secret_id: str, **options) -> None:
        if not secret_id and not self.stdout.isatty():
            raise CommandError(NOT_A_TERMINAL)
        with transaction.atomic():
            user, created = get_user_model().objects.get_or_create(username=username)
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                self.stderr.write(f"created user {username}")
            if rotate:
                Token.objects.filter(user=user).delete()
            token, _ = Token.objects.get_or_create(user=user)
            if secret_id:  # inside the transaction: a token nobody received is not kept
                secret_value_put(secret_id=secret_id, value=token.key)
        self.stdout.write(STORED.format(username=username, secret_id=secret_id) if secret_id else token.key)
