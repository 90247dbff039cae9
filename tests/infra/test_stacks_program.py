"""stacks/program.py for both stacks: what would be sent to AWS."""

from __future__ import annotations

import json

import pytest

from infra import invariants as inv

COMMON = {
    "aws:appautoscaling/policy:Policy": None,  # depends on the stack (api targets)
    "aws:appautoscaling/target:Target": 2,
    "aws:cloudwatch/dashboard:Dashboard": 1,
    "aws:cloudwatch/logGroup:LogGroup": 1,
    "aws:cloudwatch/metricAlarm:MetricAlarm": 12,
    "aws:ec2/securityGroup:SecurityGroup": 4,
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": 1,
    "aws:ecr/repository:Repository": 1,
    "aws:ecs/cluster:Cluster": 1,
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": 1,
    "aws:ecs/service:Service": 2,
    "aws:ecs/taskDefinition:TaskDefinition": 2,
    "aws:iam/role:Role": 3,
    "aws:iam/rolePolicy:RolePolicy": 3,
    "aws:lb/listener:Listener": 1,
    "aws:lb/listenerRule:ListenerRule": 1,
    "aws:lb/loadBalancer:LoadBalancer": 1,
    "aws:lb/targetGroup:TargetGroup": 1,
    "aws:rds/instance:Instance": 1,
    "aws:s3/bucket:Bucket": 1,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
    "aws:s3/bucketPolicy:BucketPolicy": 1,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
    "aws:rds/parameterGroup:ParameterGroup": 1,
    "aws:rds/subnetGroup:SubnetGroup": 1,
    "aws:secretsmanager/secret:Secret": 1,
    "aws:secretsmanager/secretVersion:SecretVersion": 1,
    "aws:sns/topic:Topic": 1,
    "aws:sqs/queue:Queue": 2,
    "aws:sqs/queuePolicy:QueuePolicy": 2,
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": 1,
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 5,
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 4,
    "awsx:ec2:Vpc": 1,
    "awsx:ecr:Image": 1,
    "random:index/randomPassword:RandomPassword": 1,
}


@pytest.mark.parametrize(("stack", "scaling_policies"), [("dev", 2), ("prod", 3)])
def test_each_stack_creates_the_expected_resource_types_and_counts(request, stack, scaling_policies):
    run = request.getfixturevalue(stack)
    expected = {**COMMON, "aws:appautoscaling/policy:Policy": scaling_policies}

    counts = {t: n for t, n in run.type_counts().items() if not t.startswith("healthkit:")}
    assert counts == expected


def test_each_concern_is_one_component(dev):
    components = {t: n for t, n in dev.type_counts().items() if t.startswith("healthkit:")}

    assert components == {
        "healthkit:alarms:Alarms": 1, "healthkit:cluster:Cluster": 1, "healthkit:dashboard:Dashboard": 1,
        "healthkit:database:Database": 1, "healthkit:exports:ExportsBucket": 1, "healthkit:iam:TaskRoles": 1, "healthkit:network:Network": 1,
        "healthkit:queue:Queue": 1, "healthkit:registry:Registry": 1, "healthkit:scaling:ServiceScaling": 2,
        "healthkit:secrets:AppSecrets": 1, "healthkit:service:FargateService": 2, "healthkit:web:Web": 1,
    }


def test_every_child_is_parented_and_named_after_its_component(all_runs):
    for run in all_runs:
        for component in (r for r in run.resources if r.type.startswith("healthkit:")):
            children = run.children_of(component)
            assert children, component.name
            for child in children:
                assert child.name.startswith(f"{component.name}-"), (component.name, child.name)


# --- Queue ---------------------------------------------------------------------------------------

def test_queue_visibility_covers_the_hard_time_limit_plus_margin(stacks):
    for run in stacks:
        queue = run.one("aws:sqs/queue:Queue", "queue-queue")
        limit = int(next(e["value"] for e in run.container("worker", "worker")["environment"]
                         if e["name"] == "CELERY_TASK_TIME_LIMIT"))
        assert queue.inputs["visibilityTimeoutSeconds"] >= limit + inv.VISIBILITY_MARGIN_SECONDS


