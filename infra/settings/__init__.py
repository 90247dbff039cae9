"""The stack's settings: one typed object, built once from stack config, validated as a whole.

Every setting is declared once, in ``model``, as a field of :class:`Settings` with its config key, type,
default and rule. ``Pulumi.yaml``'s ``config:`` block and ``docs/infra.md`` repeat them for humans
and the CLI; tests check the three agree.

:func:`load_settings` parses raw config values (strings, as the engine passes them, or plain
values), collects EVERY violation (type errors and rules) and raises one :class:`SettingsError`
listing each as (setting, value, rule, fix). Nothing here imports Pulumi.

One concern per module: ``fields`` (how a setting is declared), ``model`` (:class:`Settings`,
every setting and the derived values), ``parsing`` (raw config to typed values, unknown and
secret keys), ``rules`` (the rules across settings), ``errors`` (a broken rule and the error
listing them). May import: the standard library and ``infra.invariants``; never Pulumi.
"""

from infra.settings.errors import SettingsError, Violation
from infra.settings.fields import PROJECT, SECRET_CAPABLE, SettingSpec
from infra.settings.model import Settings, setting_specs
from infra.settings.parsing import load_settings
from infra.settings.rules import parse_image, validate

__all__ = [
    "PROJECT", "SECRET_CAPABLE", "SettingSpec", "Settings", "SettingsError", "Violation", "load_settings",
    "parse_image", "setting_specs", "validate",
]
