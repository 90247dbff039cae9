"""Per-account CI bootstrap of healthkit-fargate: settings (config), policies (pure), resources (Pulumi)."""