def test_queue_long_polls_for_20_seconds(stacks):
    for run in stacks:
        assert run.one("aws:sqs/queue:Queue", "queue-queue").inputs["receiveWaitTimeSeconds"] == 20


def test_queue_redrives_to_the_dead_letter_queue_after_max_receive_count(stacks):
    for run in stacks:
        dlq = run.one("aws:sqs/queue:Queue", "queue-dlq")
        redrive = json.loads(run.one("aws:sqs/queue:Queue", "queue-queue").inputs["redrivePolicy"])
        assert redrive == {"deadLetterTargetArn": dlq.outputs["arn"], "maxReceiveCount": 5}


def test_dead_letter_queue_keeps_messages_14_days_and_accepts_only_our_queue(dev):
    dlq = dev.one("aws:sqs/queue:Queue", "queue-dlq")
    allow = json.loads(dev.one("aws:sqs/redriveAllowPolicy:RedriveAllowPolicy").inputs["redriveAllowPolicy"])

    assert dlq.inputs["messageRetentionSeconds"] == 14 * 24 * 3600
    assert allow == {"redrivePermission": "byQueue",
                     "sourceQueueArns": [dev.one("aws:sqs/queue:Queue", "queue-queue").outputs["arn"]]}


def test_queue_physical_name_is_per_stack_and_logical_name_is_celerys(stacks):
    for run in stacks:
        assert run.one("aws:sqs/queue:Queue", "queue-queue").inputs["name"] == \
            f"healthkit-{run.stack}-{inv.CELERY_QUEUE_NAME}"
        assert "--queues apple-health-imports" in " ".join(run.container("worker", "worker")["command"])


# --- Task definitions ----------------------------------------------------------------------------

def test_both_task_definitions_run_the_same_digest_pinned_image(all_runs):
    for run in all_runs:
        images = {c["image"] for suffix in ("api", "worker") for c in run.container_definitions(suffix)}
        assert images == {run.outputs["image"]}
        assert "@sha256:" in run.outputs["image"]


def test_environment_and_secrets_are_byte_identical_in_every_container(all_runs):
    for run in all_runs:
        blocks = {json.dumps([c["environment"], c["secrets"]]) for s in ("api", "worker") for c in run.container_definitions(s)}
        assert len(blocks) == 1


def test_environment_holds_exactly_the_contract_variables(dev):
    env = {e["name"]: e["value"] for e in dev.container("worker", "worker")["environment"]}

    assert set(env) == {
        "DJANGO_ENV", "DJANGO_ALLOWED_HOSTS", "DB_HOST", "DB_PORT", "DB_NAME", "DB_SSLMODE", "DB_SECRET_ARN",
        "AWS_REGION",
        "CELERY_BROKER_URL", "CELERY_APPLE_HEALTH_QUEUE_URL", "CELERY_TASK_TIME_LIMIT",
        "CELERY_TASK_SOFT_TIME_LIMIT", "CELERY_WORKER_CONCURRENCY", "CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT",
        "CELERY_WORKER_HEARTBEAT_FILE", "CELERY_WORKER_HEARTBEAT_MAX_AGE", "HEALTHKIT_IMPORT_CHUNK_SIZE",
        "HEALTHKIT_ENVIRONMENT", "HEALTHKIT_CHUNK_MAX_ATTEMPTS", "REMAP_SIGTERM",
        "GUNICORN_WORKERS", "GUNICORN_THREADS", "AWS_EMF_NAMESPACE", "AWS_EMF_SERVICE_NAME", "AWS_EMF_ENVIRONMENT",
        "HEALTHKIT_EXPORTS_BUCKET", "HEALTHKIT_EXPORT_MAX_BYTES",
        "HEALTHKIT_ADMIN_ENABLED",
    }
    assert env["CELERY_BROKER_URL"] == "sqs://"
    assert env["CELERY_APPLE_HEALTH_QUEUE_URL"] == dev.outputs["queueUrl"]
    assert env["AWS_EMF_ENVIRONMENT"] == "Local"
    assert env["DB_HOST"] == dev.outputs["databaseHost"]
    assert dev.outputs["apiUrl"].removeprefix("http://") in env["DJANGO_ALLOWED_HOSTS"].split(",")


