"""GitHub Actions workflows: linted (zizmor, actionlint + shellcheck) and checked for what the
delivery design promises: OIDC-only AWS access with `id-token: write` only where needed, least
permissions, pinned actions, no untrusted input in shell, one image promoted dev -> prod."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from .conftest import REPO_ROOT, tool

GITHUB = REPO_ROOT / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
SCRIPTS = sorted(p for p in (GITHUB / "scripts").iterdir() if p.is_file())

CONFIGURE_AWS = "aws-actions/configure-aws-credentials"
# Steps that reach AWS: they must come after an OIDC credentials step in the same job.
AWS_ACTIONS = ("aws-actions/amazon-ecr-login", "pulumi/actions", "docker/build-push-action")
AWS_COMMANDS = re.compile(r"(^|[\s;&|(])(aws|pulumi)\s|\.github/scripts/(deploy|use-deployed-image)\b")


def load(path: Path) -> dict:
    document = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the bare key `on` as the boolean True
    if True in document:
        document["on"] = document.pop(True)
    return document


def jobs() -> list[tuple[str, str, dict]]:
    return [(path.name, name, job) for path in WORKFLOWS for name, job in load(path)["jobs"].items()]


def uses(step: dict) -> str:
    return step.get("uses", "").split("@")[0]


def touches_aws(step: dict) -> bool:
    return uses(step) in AWS_ACTIONS or bool(AWS_COMMANDS.search(step.get("run", "")))


def test_the_three_workflows_exist():
    assert {p.stem for p in WORKFLOWS} == {"ci", "preview", "release"}


# --- linters -------------------------------------------------------------------------------------


def test_zizmor_reports_nothing_even_as_an_auditor():
    result = subprocess.run(
        [tool("zizmor"), "--offline", "--persona", "auditor", "--no-progress", "--format", "plain", str(GITHUB)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings" in result.stdout


def test_actionlint_with_shellcheck_reports_nothing():
    result = subprocess.run(
        [tool("actionlint"), "-no-color", "-oneline", "-shellcheck", tool("shellcheck"), *map(str, WORKFLOWS)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_actionlint_really_runs_shellcheck(tmp_path):
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo $FOO\n")
    result = subprocess.run([tool("actionlint"), "-no-color", "-shellcheck", tool("shellcheck"), str(bad)],
                            capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode != 0 and "SC2086" in result.stdout


def test_the_workflow_helper_scripts_pass_shellcheck():
    assert SCRIPTS
    result = subprocess.run([tool("shellcheck"), "--severity", "style", *map(str, SCRIPTS)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout
    assert all(p.stat().st_mode & 0o111 for p in SCRIPTS), "helper scripts must be executable"


# --- permissions and OIDC ------------------------------------------------------------------------


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_top_level_permissions_are_empty(path):
    assert load(path)["permissions"] == {}


@pytest.mark.parametrize("workflow, name, job", jobs(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_job_declares_least_permissions_and_a_timeout(workflow, name, job):
    permissions = job.get("permissions")
    assert isinstance(permissions, dict), f"{workflow}:{name} must declare its permissions"
    allowed = {"contents": {"read"}, "id-token": {"write"}, "pull-requests": {"write"}}
    for scope, level in permissions.items():
        assert level in allowed.get(scope, set()), f"{workflow}:{name}: {scope}: {level} is not needed"
    assert job.get("timeout-minutes"), f"{workflow}:{name} needs timeout-minutes"


@pytest.mark.parametrize("workflow, name, job", jobs(), ids=lambda v: v if isinstance(v, str) else "")
def test_aws_access_is_oidc_only_and_id_token_only_where_aws_is_used(workflow, name, job):
    steps = job.get("steps", [])
    credentials = [i for i, s in enumerate(steps) if uses(s) == CONFIGURE_AWS]
    aws_steps = [i for i, s in enumerate(steps) if touches_aws(s)]
    needs_token = bool(credentials or aws_steps)

    assert (job["permissions"].get("id-token") == "write") == needs_token, f"{workflow}:{name}"
    if aws_steps:
        assert credentials and credentials[0] < aws_steps[0], f"{workflow}:{name}: OIDC credentials first"
    for i in credentials:
        inputs = steps[i].get("with", {})
        assert re.fullmatch(r"\$\{\{ vars\.AWS_(PREVIEW|DEPLOY)_ROLE_ARN \}\}", inputs.get("role-to-assume", ""))
        assert not {"aws-access-key-id", "aws-secret-access-key", "aws-session-token"} & set(inputs)


def test_no_long_lived_aws_keys_anywhere():
    for path in WORKFLOWS:
        text = path.read_text()
        assert "AWS_ACCESS_KEY_ID" not in text and "AWS_SECRET_ACCESS_KEY" not in text and "secrets." not in text, path.name


def test_previews_use_the_read_only_role_and_releases_the_deploy_role():
    def roles(workflow: str) -> set[str]:
        return {s["with"]["role-to-assume"] for w, _, job in jobs() if w == workflow
                for s in job.get("steps", []) if uses(s) == CONFIGURE_AWS}

    assert roles("preview.yml") == {"${{ vars.AWS_PREVIEW_ROLE_ARN }}"}
    assert roles("release.yml") == {"${{ vars.AWS_DEPLOY_ROLE_ARN }}"}
    assert roles("ci.yml") == set()


# --- supply chain and injection ------------------------------------------------------------------


def test_every_action_is_pinned_to_a_full_commit_sha_with_its_version():
    for path in WORKFLOWS:
        for line in path.read_text().splitlines():
            match = re.search(r"uses:\s*(\S+)", line)
            if match and not match.group(1).startswith("./"):
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", match.group(1)), f"{path.name}: {line.strip()}"
                assert re.search(r"#\s*v\d+(\.\d+){0,2}\b", line), f"{path.name}: add a `# vX.Y.Z` comment: {line.strip()}"


def test_checkouts_do_not_persist_credentials():
    for workflow, name, job in jobs():
        for step in job.get("steps", []):
            if uses(step) == "actions/checkout":
                assert step.get("with", {}).get("persist-credentials") is False, f"{workflow}:{name}"


def test_no_expression_is_interpolated_into_shell():
    for workflow, name, job in jobs():
        for step in job.get("steps", []):
            assert "${{" not in step.get("run", ""), f"{workflow}:{name}: pass values through env:, not ${{{{ }}}} in run:"


def test_no_workflow_runs_on_untrusted_triggers():
    for path in WORKFLOWS:
        triggers = load(path)["on"]
        assert not {"pull_request_target", "workflow_run", "issue_comment"} & set(triggers), path.name


# --- what each workflow does ---------------------------------------------------------------------


def test_ci_runs_the_readme_test_command_on_pull_requests_and_main():
    ci = load(GITHUB / "workflows" / "ci.yml")
    assert "pull_request" in ci["on"] and ci["on"]["push"]["branches"] == ["main"]
    assert [s["run"] for s in ci["jobs"]["test"]["steps"] if "run" in s] == ["./scripts/test"]


def test_preview_diffs_both_stacks_with_the_policy_pack_and_comments_on_the_pr():
    preview = load(GITHUB / "workflows" / "preview.yml")
    assert set(preview["on"]) == {"pull_request"}
    job = preview["jobs"]["preview"]
    assert job["strategy"]["matrix"]["stack"] == ["dev", "prod"]
    assert job["permissions"]["pull-requests"] == "write"
    runs = [s for s in job["steps"] if uses(s) == "pulumi/actions" and s.get("with", {}).get("command")]
    assert len(runs) == 1
    inputs = runs[0]["with"]
    assert inputs["command"] == "preview" and inputs["stack-name"] == "${{ matrix.stack }}"
    assert inputs["diff"] is True and inputs["comment-on-pr"] is True and inputs["policyPacks"] == "policy"
    assert inputs["refresh"] is True  # the preview role is proven for every refresh read (tests/proof)


def test_every_release_deploy_checks_the_services_after_pulumi_up():
    deploy = (GITHUB / "scripts" / "deploy").read_text()
    up = deploy.index("pulumi up --stack")
    check = deploy.index("scripts/deployment-check --stack \"$stack\" --image \"$image\"")
    assert up < check and "|| status=$?" in deploy[up:check] and 'exit "$status"' in deploy[check:]


def test_release_builds_once_and_promotes_the_same_digest_to_dev_then_prod():
    release = load(GITHUB / "workflows" / "release.yml")
    assert set(release["on"]) == {"push", "workflow_dispatch"} and release["on"]["push"]["branches"] == ["main"]
    jobs_ = release["jobs"]
    builds = [(name, s) for name, job in jobs_.items() for s in job["steps"] if uses(s) == "docker/build-push-action"]
    assert len(builds) == 1, "one build per release"
    build_job, build = builds[0]
    tags = build["with"]["tags"].strip().splitlines()
    assert build["with"]["push"] is True
    # one manifest pushed to each stack's repository, tagged by commit
    assert [t.rsplit("/", 1)[1] for t in tags] == [
        "${{ env.APP_NAME }}-dev:${{ github.sha }}", "${{ env.APP_NAME }}-prod:${{ github.sha }}"]
    assert jobs_[build_job]["outputs"]["digest"] == "${{ steps.build.outputs.digest }}"

    deploys = {}
    for name, job in jobs_.items():
        for step in job["steps"]:
            match = re.fullmatch(r'\.github/scripts/deploy (\w+) "\$\{REGISTRY\}/\$\{APP_NAME\}-(\w+)@\$\{DIGEST\}"',
                                 step.get("run", ""))
            if match:
                assert match.group(1) == match.group(2), "each stack from its own repository"
                assert step["env"]["DIGEST"] == f"${{{{ needs.{build_job}.outputs.digest }}}}", "the SAME digest"
                deploys[match.group(1)] = name
    assert set(deploys) == {"dev", "prod"}
    prod = jobs_[deploys["prod"]]
    assert deploys["dev"] in prod["needs"] and build_job in prod["needs"]
    assert prod["environment"]["name"] == "prod"
    assert "environment" not in jobs_[deploys["dev"]], "dev deploys from main (sub ref:refs/heads/main)"
    for job in jobs_.values():
        assert job["if"] == "github.ref == 'refs/heads/main'", "a dispatch from another branch must not deploy"
    assert release["concurrency"]["cancel-in-progress"] is False


def test_the_deploy_script_sets_the_image_and_enforces_the_policy_pack():
    deploy = (GITHUB / "scripts" / "deploy").read_text()
    assert 'pulumi config set --stack "$stack" image "$image"' in deploy
    assert "--policy-pack policy" in deploy and "rollout_lib.image_ref" in deploy
