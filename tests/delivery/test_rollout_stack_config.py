"""Writing the image back to Pulumi.<stack>.yaml without disturbing the rest of the file."""

from __future__ import annotations

import pytest
import yaml

from rollout_lib.stack_config import StackConfigError, get_value, project_name, set_value

KEY = "healthkit-fargate:image"
IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/healthkit@sha256:" + "b" * 64


def test_an_existing_value_is_replaced_in_place(tmp_path):
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(f"# header\nconfig:\n  aws:region: eu-west-1\n  {KEY}: old   # note\n  z:last: \"1\"\n")

    set_value(path, KEY, IMAGE)

    assert path.read_text() == f"# header\nconfig:\n  aws:region: eu-west-1\n  {KEY}: {IMAGE}\n  z:last: \"1\"\n"


def test_a_missing_key_is_added_after_the_last_entry_with_the_files_indentation(tmp_path):
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text("config:\n    aws:region: eu-west-1\n    aws:defaultTags:\n        tags:\n            project: healthkit\n# trailing comment\n")

    set_value(path, KEY, IMAGE)

    text = path.read_text()
    assert text.endswith(f"            project: healthkit\n    {KEY}: {IMAGE}\n# trailing comment\n")
    assert yaml.safe_load(text)["config"]["aws:defaultTags"] == {"tags": {"project": "healthkit"}}


def test_a_nested_key_of_the_same_name_is_not_mistaken_for_the_stack_key(tmp_path):
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(f"config:\n  other:map:\n    {KEY}: nested\n")

    set_value(path, KEY, IMAGE)

    assert yaml.safe_load(path.read_text())["config"] == {"other:map": {KEY: "nested"}, KEY: IMAGE}


def test_a_file_without_config_gets_one(tmp_path):
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text("secretsprovider: awskms://alias/healthkit-pulumi-state?region=eu-west-1")

    set_value(path, KEY, IMAGE)

    assert yaml.safe_load(path.read_text()) == {
        "secretsprovider": "awskms://alias/healthkit-pulumi-state?region=eu-west-1", "config": {KEY: IMAGE}}


def test_a_missing_file_is_created(tmp_path):
    path = tmp_path / "Pulumi.dev.yaml"
    set_value(path, KEY, IMAGE)
    assert get_value(path, KEY) == IMAGE


def test_values_that_need_quotes_are_quoted(tmp_path):
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text("config:\n  a:b: c\n")
    for value in ("yes", "1.0", "a # b", "@x"):
        set_value(path, "a:b", value)
        assert get_value(path, "a:b") == value


def test_secure_values_and_inline_config_are_refused(tmp_path):
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(f"config:\n  {KEY}:\n    secure: AAABAC==\n")
    with pytest.raises(StackConfigError, match="structured"):
        set_value(path, KEY, IMAGE)

    path.write_text("config: {a:b: c}\n")
    with pytest.raises(StackConfigError, match="inline"):
        set_value(path, KEY, IMAGE)


def test_the_namespace_is_the_projects_name(tmp_path):
    assert project_name(tmp_path) == "healthkit-fargate"
    (tmp_path / "Pulumi.yaml").write_text("name: other-project\nruntime: python\n")
    assert project_name(tmp_path) == "other-project"