def test_secrets_come_from_secrets_manager_never_plain_environment(dev):
    worker = dev.container("worker", "worker")
    db_secret = dev.one("aws:rds/instance:Instance").outputs["masterUserSecrets"][0]["secretArn"]
    django_secret = dev.one("aws:secretsmanager/secret:Secret").outputs["arn"]

    assert {s["name"]: s["valueFrom"] for s in worker["secrets"]} == {"DJANGO_SECRET_KEY": django_secret}
    assert dev.environment("worker")["DB_SECRET_ARN"] == db_secret  # read by the app, at connect time
    assert not {"DJANGO_SECRET_KEY", "DB_USER", "DB_PASSWORD"} & {e["name"] for e in worker["environment"]}


def test_worker_maps_no_ports(stacks):
    for run in stacks:
        assert "portMappings" not in run.container("worker", "worker")


def test_worker_health_check_runs_the_heartbeat_command(stacks):
    for run in stacks:
        assert run.container("worker", "worker")["healthCheck"] == {
            "command": ["CMD", "python", "-m", "backend.health", "worker"],
            "interval": 30, "timeout": 10, "retries": 3, "startPeriod": 60,
        }


def test_worker_stop_timeout_is_120_seconds_above_the_soft_shutdown(stacks):
    for run in stacks:
        worker = run.container("worker", "worker")
        soft = next(int(e["value"]) for e in worker["environment"] if e["name"] == "CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT")
        assert worker["stopTimeout"] == 120 > soft


def test_worker_runs_the_contract_command(dev):
    assert dev.container("worker", "worker")["command"] == [
        "celery", "-A", "backend", "worker", "--queues", "apple-health-imports", "--loglevel", "INFO"]


def test_api_task_migrates_first_and_api_waits_for_success(stacks):
    for run in stacks:
        migrate, api = run.container_definitions("api")
        assert (migrate["name"], migrate["essential"], migrate["command"]) == \
            ("migrate", False, ["python", "manage.py", "migrate_locked"])
        assert api["dependsOn"] == [{"containerName": "migrate", "condition": "SUCCESS"}]
        assert api["command"] == ["gunicorn", "backend.wsgi:application"]
        assert api["portMappings"][0]["containerPort"] == 8000
        assert "healthCheck" not in api


def test_task_definitions_are_fargate_awsvpc_with_the_configured_size(prod):
    for family, cpu, memory in (("-api", "1024", "2048"), ("-worker", "1024", "2048")):
        (task,) = [t for t in prod.of_type("aws:ecs/taskDefinition:TaskDefinition") if t.inputs["family"].endswith(family)]
        assert (task.inputs["cpu"], task.inputs["memory"], task.inputs["networkMode"]) == (cpu, memory, "awsvpc")
        assert task.inputs["requiresCompatibilities"] == ["FARGATE"]


# --- Services ------------------------------------------------------------------------------------

def test_api_service_sits_behind_the_target_group_checking_healthz(stacks):
    for run in stacks:
        target_group = run.one("aws:lb/targetGroup:TargetGroup")
        api = run.one("aws:ecs/service:Service", "api-service")
        assert api.inputs["loadBalancers"] == [
            {"targetGroupArn": target_group.outputs["arn"], "containerName": "api", "containerPort": 8000}]
        assert target_group.inputs["healthCheck"]["path"] == "/healthz"
        assert target_group.inputs["targetType"] == "ip" and target_group.inputs["port"] == 8000
        assert target_group.inputs["deregistrationDelay"] <= 30


def test_worker_service_has_no_load_balancer(stacks):
    for run in stacks:
        assert not run.one("aws:ecs/service:Service", "worker-service").inputs.get("loadBalancers")


def test_services_roll_back_failed_deployments_and_leave_desired_count_to_autoscaling(stacks):
    for run in stacks:
        for service in run.of_type("aws:ecs/service:Service"):
            assert service.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
            assert service.ignore_changes == ("desiredCount",)
            assert service.inputs["networkConfiguration"]["assignPublicIp"] is False


