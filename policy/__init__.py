"""The healthkit-fargate policy pack: DESIGN.md's invariants as Pulumi policies.

``resources.py`` is what a rule sees of a stack (the resource view, policy documents, container
definitions), ``rules.py`` holds the rules as plain functions (tests call them), ``pack.py`` wraps
them as pulumi_policy policies, ``__main__.py`` creates the PolicyPack (only there). Run it with
``pulumi preview --policy-pack policy``.

May import: ``infra.invariants`` (the contract's numbers), pulumi_policy and the standard library.
"""
