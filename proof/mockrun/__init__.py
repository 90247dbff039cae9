"""Run the stack program under Pulumi's mock runtime and record what it would send to AWS.

    from proof.mockrun import run_stack
    run = run_stack("dev")                       # Pulumi.yaml defaults + Pulumi.dev.yaml
    run = run_stack("prod", {"certificateArn": "arn:aws:acm:..."})   # plus overrides
    run.outputs["queueUrl"]; run.of_type("aws:sqs/queue:Queue"); run.one("aws:ecs/cluster:Cluster")

:func:`run_stack` loads the config exactly as the Pulumi CLI would hand it to the program
(project defaults, then the stack file, then ``overrides``), installs mocks that record every
resource (type token, logical name, resolved inputs, parent, options) and answer with plausible
ids, ARNs and URLs (account :data:`ACCOUNT_ID`, the stack's region), runs the real program
(:func:`stacks.program.main`, the function ``__main__.py`` runs) and returns a :class:`StackRun`
with the recorded resources and the stack outputs resolved to plain values.

Used by tests/infra and by the local rehearsal tool. Nothing here talks to AWS.

One concern per module: ``config`` (the stack's config as the CLI would pass it), ``records``
(what a run recorded), ``mocks`` (the answers AWS would give, and the recording monitor),
``runner`` (running a program under them).
"""

from proof.mockrun.config import MOCK_SECRET, REPO_ROOT, engine_config, load_stack_config, secret_config_keys
from proof.mockrun.mocks import ACCOUNT_ID, MockAws
from proof.mockrun.records import ProgramRun, RecordedCall, RecordedResource, StackRun, resources_of
from proof.mockrun.runner import ensure_event_loop, run_program, run_stack

__all__ = [
    "ACCOUNT_ID", "MockAws", "ProgramRun", "RecordedCall", "RecordedResource", "StackRun",
    "MOCK_SECRET", "REPO_ROOT", "engine_config", "ensure_event_loop", "load_stack_config", "resources_of",
    "run_program", "run_stack", "secret_config_keys",
]
