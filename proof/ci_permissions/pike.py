"""pike's Terraform resource -> IAM action mappings (vendored in ``pike/``; README.md names the source).

Each file lists, for one Terraform resource or data source, the actions of ``apply`` (create and
the reads around it), ``modify``, ``destroy`` and ``plan``, and per attribute the actions the
provider calls only when that attribute is set.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PIKE_DIR = Path(__file__).resolve().parent / "pike"
PHASES = ("apply", "modify", "destroy", "plan")


class NoMapping(LookupError):
    """pike has no file for a Terraform type (vendor it, or map the type elsewhere)."""


@dataclass(frozen=True)
class Mapping:
    terraform_type: str
    phases: dict[str, tuple[str, ...]]
    attributes: dict[str, tuple[str, ...]]

    def actions(self, attributes_set: set[str]) -> dict[str, str]:
        """action -> why (``apply``, ``attribute tags``, ...), for a resource with ``attributes_set``."""
        out: dict[str, str] = {}
        for phase in PHASES:
            for a in self.phases.get(phase, ()):
                out.setdefault(a, phase)
        for attribute, actions in self.attributes.items():
            if attribute in attributes_set:
                for a in actions:
                    out.setdefault(a, f"attribute {attribute}")
        return out


@cache
def _index() -> dict[str, Path]:
    return {p.stem: p for p in PIKE_DIR.rglob("*.json")}


@cache
def mapping(terraform_type: str) -> Mapping:
    """pike's mapping of a type, or this project's correction of it (corrections.REPLACED)."""
    from proof.ci_permissions.corrections import REPLACED

    if terraform_type in REPLACED:
        fixed = REPLACED[terraform_type]
        return Mapping(terraform_type, {phase: fixed.get(phase, ()) for phase in PHASES},
                       {k.split(":", 1)[1]: v for k, v in fixed.items() if k.startswith("attributes:")})
    path = _index().get(terraform_type)
    if path is None:
        raise NoMapping(f"no pike mapping vendored for {terraform_type}")
    records = json.loads(path.read_text())
    record = records[0] if records else {}
    return Mapping(
        terraform_type,
        {phase: tuple(record.get(phase) or ()) for phase in PHASES},
        {name: tuple(actions) for name, actions in (record.get("attributes") or {}).items()},
    )


def snake(pulumi_property: str) -> str:
    """``manageMasterUserPassword`` -> ``manage_master_user_password`` (Terraform's attribute name)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", pulumi_property).lower()
