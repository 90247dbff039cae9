"""The Pulumi program of healthkit-fargate (stacks ``dev`` and ``prod``), and nothing else.

- ``__main__.py``: the entry point Pulumi runs (``main: stacks/`` in Pulumi.yaml);
- ``config.py``: the only place that reads Pulumi config, into :class:`infra.settings.Settings`;
- ``program.py``: ``deploy(settings) -> outputs``, composing the components of ``infra/``.

May import: ``infra`` and Pulumi. The mock runner that runs this program offline is in ``proof``.
"""
