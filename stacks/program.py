"""The stack program: compose the components of ``infra/`` for one environment.

``deploy(settings)`` creates everything and returns the stack outputs; ``main()`` is what
``__main__.py`` runs (read config, validate, deploy, export). Both the Pulumi engine and
``proof.mockrun`` call ``main()``.
"""

from __future__ import annotations

from pathlib import Path

import pulumi

from infra import invariants as inv
from infra.alarms import Alarms, AlarmsArgs, AlarmThresholds
from infra.cluster import Cluster, ClusterArgs
from infra.containers import (
    EnvironmentInputs,
    SecretInputs,
    api_container_definitions,
    shared_container_settings,
    worker_container_definitions,
)
from infra.dashboard import Dashboard, DashboardArgs
from infra.exports_bucket import ExportsBucket, ExportsBucketArgs
from infra.monitoring import MonitoredResources
from infra.database import Database, DatabaseArgs
from infra.iam import TaskRoles, TaskRolesArgs
from infra.network import Network, NetworkArgs
from infra.queue import Queue, QueueArgs
from infra.registry import Registry, RegistryArgs
from infra.scaling import ServiceScaling, ServiceScalingArgs
from infra.secrets import AppSecrets, AppSecretsArgs
from infra.service import (
    CapacityShare,
    FargateService,
    FargateServiceArgs,
    LoadBalancerTarget,
    capacity_provider_strategy,
)
from infra.settings import Settings
from infra.web import Web, WebArgs

REPO_ROOT = Path(__file__).resolve().parent.parent

#: ECS service names (unique within the stack's cluster).
API_SERVICE = "api"
WORKER_SERVICE = "worker"

#: Stack outputs, in the order docs/infra.md describes them.
OUTPUT_NAMES = (
    "apiUrl", "queueUrl", "deadLetterQueueUrl", "repositoryUrl", "image", "clusterName",
    "apiServiceName", "workerServiceName", "dashboardUrl", "alarmTopicArn", "logGroupName",
    "databaseHost", "exportsBucketName",
)