def test_dev_workers_run_on_fargate_spot(dev):
    strategy = dev.one("aws:ecs/service:Service", "worker-service").inputs["capacityProviderStrategies"]

    assert strategy == [{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}]


def test_prod_workers_keep_an_on_demand_base_under_a_spot_share(prod):
    strategy = prod.one("aws:ecs/service:Service", "worker-service").inputs["capacityProviderStrategies"]

    assert strategy == [{"capacityProvider": "FARGATE", "weight": 50, "base": 1},
                        {"capacityProvider": "FARGATE_SPOT", "weight": 50, "base": 0}]


def test_api_runs_on_demand(stacks):
    for run in stacks:
        assert run.one("aws:ecs/service:Service", "api-service").inputs["capacityProviderStrategies"] == [
            {"capacityProvider": "FARGATE", "weight": 1, "base": 0}]


def test_one_cluster_with_container_insights_and_both_fargate_providers(dev):
    assert dev.one("aws:ecs/cluster:Cluster").inputs["settings"] == [{"name": "containerInsights", "value": "enabled"}]
    assert dev.one("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders").inputs["capacityProviders"] == [
        "FARGATE", "FARGATE_SPOT"]


# --- Protection ----------------------------------------------------------------------------------

STATEFUL = ("aws:sqs/queue:Queue", "aws:ecr/repository:Repository", "aws:rds/instance:Instance",
            "aws:secretsmanager/secret:Secret", "aws:cloudwatch/logGroup:LogGroup")


def test_prod_protects_every_stateful_resource(prod):
    for type_token in STATEFUL:
        assert all(r.protect for r in prod.of_type(type_token)), type_token
    assert prod.one("aws:rds/instance:Instance").inputs["deletionProtection"] is True
    assert prod.one("aws:rds/instance:Instance").inputs["finalSnapshotIdentifier"] == "healthkit-prod-db-final"
    assert prod.one("aws:lb/loadBalancer:LoadBalancer").inputs["enableDeletionProtection"] is True
    assert prod.one("aws:ecr/repository:Repository").inputs["forceDelete"] is False
    assert prod.one("aws:secretsmanager/secret:Secret").inputs["recoveryWindowInDays"] == 30


def test_dev_protects_nothing_so_it_can_be_torn_down(dev):
    assert not any(r.protect for r in dev.resources)
    assert dev.one("aws:rds/instance:Instance").inputs["skipFinalSnapshot"] is True


# --- Front door and outputs ----------------------------------------------------------------------

def test_without_a_certificate_the_alb_serves_plain_http_on_80(prod):
    (listener,) = prod.of_type("aws:lb/listener:Listener")

    assert (listener.inputs["port"], listener.inputs["protocol"]) == (80, "HTTP")
    assert prod.outputs["apiUrl"].startswith("http://")


