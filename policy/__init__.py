"""The healthkit-fargate policy pack: DESIGN.md's invariants as Pulumi policies.

``rules.py`` holds the rules as plain functions (tests call them), ``pack.py`` wraps them as
pulumi_policy policies, ``__main__.py`` creates the PolicyPack (only there). Run it with
``pulumi preview --policy-pack policy``.
"""
