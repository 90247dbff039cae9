"""The offline proof of the Pulumi programs: no AWS, no Pulumi CLI.

- ``mockrun``: runs a stack program (or any program function) under Pulumi's mock runtime and
  records every resource it would create, with plausible ids and ARNs;
- ``aws_requests``: each recorded resource as the AWS API requests the provider would send, and
  their validation against botocore's service models;
- ``ci_permissions``: the CI roles proven sufficient for every call ``pulumi up`` and
  ``pulumi preview --refresh`` make, from pike's mappings and the IAM dataset, by a real IAM
  policy evaluator (Node, test-time only).

Used by tests/infra and by the rehearsal. May import: ``infra`` (the settings), ``stacks`` (the
program it runs), Pulumi, botocore and the standard library; never ``tests``.
"""
