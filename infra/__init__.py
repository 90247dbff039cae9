"""Reusable Pulumi components and pure helpers for the healthkit-fargate toolkit.

One concern per module (see docs/infra.md). Components take a typed args dataclass and expose
outputs; pure helpers (policy documents, container definitions, invariants) are plain functions
that tests call without Pulumi. Only the stack program (``stacks/``) reads Pulumi config.

May import: Pulumi (pulumi, pulumi_aws, pulumi_awsx, pulumi_random) and the standard library;
never ``stacks``, ``proof``, ``rehearsal`` or ``tests`` (they build on infra, not the reverse).
"""
