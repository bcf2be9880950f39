"""Linking organisations to registries: identifier rules, schemes and registry pages."""
