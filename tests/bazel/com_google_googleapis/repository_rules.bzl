"""ANALYSIS-ONLY STAND-IN for googleapis' `//:repository_rules.bzl`; a no-op.

See tests/bazel/README.md.
"""

def switched_rules_by_language(name, **_kwargs):
    pass
