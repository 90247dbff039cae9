"""docs/infra.md: instructions for a real account, every setting with default and rule, every output."""

from __future__ import annotations

import json
import re

import pytest

from infra.settings import setting_specs
from proof.mockrun import REPO_ROOT
from stacks.program import OUTPUT_NAMES

DOC = (REPO_ROOT / "docs" / "infra.md").read_text()


def table_row(first_cell: str) -> str:
    match = re.search(rf"^\| `{re.escape(first_cell)}` \|.*$", DOC, flags=re.MULTILINE)
    assert match, f"no table row for {first_cell}"
    return match.group(0)


@pytest.mark.parametrize("command", [
    "pulumi login", "pulumi stack init dev", "pulumi config set --secret", "pulumi preview -s dev",
    "pulumi up -s dev", "pulumi config set image \"$REPO@$DIGEST\"", "--policy-pack policy",
])
def test_doc_walks_through_a_real_deployment(command):
    assert command in DOC


@pytest.mark.parametrize("spec", setting_specs(), ids=lambda s: s.key)
def test_doc_lists_each_setting_with_its_default_and_rule(spec):
    row = table_row(spec.key)
    default = spec.default
    shown = ("`true`" if default else "`false`") if isinstance(default, bool) else (
        f"`{json.dumps(default)}`" if isinstance(default, list) else ("empty" if default == "" else f"`{default}`"))

    assert f"| {spec.type} | {shown} |" in row
    assert spec.description.split(".")[0][:40] in row


@pytest.mark.parametrize("output", OUTPUT_NAMES)
def test_doc_explains_each_output(output):
    assert table_row(output).count("|") >= 3
