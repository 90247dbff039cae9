"""healthkit-fargate bootstrap: the per-account resources CI needs (see docs/deploy.md).

Reads the stack config, then builds everything in healthkit_bootstrap.resources; the policy
documents are pure functions in healthkit_bootstrap.policies.
"""

import pulumi
from healthkit_bootstrap.resources import bootstrap
from healthkit_bootstrap.settings import settings_from_config

outputs = bootstrap(settings_from_config(pulumi.Config()))
for name, value in outputs.items():
    pulumi.export(name, value)
