"""Helpers of scripts/rollout: ship a new image to both ECS services without `pulumi up`.

Modules: image_ref (what an image reference must look like), taskdefs (pure: the next task
definition from the current one), stack_config (the stack's Pulumi.<stack>.yaml), push (docker
push to ECR), ecs_rollout (register, update, wait), cli (the command line).

May import: the standard library, PyYAML and boto3 (docker runs as a command); nothing of the
repository outside scripts/.
"""
