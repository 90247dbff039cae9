"""scripts/rollout: ship an image to a stack's api and worker services in one step.

    scripts/rollout --stack dev --image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/healthkit@sha256:<64 hex>
    scripts/rollout --stack dev --push healthkit:local

For each service: DescribeTaskDefinition of the revision it runs, RegisterTaskDefinition of the
same definition with only the app containers' image replaced, UpdateService; then wait until both
are stable and write the image to Pulumi.<stack>.yaml (<project>:image) so the next `pulumi up`
keeps it. See docs/deploy.md, "Rolling out an image without Pulumi".
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from .ecs_rollout import RolloutError, apply, describe_services, plan, wait_until_stable
from .image_ref import EXPECTED, ImageRef, ImageRefError, parse_image_ref, repository_of
from .push import PushError, default_tag, image_platform, push_image
from .stack_config import StackConfigError, config_path, get_value, project_name, set_value
from .taskdefs import TaskDefinitionError, architecture

REPO_ROOT = Path(__file__).resolve().parents[2]

# Stack outputs (`pulumi stack output --json`) naming the targets, and the names used without them.
CLUSTER_OUTPUT = "clusterName"
SERVICE_OUTPUTS = ("apiServiceName", "workerServiceName")


def default_cluster(stack: str) -> str:
    return f"healthkit-{stack}"


def default_services(stack: str) -> list[str]:
    return ["api", "worker"]  # the main program's service names, inside cluster healthkit-<stack>


class UsageError(ValueError):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scripts/rollout",
        description="Roll the api and worker services of a stack to one new image (by digest), "
        "then record it in Pulumi.<stack>.yaml.",
        epilog="Exit status: 0 done, 1 AWS or rollout failure, 2 invalid input.",
    )
    parser.add_argument("--stack", required=True, help="stack name: dev or prod")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--image", help=f"an already-pushed image, {EXPECTED}")
    source.add_argument("--push", metavar="LOCAL_IMAGE", help="a local image to push to ECR first (docker CLI)")
    parser.add_argument("--repository", help="ECR repository URI for --push (default: the repository of the stack's current image)")
    parser.add_argument("--tag", help="tag for --push (default: rollout-<UTC timestamp>)")
    parser.add_argument("--cluster", help=f"ECS cluster (default: {CLUSTER_OUTPUT} from --outputs, else healthkit-<stack>)")
    parser.add_argument("--service", action="append", dest="services", metavar="NAME",
                        help="ECS service, repeatable (default: apiServiceName and workerServiceName from --outputs, else api and worker)")
    parser.add_argument("--outputs", type=Path, metavar="FILE", help="JSON of `pulumi stack output --json` naming the cluster and services")
    parser.add_argument("--container", action="append", dest="containers", default=[], metavar="NAME",
                        help="container whose image to replace, repeatable (default: every container running the image's repository)")
    parser.add_argument("--region", help="AWS region (default: aws:region of the stack config, else the AWS environment)")
    parser.add_argument("--config-file", type=Path, help="stack config to update (default: Pulumi.<stack>.yaml at the repository root)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for both services to be stable (default: 900)")
    parser.add_argument("--poll", type=float, default=15.0, help=argparse.SUPPRESS)
    parser.add_argument("--no-wait", action="store_true", help="do not wait for stability (the config is written right after the update)")
    parser.add_argument("--dry-run", action="store_true", help="show the new task definitions' changes; change nothing")
    return parser


def resolve_targets(args: argparse.Namespace) -> tuple[str, list[str]]:
    outputs: dict = {}
    if args.outputs:
        try:
            outputs = json.loads(args.outputs.read_text())
        except (OSError, json.JSONDecodeError) as error:
            raise UsageError(f"--outputs {args.outputs}: cannot read stack outputs ({error})") from error
    cluster = args.cluster or outputs.get(CLUSTER_OUTPUT) or default_cluster(args.stack)
    services = args.services or [outputs[k] for k in SERVICE_OUTPUTS if outputs.get(k)] or default_services(args.stack)
    if len(set(services)) != len(services):
        raise UsageError(f"services listed twice: {services}")
    return cluster, services


def run(
    argv: Sequence[str] | None = None,
    *,
    session_factory: Callable[..., object] | None = None,
    docker: Callable | None = None,
    sleep: Callable[[float], None] = time.sleep,
    repo_root: Path = REPO_ROOT,
    out=sys.stdout,
) -> int:
    args = build_parser().parse_args(argv)

    def say(message: str) -> None:
        print(message, file=out, flush=True)

    try:
        config_file = args.config_file or config_path(repo_root, args.stack)
        image_key = f"{project_name(repo_root)}:image"
        configured_image = get_value(config_file, image_key)
        region = args.region or get_value(config_file, "aws:region")
        cluster, services = resolve_targets(args)
        image = parse_image_ref(args.image) if args.image else None
        if args.push and not (args.repository or isinstance(configured_image, str)):
            raise UsageError(f"--push needs --repository (no {image_key} in {config_file} to take it from)")
    except (ImageRefError, StackConfigError, UsageError) as error:
        say(f"error: {error}")
        return 2

    if session_factory is None:
        import boto3

        session_factory = boto3.Session
    session = session_factory(region_name=region) if region else session_factory()
    ecs = session.client("ecs")

    plans = []
    try:
        if args.push:
            image = _push(args, session, ecs, cluster, services, configured_image, docker, say)
        assert image is not None
        plans = plan(ecs, cluster, services, image, args.containers)
        for p in plans:
            say(f"{p.service}: {p.current_task_definition}: containers {', '.join(p.containers) or '(none)'} "
                f"from {p.previous_image} to {image}")
            if p.dropped_fields:
                say(f"  note: fields RegisterTaskDefinition does not accept were left out: {', '.join(p.dropped_fields)}")
        if args.dry_run:
            say("dry run: nothing registered, updated or written")
            return 0

        rollouts = apply(ecs, cluster, plans)
        for r in rollouts:
            say(f"{r.service}: now on {r.task_definition}")
        if not args.no_wait:
            say(f"waiting up to {args.timeout:.0f} s for {', '.join(services)} to be stable")
            wait_until_stable(ecs, cluster, rollouts, timeout=args.timeout, poll=args.poll, sleep=sleep, report=say)
    except (ImageRefError, TaskDefinitionError) as error:
        say(f"error: {error}")
        return 2
    except (RolloutError, PushError) as error:
        say(f"error: {error}")
        say(f"{config_file} was not changed ({image_key} still {configured_image}).")
        if plans and not args.dry_run:
            say(f"to go back: scripts/rollout --stack {args.stack} --image {plans[0].previous_image}")
        return 1
    except Exception as error:  # botocore ClientError, NoCredentialsError, EndpointConnectionError...
        if type(error).__module__.startswith(("botocore", "boto3")):
            say(f"error: AWS: {error}")
            return 1
        raise

    set_value(config_file, image_key, str(image))
    say(f"{config_file.name}: {image_key} = {image}")
    say("commit it, so the next `pulumi up` deploys this image rather than the previous one.")
    return 0


def _push(args, session, ecs, cluster, services, configured_image, docker, say) -> ImageRef:
    import subprocess

    runner = docker or subprocess.run
    repository = repository_of(args.repository or configured_image)
    first = describe_services(ecs, cluster, services)[0]
    wanted = f"linux/{architecture(ecs.describe_task_definition(taskDefinition=first['taskDefinition'])['taskDefinition'])}"
    platform = image_platform(args.push, run=runner)
    if platform != wanted:
        raise PushError(f"{args.push} is {platform} but the tasks run {wanted}: build with `docker buildx build --platform {wanted}`")
    tag = args.tag or default_tag()
    say(f"pushing {args.push} as {repository}:{tag}")
    image = push_image(args.push, repository, tag, ecr=session.client("ecr"), run=runner)
    say(f"pushed {image}")
    return image


def main() -> None:
    sys.exit(run(sys.argv[1:]))
