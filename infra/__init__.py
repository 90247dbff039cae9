"""Reusable Pulumi components and pure helpers for the healthkit-fargate toolkit.

One concern per module (see docs/infra.md). Components take a typed args dataclass and expose
outputs; pure helpers (policy documents, container definitions, invariants) are plain functions
that tests call without Pulumi. Only the stack program (``stacks/``) reads Pulumi config.
"""
