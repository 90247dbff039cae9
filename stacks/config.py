"""Stack config -> :class:`infra.settings.Settings`. The only module that reads Pulumi config."""

from __future__ import annotations

import os
from typing import Any

import pulumi

from infra.settings import PROJECT, Settings, load_settings, setting_specs


def _all_config() -> dict[str, Any]:
    """Every config key the engine passed (``namespace:key`` -> raw value)."""
    try:  # the SDK keeps the engine's config in a context variable
        from pulumi.runtime.config import CONFIG

        return dict(CONFIG.get())
    except (ImportError, AttributeError):  # pragma: no cover - older/newer SDK layouts
        return {}


def project_config_values() -> dict[str, Any]:
    """Raw values of this project's settings: every ``healthkit-fargate:*`` key that is set
    (unknown ones too, so typos are reported) plus the declared keys readable one by one."""
    values: dict[str, Any] = {
        key.split(":", 1)[1]: value
        for key, value in _all_config().items()
        if key.startswith(f"{PROJECT}:")
    }
    config = pulumi.Config(PROJECT)
    for spec in setting_specs():
        if spec.key not in values:
            raw = config.get(spec.key)
            if raw is not None:
                values[spec.key] = raw
    return values


def read_settings() -> Settings:
    """Build and validate the settings of the current stack (raises SettingsError)."""
    region = pulumi.Config("aws").get("region") or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    values = project_config_values()
    secret = [key for key in values if pulumi.runtime.is_config_secret(f"{PROJECT}:{key}")]
    return load_settings(values, stack=pulumi.get_stack(), region=region, secret_keys=secret)
