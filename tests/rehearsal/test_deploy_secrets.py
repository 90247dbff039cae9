"""Secrets the task definitions read: created in the emulator, and every reference rewritten."""

import json

from proof.mockrun import ACCOUNT_ID, run_stack
from rehearsal.arns import ArnMap
from rehearsal.credentials import local_user_create
from rehearsal.database import LocalDatabase
from rehearsal.deploy import DeployContext, deploy
from rehearsal.emulator import Emulator

EXISTING_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:shared-db-AbCdEf"


def test_an_existing_database_secret_is_created_and_the_task_roles_and_definitions_name_its_real_arn(tmp_path):
    run = run_stack("dev", {"database": "existing", "dbHost": "shared-db.example.internal",
                            "dbSecretArn": EXISTING_SECRET})
    emulator = Emulator.start(state_dir=tmp_path, region=run.region)
    database = LocalDatabase.start()
    try:
        user = local_user_create(emulator)
        ctx = DeployContext(run=run, emulator=emulator, database=database, local_principal=user.principal_arn,
                            arns=ArnMap(ACCOUNT_ID, ACCOUNT_ID))
        outcomes = deploy(ctx)
        real = ctx.arns.lookup(EXISTING_SECRET)
        assert real and real != EXISTING_SECRET and real.startswith(EXISTING_SECRET[:-6])
        assert any(o.name == "shared-db" and o.kind == "stand-in" for o in outcomes)
        value = json.loads(emulator.client("secretsmanager").get_secret_value(SecretId=real)["SecretString"])
        assert set(value) == {"username", "password"}

        iam = emulator.client("iam")
        for kind in ("api", "worker"):
            role = next(r["RoleName"] for r in iam.list_roles()["Roles"] if f"-{kind}-task-" in r["RoleName"])
            documents = [json.dumps(iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"])
                         for name in iam.list_role_policies(RoleName=role)["PolicyNames"]]
            assert any(real in d for d in documents) and not any(EXISTING_SECRET in d for d in documents), kind

        definition = emulator.client("ecs").describe_task_definition(taskDefinition="healthkit-dev-worker")
        (container,) = definition["taskDefinition"]["containerDefinitions"]
        assert {e["name"]: e["value"] for e in container["environment"]}["DB_SECRET_ARN"] == real
        assert not [s for s in container.get("secrets", []) if s["name"].startswith("DB_")]
    finally:
        emulator.stop()
        database.stop()
