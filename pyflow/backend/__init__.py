"""Backends: lower the simplified CFG to ASL states (JSONata is the default target)."""
