"""RDS instances, subnet groups and parameter groups."""

from __future__ import annotations

from proof.aws_requests.inputs import ApiRequest, Inputs, compact, tags_kv


def _db_instance(name: str, i: Inputs) -> list[ApiRequest]:
    params = compact({
        "DBInstanceIdentifier": i.take("identifier") or name,
        "DBInstanceClass": i.take("instanceClass"),
        "Engine": i.take("engine"),
        "EngineVersion": i.take("engineVersion"),
        "AutoMinorVersionUpgrade": i.take("autoMinorVersionUpgrade"),
        "AllocatedStorage": i.take("allocatedStorage"),
        "MaxAllocatedStorage": i.take("maxAllocatedStorage"),
        "StorageType": i.take("storageType"),
        "StorageEncrypted": i.take("storageEncrypted"),
        "KmsKeyId": i.take("kmsKeyId"),
        "DBName": i.take("dbName"),
        "Port": i.take("port"),
        "MasterUsername": i.take("username"),
        "ManageMasterUserPassword": i.take("manageMasterUserPassword"),
        "DBSubnetGroupName": i.take("dbSubnetGroupName"),
        "DBParameterGroupName": i.take("parameterGroupName"),
        "VpcSecurityGroupIds": i.take("vpcSecurityGroupIds"),
        "PubliclyAccessible": i.take("publiclyAccessible"),
        "MultiAZ": i.take("multiAz"),
        "BackupRetentionPeriod": i.take("backupRetentionPeriod"),
        "CopyTagsToSnapshot": i.take("copyTagsToSnapshot"),
        "DeletionProtection": i.take("deletionProtection"),
        "Tags": tags_kv(i.take("tags")),
    })
    i.done(provider_only=("skipFinalSnapshot", "finalSnapshotIdentifier", "applyImmediately"))
    return [ApiRequest("rds", "CreateDBInstance", params)]


def _db_subnet_group(name: str, i: Inputs) -> list[ApiRequest]:
    params = compact({
        "DBSubnetGroupName": i.take("name") or name,
        "DBSubnetGroupDescription": i.take("description", "Managed by Pulumi"),
        "SubnetIds": i.take("subnetIds"),
        "Tags": tags_kv(i.take("tags")),
    })
    i.done()
    return [ApiRequest("rds", "CreateDBSubnetGroup", params)]


def _db_parameter_group(name: str, i: Inputs) -> list[ApiRequest]:
    group = i.take("name") or name
    parameters = i.take("parameters") or []
    create = compact({
        "DBParameterGroupName": group,
        "DBParameterGroupFamily": i.take("family"),
        "Description": i.take("description", "Managed by Pulumi"),
        "Tags": tags_kv(i.take("tags")),
    })
    i.done(provider_only=("skipDestroy",))
    out = [ApiRequest("rds", "CreateDBParameterGroup", create)]
    if parameters:
        out.append(ApiRequest("rds", "ModifyDBParameterGroup", {
            "DBParameterGroupName": group,
            "Parameters": [{"ParameterName": p["name"], "ParameterValue": str(p["value"]),
                            "ApplyMethod": p.get("applyMethod", "immediate")} for p in parameters],
        }))
    return out


MAPPERS = {
    "aws:rds/instance:Instance": _db_instance,
    "aws:rds/subnetGroup:SubnetGroup": _db_subnet_group,
    "aws:rds/parameterGroup:ParameterGroup": _db_parameter_group,
}
