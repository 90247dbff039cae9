"""The dev mode's SQLite database (DJANGO_ENV=dev, no DB_HOST): migrations, the sync writes and the
changes feed on SQLite's own code paths (healthkit.sync.store and .feed branch on the vendor).

Run in a subprocess: the suite's Django is bound to PostgreSQL.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

APP_DIR = Path(__file__).resolve().parents[3] / "app"
REPO_ROOT = APP_DIR.parent

SCRIPT = """
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
from healthkit.selectors import changes_page
from healthkit.services.samples import items_apply
from healthkit.validation import DeletionIn, sample_parse
from localservices.samples import heart_rate_sample

UUID = "0E5D1C2A-4B43-4F0E-9D6B-2F1C8B7A9E10"
owner = get_user_model().objects.create_user(username="dev")
def apply(raw, sequence):
    items = [DeletionIn(uuid=item["delete"]) if "delete" in item else sample_parse(item, index=0)[0] for item in raw]
    return items_apply(owner_id=owner.pk, items=items, sequence=sequence).__dict__
counts = [
    apply([heart_rate_sample(0, uuid=UUID), heart_rate_sample(1)], 1),
    apply([heart_rate_sample(0, uuid=UUID, value=99)], 2),
    apply([{"delete": UUID}], 3),
    apply([heart_rate_sample(2)], 4),
]
feed = [(entry.id, entry.kind, entry.sample_id) for entry in changes_page(user=owner, after_id=0, limit=100).entries]
print(json.dumps({"counts": counts, "feed": feed}))
"""


def test_sync_writes_and_the_changes_feed_work_on_the_dev_sqlite_database(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("DB_")}
    env |= {
        "DJANGO_ENV": "dev",
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        "DB_SQLITE_PATH": str(tmp_path / "dev.sqlite3"),
        "PYTHONPATH": os.pathsep.join([str(APP_DIR), str(REPO_ROOT)]),
    }
    run = subprocess.run([sys.executable, "-c", SCRIPT], cwd=APP_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert [(c["created"], c["updated"], c["deleted"]) for c in result["counts"]] == [(2, 0, 0), (0, 1, 0), (0, 0, 1), (1, 0, 0)]
    ids = [entry_id for entry_id, _, _ in result["feed"]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)  # one sequence for rows and removals, in order
    assert [kind for _, kind, _ in result["feed"]] == ["upsert", "delete", "upsert"]  # the corrected row, removed
