"""The rotation step: the database password rotates under the running api and worker.

As RDS rotates its managed master password: the local PostgreSQL gets a new password for the
stack's database user and ends that user's sessions, the old password is refused, and the
emulator's secret (the one DB_SECRET_ARN names) gets the new value. Then a synthetic sync of new
samples goes through the api and the worker: every request must be answered without a 5xx, every
chunk must complete, and both services must have read the secret again (their GetSecretValue
calls after the rotation, from the emulator's audit trail) - the proof that they followed the
rotation rather than holding a connection that predates it.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from localservices.rotation import login_refused, role_password_rotate
from rehearsal.audit import read_audit
from rehearsal.steps import StepFailed
from rehearsal.sync import BatchAudit

SECRET_VARIABLE = "DB_SECRET_ARN"


@dataclass
class RotationAudit:
    secret_arn: str = ""
    user: str = ""
    version_before: str = ""
    version_after: str = ""
    sessions_ended: int = 0
    old_password_refused: bool = False
    rereads: Counter = field(default_factory=Counter)
    """principal label (api, worker) -> GetSecretValue calls after the rotation."""
    sync: BatchAudit | None = None


def rotate(*, emulator, database, secret_arn: str) -> RotationAudit:
    """Rotate the database user's password in PostgreSQL and in the secret (as RDS does)."""
    client = emulator.client("secretsmanager")
    current = client.get_secret_value(SecretId=secret_arn)
    values = json.loads(current["SecretString"])
    user, dbname = values["username"], database.databases[0] if database.databases else "postgres"
    rotation = role_password_rotate(database.server, user, values["password"])
    updated = client.put_secret_value(SecretId=secret_arn,
                                      SecretString=json.dumps({**values, "password": rotation.new_password}))
    audit = RotationAudit(secret_arn=secret_arn, user=user, version_before=current["VersionId"],
                          version_after=updated["VersionId"], sessions_ended=rotation.sessions_ended)
    audit.old_password_refused = login_refused(database.server, role=user, password=rotation.old_password,
                                               dbname=dbname)
    if not audit.old_password_refused:
        raise StepFailed(f"the old password of {user!r} still logs in after the rotation")
    return audit


def rereads_since(emulator, started: float, principals: dict[str, str]) -> Counter:
    """GetSecretValue calls per principal label after ``started`` (time.time())."""
    counts: Counter = Counter()
    for record in read_audit(emulator.audit_path):
        if record.time >= started and record.action == "GetSecretValue" and record.status == 200:
            counts[principals.get(record.key, record.key)] += 1
    return counts


def rehearse_rotation(*, emulator, database, secret_arn: str, principals: dict[str, str],
                      sync: Callable[[], BatchAudit], services: tuple[str, ...]) -> RotationAudit:
    """Rotate, run ``sync``, and require that each of ``services`` read the secret again."""
    started = time.time()
    audit = rotate(emulator=emulator, database=database, secret_arn=secret_arn)
    audit.sync = sync()
    audit.rereads = rereads_since(emulator, started, principals)
    missing = [s for s in services if not audit.rereads.get(s)]
    if missing:
        raise StepFailed(f"{', '.join(missing)} did not read {secret_arn} again after the rotation "
                         f"(GetSecretValue calls since: {dict(audit.rereads) or 'none'})")
    return audit
