"""Per-account CI bootstrap of healthkit-fargate: settings (config), policies (pure), resources (Pulumi).

A separate Pulumi project (bootstrap/Pulumi.yaml runs bootstrap/__main__.py with bootstrap/ on the
path). May import: Pulumi, pulumi_aws and the standard library; nothing of the main program.
"""
