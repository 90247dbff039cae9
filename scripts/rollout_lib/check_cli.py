"""scripts/deployment-check: after `pulumi up` (or a rollout), fail naming the service and container.

    scripts/deployment-check --stack dev --image <repository>@sha256:<digest> [--outputs outputs.json]

Exit status: 0 every service runs the image, steady; 1 a service failed (one line per problem:
service, container, exit code or reason); 2 invalid input. docs/deploy.md, "When a rollout fails".
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .cli import REPO_ROOT, UsageError, resolve_targets
from .deployment_check import deployment_problems
from .image_ref import EXPECTED, ImageRefError, parse_image_ref
from .stack_config import StackConfigError, config_path, get_value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scripts/deployment-check", description=__doc__.split("\n")[0],
                                     epilog="Exit status: 0 deployed, 1 a service failed, 2 invalid input.")
    parser.add_argument("--stack", required=True, help="stack name: dev or prod")
    parser.add_argument("--image", help=f"the image every service must run, {EXPECTED} (default: not checked)")
    parser.add_argument("--cluster", help="ECS cluster (default: clusterName from --outputs, else healthkit-<stack>)")
    parser.add_argument("--service", action="append", dest="services", metavar="NAME", help="ECS service, repeatable")
    parser.add_argument("--outputs", type=Path, metavar="FILE",
                        help="JSON of `pulumi stack output --json` naming the cluster and services")
    parser.add_argument("--region", help="AWS region (default: aws:region of Pulumi.<stack>.yaml)")
    return parser


def run(argv: Sequence[str] | None = None, *, session_factory: Callable[..., object] | None = None,
        out=sys.stdout) -> int:
    args = build_parser().parse_args(argv)

    def say(message: str) -> None:
        print(message, file=out, flush=True)

    try:
        region = args.region or get_value(config_path(REPO_ROOT, args.stack), "aws:region")
        cluster, services = resolve_targets(args)
        image = str(parse_image_ref(args.image)) if args.image else None
    except (ImageRefError, StackConfigError, UsageError, ValueError) as error:
        say(f"error: {error}")
        return 2
    if session_factory is None:
        import boto3

        session_factory = boto3.Session
    session = session_factory(region_name=region) if region else session_factory()
    try:
        problems = deployment_problems(session.client("ecs"), cluster, services, image=image)
    except Exception as error:  # botocore ClientError, NoCredentialsError...
        if type(error).__module__.startswith(("botocore", "boto3")):
            say(f"error: AWS: {error}")
            return 1
        raise
    if problems:
        say(f"deployment of {', '.join(services)} in {cluster} failed:")
        for problem in problems:
            say(f"  {problem}")
        return 1
    say(f"{', '.join(services)} in {cluster}: steady" + (f" on {image}" if image else ""))
    return 0


def main() -> None:
    sys.exit(run(sys.argv[1:]))
