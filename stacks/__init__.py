"""The Pulumi program of healthkit-fargate (stacks ``dev`` and ``prod``) and its mock runner.

- ``__main__.py``: the entry point Pulumi runs (``main: stacks/`` in Pulumi.yaml);
- ``config.py``: the only place that reads Pulumi config, into :class:`infra.settings.Settings`;
- ``program.py``: ``deploy(settings) -> outputs``, composing the components of ``infra/``;
- ``mockrun.py``: runs the program under Pulumi's mock runtime and records what it would create.
"""