def deploy(s: Settings) -> dict[str, pulumi.Output]:
    """Create the stack's resources for validated settings; return the stack outputs."""
    tags = s.tags
    protect = s.protect_stateful_resources

    registry = Registry("registry", RegistryArgs(
        repository_name=s.name_prefix,
        image=s.image,
        build_context=str((REPO_ROOT / s.docker_context).resolve()) if s.builds_image else "",
        dockerfile=str((REPO_ROOT / s.dockerfile).resolve()) if s.builds_image else "",
        platform="linux/arm64" if s.cpu_architecture == "ARM64" else "linux/amd64",
        max_images=s.ecr_max_images,
        protect=protect,
        tags=tags,
    ))
    queue = Queue("queue", QueueArgs(
        queue_name=f"{s.name_prefix}-{inv.CELERY_QUEUE_NAME}",
        task_time_limit_seconds=s.task_time_limit_seconds,
        visibility_timeout_seconds=s.visibility_timeout_seconds,
        max_receive_count=s.queue_max_receive_count,
        message_retention_seconds=s.queue_message_retention_seconds,
        protect=protect,
        tags=tags,
    ))
    network = Network("network", NetworkArgs(
        listener_ports=Web.listener_ports(s.certificate_arn),
        vpc_id=s.vpc_id,
        public_subnet_ids=s.public_subnet_ids,
        private_subnet_ids=s.private_subnet_ids,
        cidr_block=s.vpc_cidr,
        availability_zones=s.availability_zones,
        nat_gateways=s.nat_gateways,
        ingress_cidrs=s.alb_ingress_cidrs,
        app_port=inv.API_PORT,
        tags=tags,
    ))
    cluster = Cluster("cluster", ClusterArgs(
        cluster_name=s.name_prefix,
        log_group_name=f"/ecs/{s.name_prefix}",
        log_retention_days=s.log_retention_days,
        protect=protect,
        tags=tags,
    ))
    secrets = AppSecrets("secrets", AppSecretsArgs(secret_name_prefix=s.name_prefix, protect=protect, tags=tags))
    database = Database("database", DatabaseArgs(
        identifier=f"{s.name_prefix}-db",
        client_security_group_ids=[network.api_security_group.id, network.worker_security_group.id],
        mode=s.database,
        vpc_id=network.vpc_id,
        subnet_ids=network.private_subnet_ids,
        db_name=s.db_name,
        port=s.db_port,
        instance_class=s.db_instance_class,
        engine_version=s.db_engine_version,
        allocated_storage_gb=s.db_allocated_storage_gb,
        max_allocated_storage_gb=s.db_max_allocated_storage_gb,
        multi_az=s.db_multi_az,
        backup_retention_days=s.db_backup_retention_days,
        existing_host=s.db_host,
        existing_secret_arn=s.db_secret_arn,
        protect=protect,
        tags=tags,
    ))
    exports = ExportsBucket("exports", ExportsBucketArgs(
        bucket_prefix=s.exports_bucket_prefix,
        retention_days=s.export_retention_days,
        force_destroy=not protect,
        tags=tags,
    ))
    roles = TaskRoles("iam", TaskRolesArgs(
        account_id=registry.registry_id,
        region=s.region,
        repository_arn=registry.repository_arn,
        log_group_arns=[cluster.log_group_arn],
        secret_arns=[secrets.django_secret_key_arn],
        queue_arn=queue.arn,
        database_secret_arn=database.secret_arn,
        exports_bucket_arn=exports.arn,
        permissions_boundary=_policy_arn(s.role_permissions_boundary, registry.registry_id),
        name_prefix=s.name_prefix,
        tags=tags,
    ))
    web = Web("web", WebArgs(
        vpc_id=network.vpc_id,
        public_subnet_ids=network.public_subnet_ids,
        security_group_id=network.alb_security_group.id,
        certificate_arn=s.certificate_arn,
        deregistration_delay_seconds=s.deregistration_delay_seconds,
        idle_timeout_seconds=s.alb_idle_timeout_seconds,
        deletion_protection=protect,
        admin_allowed_cidrs=list(s.admin_allowed_cidrs),
        tags=tags,
    ))

    # The ONE set of container settings, built once, shared by both task definitions.
    shared = pulumi.Output.all(
        image=registry.image_ref, queue_url=queue.url, db_host=database.host, db_port=database.port,
        alb_dns=web.dns_name, log_group=cluster.log_group_name,
        django_secret=secrets.django_secret_key_arn, db_secret=database.secret_arn,
        exports_bucket=exports.bucket_name,
    ).apply(lambda v: shared_container_settings(
        image=v["image"],
        environment=EnvironmentInputs(
            environment_name=s.environment,
            allowed_hosts=[s.domain_name, v["alb_dns"]],
            db_host=v["db_host"], db_port=int(v["db_port"]), db_name=s.db_name, db_ssl_mode=s.db_ssl_mode,
            db_secret_arn=v["db_secret"],
            region=s.region,
            queue_url=v["queue_url"],
            task_time_limit_seconds=s.task_time_limit_seconds,
            task_soft_time_limit_seconds=s.task_soft_time_limit_seconds,
            worker_concurrency=s.worker_concurrency,
            worker_soft_shutdown_seconds=s.worker_soft_shutdown_seconds,
            worker_heartbeat_max_age_seconds=s.worker_heartbeat_max_age_seconds,
            import_chunk_size=s.import_chunk_size,
            chunk_max_attempts=s.queue_max_receive_count,
            gunicorn_workers=s.gunicorn_workers,
            gunicorn_threads=s.gunicorn_threads,
            emf_namespace=s.emf_namespace,
            emf_service_name=s.emf_service_name,
            admin_enabled=bool(s.admin_allowed_cidrs),
            exports_bucket=v["exports_bucket"],
            export_max_bytes=s.export_max_bytes,
        ),
        secrets=SecretInputs(django_secret_key_arn=v["django_secret"]),
        log_group_name=v["log_group"],
        stream_prefix=s.app_name,
    ))

    # What both services share: cluster, execution role, private subnets, architecture, tags, and
    # the order AWS needs: role policies and secret values before any task starts, capacity
    # providers before a service names them.
    in_cluster = dict(
        cluster_arn=cluster.cluster_arn,
        cpu_architecture=s.cpu_architecture,
        execution_role_arn=roles.execution_role.arn,
        subnet_ids=network.private_subnet_ids,
        rollout_timeout_minutes=s.rollout_timeout_minutes,
        task_depends_on=[*roles.policies, secrets.django_secret_key_version],
        service_depends_on=[cluster.capacity_providers],
        tags=tags,
    )
    api = FargateService("api", FargateServiceArgs(
        service_name=API_SERVICE,
        family=f"{s.name_prefix}-api",
        container_definitions=shared.apply(api_container_definitions),
        cpu=s.api_cpu,
        memory=s.api_memory,
        task_role_arn=roles.api_task_role.arn,
        security_group_ids=[network.api_security_group.id],
        desired_count=s.api_min_count,
        capacity_providers=[CapacityShare("FARGATE", weight=1)],
        load_balancer=LoadBalancerTarget(web.target_group_arn, container_name="api", container_port=inv.API_PORT,
                                         depends_on=web.listeners),
        health_check_grace_period_seconds=s.health_check_grace_period_seconds,
        **in_cluster,
    ))
    worker = FargateService("worker", FargateServiceArgs(
        service_name=WORKER_SERVICE,
        family=f"{s.name_prefix}-worker",
        container_definitions=shared.apply(worker_container_definitions),
        cpu=s.worker_cpu,
        memory=s.worker_memory,
        task_role_arn=roles.worker_task_role.arn,
        security_group_ids=[network.worker_security_group.id],
        desired_count=max(1, s.worker_min_count),
        capacity_providers=capacity_provider_strategy(
            spot_percent=s.worker_spot_percent, on_demand_base=s.worker_on_demand_base),
        **in_cluster,
    ))

    cooldowns = {"scale_in_cooldown_seconds": s.scale_in_cooldown_seconds,
                 "scale_out_cooldown_seconds": s.scale_out_cooldown_seconds, "tags": tags}
    ServiceScaling("api-scaling", ServiceScalingArgs(
        cluster_name=cluster.cluster_name,
        service_name=api.service_name,
        min_count=s.api_min_count,
        max_count=s.api_max_count,
        cpu_target_percent=s.api_cpu_target_percent,
        requests_per_target=s.api_requests_per_target,
        alb_resource_label=pulumi.Output.concat(web.load_balancer_arn_suffix, "/", web.target_group_arn_suffix),
        **cooldowns,
    ))
    ServiceScaling("worker-scaling", ServiceScalingArgs(
        cluster_name=cluster.cluster_name,
        service_name=worker.service_name,
        min_count=max(1, s.worker_min_count),
        max_count=s.worker_max_count,
        backlog_per_task=s.worker_backlog_per_task,
        queue_name=queue.queue_name,
        **cooldowns,
    ))
    monitored = MonitoredResources(
        queue_name=queue.queue_name,
        dlq_name=queue.dlq_name,
        cluster_name=cluster.cluster_name,
        api_service_name=api.service_name,
        worker_service_name=worker.service_name,
        load_balancer_arn_suffix=web.load_balancer_arn_suffix,
        target_group_arn_suffix=web.target_group_arn_suffix,
        emf_namespace=s.emf_namespace,
        emf_dimensions={"ServiceName": s.emf_service_name, "Environment": s.environment},
    )
    alarms = Alarms("alarms", AlarmsArgs(
        prefix=s.name_prefix,
        resources=monitored,
        thresholds=AlarmThresholds(
            oldest_message_age_seconds=s.alarm_oldest_message_age_seconds,
            queue_depth=s.alarm_queue_depth,
            api_5xx_count=s.alarm_api_5xx_count,
            api_latency_p95_ms=s.alarm_api_latency_p95_ms,
            cpu_percent=s.alarm_cpu_percent,
            memory_percent=s.alarm_memory_percent,
            failed_exports=s.alarm_failed_exports,
        ),
        email=s.alarm_email,
        email_is_secret="alarmEmail" in s.secret_keys,
        tags=tags,
    ))
    dashboard = Dashboard("dashboard", DashboardArgs(
        dashboard_name=s.name_prefix,
        region=s.region,
        resources=monitored,
        emf_namespace=s.emf_namespace,
    ))

    scheme = "https" if s.https else "http"
    api_url = pulumi.Output.from_input(f"{scheme}://{s.domain_name}") if s.domain_name else web.url
    outputs = {
        "apiUrl": api_url,
        "queueUrl": queue.url,
        "deadLetterQueueUrl": queue.dlq_url,
        "repositoryUrl": registry.repository_url,
        "image": registry.image_ref,
        "clusterName": cluster.cluster_name,
        "apiServiceName": api.service_name,
        "workerServiceName": worker.service_name,
        "dashboardUrl": pulumi.Output.from_input(dashboard.url),
        "alarmTopicArn": alarms.topic_arn,
        "logGroupName": cluster.log_group_name,
        "databaseHost": database.host,
        "exportsBucketName": exports.bucket_name,
    }
    assert tuple(outputs) == OUTPUT_NAMES
    return outputs


def _policy_arn(name_or_arn: str, account_id: pulumi.Input[str]) -> pulumi.Input[str] | None:
    """A policy ARN from a setting holding a policy name (in the stack's account) or an ARN."""
    if not name_or_arn:
        return None
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    return pulumi.Output.concat("arn:aws:iam::", account_id, ":policy/", name_or_arn)


def main() -> dict[str, pulumi.Output]:
    """Read config into settings (raises SettingsError listing every problem), deploy, export."""
    from stacks.config import read_settings

    settings = read_settings()
    outputs = deploy(settings)
    for key, value in outputs.items():
        pulumi.export(key, value)
    return outputs
