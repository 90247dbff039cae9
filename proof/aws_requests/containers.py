"""ECR repositories and lifecycle policies, ECS clusters, task definitions and services."""

from __future__ import annotations

import json

from proof.aws_requests.inputs import ApiRequest, Inputs, compact, tags_kv


def _ecr_repository(name: str, i: Inputs) -> list[ApiRequest]:
    scan = i.take("imageScanningConfiguration") or {}
    encryption = (i.take("encryptionConfigurations") or [None])[0]
    params = compact({
        "repositoryName": i.take("name") or name,
        "imageTagMutability": i.take("imageTagMutability"),
        "imageScanningConfiguration": compact({"scanOnPush": scan.get("scanOnPush")}) or None,
        "encryptionConfiguration": compact({
            "encryptionType": encryption.get("encryptionType"), "kmsKey": encryption.get("kmsKey")}) if encryption else None,
        "tags": tags_kv(i.take("tags")),
    })
    i.done(provider_only=("forceDelete",))
    return [ApiRequest("ecr", "CreateRepository", params)]


def _ecr_lifecycle(name: str, i: Inputs) -> list[ApiRequest]:
    params = {"repositoryName": i.take("repository"), "lifecyclePolicyText": i.take("policy")}
    i.done()
    return [ApiRequest("ecr", "PutLifecyclePolicy", params)]


def _capacity_strategy(items: list | None) -> list | None:
    return [compact({"capacityProvider": c.get("capacityProvider"), "weight": c.get("weight"),
                      "base": c.get("base")}) for c in items or []] or None


def _ecs_cluster(name: str, i: Inputs) -> list[ApiRequest]:
    params = compact({
        "clusterName": i.take("name") or name,
        "settings": [{"name": s["name"], "value": s["value"]} for s in i.take("settings") or []],
        "tags": tags_kv(i.take("tags"), "key", "value"),
    })
    i.done()
    return [ApiRequest("ecs", "CreateCluster", params)]


def _ecs_capacity_providers(name: str, i: Inputs) -> list[ApiRequest]:
    params = {
        "cluster": i.take("clusterName"),
        "capacityProviders": i.take("capacityProviders") or [],
        "defaultCapacityProviderStrategy": _capacity_strategy(i.take("defaultCapacityProviderStrategies")) or [],
    }
    i.done()
    return [ApiRequest("ecs", "PutClusterCapacityProviders", params)]


def _ecs_task_definition(name: str, i: Inputs) -> list[ApiRequest]:
    platform = i.take("runtimePlatform")
    params = compact({
        "family": i.take("family"),
        "containerDefinitions": json.loads(i.take("containerDefinitions")),
        "cpu": i.take("cpu"),
        "memory": i.take("memory"),
        "networkMode": i.take("networkMode"),
        "requiresCompatibilities": i.take("requiresCompatibilities"),
        "runtimePlatform": compact({
            "cpuArchitecture": platform.get("cpuArchitecture"),
            "operatingSystemFamily": platform.get("operatingSystemFamily")}) if platform else None,
        "executionRoleArn": i.take("executionRoleArn"),
        "taskRoleArn": i.take("taskRoleArn"),
        "ephemeralStorage": ({"sizeInGiB": i.take("ephemeralStorage")["sizeInGib"]}
                             if i.has("ephemeralStorage") else None),
        "tags": tags_kv(i.take("tags"), "key", "value"),
    })
    i.done(provider_only=("skipDestroy", "trackLatest"))
    return [ApiRequest("ecs", "RegisterTaskDefinition", params)]


def _ecs_service(name: str, i: Inputs) -> list[ApiRequest]:
    network = i.take("networkConfiguration")
    breaker = i.take("deploymentCircuitBreaker")
    deployment = compact({
        "deploymentCircuitBreaker": compact({"enable": breaker.get("enable"), "rollback": breaker.get("rollback")})
        if breaker else None,
        "maximumPercent": i.take("deploymentMaximumPercent"),
        "minimumHealthyPercent": i.take("deploymentMinimumHealthyPercent"),
    })
    params = compact({
        "serviceName": i.take("name") or name,
        "cluster": i.take("cluster"),
        "taskDefinition": i.take("taskDefinition"),
        "desiredCount": i.take("desiredCount"),
        "launchType": i.take("launchType"),
        "capacityProviderStrategy": _capacity_strategy(i.take("capacityProviderStrategies")),
        "platformVersion": i.take("platformVersion"),
        "networkConfiguration": {"awsvpcConfiguration": compact({
            "subnets": network.get("subnets"),
            "securityGroups": network.get("securityGroups"),
            "assignPublicIp": "ENABLED" if network.get("assignPublicIp") else "DISABLED",
        })} if network else None,
        "loadBalancers": [compact({
            "targetGroupArn": lb.get("targetGroupArn"), "containerName": lb.get("containerName"),
            "containerPort": lb.get("containerPort")}) for lb in i.take("loadBalancers") or []],
        "healthCheckGracePeriodSeconds": i.take("healthCheckGracePeriodSeconds"),
        "deploymentConfiguration": deployment,
        "enableECSManagedTags": i.take("enableEcsManagedTags"),
        "propagateTags": i.take("propagateTags"),
        "enableExecuteCommand": i.take("enableExecuteCommand"),
        "tags": tags_kv(i.take("tags"), "key", "value"),
    })
    i.done(provider_only=("waitForSteadyState", "forceNewDeployment", "forceDelete", "triggers"))
    return [ApiRequest("ecs", "CreateService", params)]


MAPPERS = {
    "aws:ecr/repository:Repository": _ecr_repository,
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": _ecr_lifecycle,
    "aws:ecs/cluster:Cluster": _ecs_cluster,
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": _ecs_capacity_providers,
    "aws:ecs/taskDefinition:TaskDefinition": _ecs_task_definition,
    "aws:ecs/service:Service": _ecs_service,
}