def test_with_a_certificate_443_serves_https_and_80_redirects(prod_https):
    listeners = {r.inputs["port"]: r.inputs for r in prod_https.of_type("aws:lb/listener:Listener")}

    assert listeners[443]["protocol"] == "HTTPS" and listeners[443]["certificateArn"].startswith("arn:aws:acm:")
    assert listeners[443]["sslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    assert listeners[80]["defaultActions"][0]["redirect"] == {"port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"}
    assert prod_https.outputs["apiUrl"] == "https://api.example.com"


def test_outputs_tell_a_user_where_everything_is(prod):
    o = prod.outputs

    assert o["queueUrl"].endswith("/healthkit-prod-apple-health-imports")
    assert o["deadLetterQueueUrl"].endswith("/healthkit-prod-apple-health-imports-dlq")
    assert o["repositoryUrl"] == "123456789012.dkr.ecr.us-east-1.amazonaws.com/healthkit-prod"
    assert (o["clusterName"], o["apiServiceName"], o["workerServiceName"]) == ("healthkit-prod", "api", "worker")
    assert o["dashboardUrl"].endswith("#dashboards/dashboard/healthkit-prod")
    assert o["apiUrl"].endswith(".elb.amazonaws.com")


# --- Existing network, database and a pinned image -----------------------------------------------

def test_an_image_pinned_by_tag_is_resolved_to_its_digest(dev_existing):
    (call,) = [c for c in dev_existing.calls if c.token == "aws:ecr/getImage:getImage"]

    assert (call.args["repositoryName"], call.args["imageTag"]) == ("healthkit-dev", "release-42")
    assert dev_existing.outputs["image"] == \
        f"123456789012.dkr.ecr.us-east-1.amazonaws.com/healthkit-dev@{call.result['imageDigest']}"
    assert not dev_existing.of_type("awsx:ecr:Image")


def test_an_existing_vpc_and_database_are_used_not_created(dev_existing):
    assert not dev_existing.of_type("awsx:ec2:Vpc") and not dev_existing.of_type("aws:rds/instance:Instance")
    worker = dev_existing.container("worker", "worker")
    env = {e["name"]: e["value"] for e in worker["environment"]}
    assert env["DB_HOST"] == "shared-db.example.internal"
    assert env["DB_SECRET_ARN"] == "arn:aws:secretsmanager:us-east-1:123456789012:secret:shared-db-AbCdEf"
    assert not [s for s in worker["secrets"] if s["name"].startswith("DB_")]
    assert dev_existing.one("aws:ecs/service:Service", "worker-service").inputs["networkConfiguration"]["subnets"] == \
        ["subnet-0a1b2c3d4e5f60721", "subnet-0a1b2c3d4e5f60722"]


def test_a_built_image_is_tagged_by_its_build_inputs(dev):
    image = dev.one("awsx:ecr:Image")

    assert image.inputs["imageTag"].startswith("build-") and image.inputs["platform"] == "linux/amd64"
    assert image.parent == dev.one("healthkit:registry:Registry").urn


def test_every_resource_that_takes_tags_carries_the_stack_tags(all_runs):
    import pulumi_aws

    for run in all_runs:
        for r in run.resources:
            if not r.type.startswith("aws:"):
                continue
            module, kind = r.type.split(":")[1].split("/")[0], r.type.split(":")[2]
            args_class = getattr(getattr(pulumi_aws, module), f"{kind}Args")
            if "tags" in args_class.__init__.__code__.co_varnames:
                assert r.inputs.get("tags", {}).get("Project") == "healthkit", r.name
                assert r.inputs["tags"]["Stack"] == run.stack and r.inputs["tags"]["ManagedBy"] == "pulumi"


def test_every_physical_name_starts_with_the_stack_prefix(all_runs):
    for run in all_runs:
        prefix = f"healthkit-{run.stack}"
        for r in run.resources:
            name = r.inputs.get("name") or r.inputs.get("namePrefix") or r.inputs.get("identifier") \
                or r.inputs.get("family") or r.inputs.get("dashboardName")
            if r.custom and r.type.startswith("aws:") and isinstance(name, str) and r.type not in (
                    "aws:ecs/service:Service", "aws:appautoscaling/policy:Policy"):
                assert name.lstrip("/").removeprefix("ecs/").startswith(prefix), (r.type, name)


def test_every_component_registers_its_outputs_exactly_once(all_runs):
    for run in all_runs:
        components = [r.urn for r in run.resources if r.type.startswith("healthkit:")]
        assert sorted(u for u in run.output_registrations if u in components) == sorted(components)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_deployed_container_runs_django_in_prod_mode(stack, request):
    run = request.getfixturevalue(stack)
    for service, container in (("api", "migrate"), ("api", "api"), ("worker", "worker")):
        env = run.environment(service, container)
        assert env["DJANGO_ENV"] == "prod", (service, container)
        assert env["HEALTHKIT_ENVIRONMENT"] == stack


def test_chunk_max_attempts_follow_the_queue_max_receive_count(dev):
    redrive = json.loads(dev.one("aws:sqs/queue:Queue", "queue-queue").inputs["redrivePolicy"])

    assert dev.environment("worker", "worker")["HEALTHKIT_CHUNK_MAX_ATTEMPTS"] == str(redrive["maxReceiveCount"])
