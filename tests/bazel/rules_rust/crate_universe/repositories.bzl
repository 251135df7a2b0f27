"""ANALYSIS-ONLY STAND-IN for rules_rust's `//crate_universe:repositories.bzl`; a no-op.

See tests/bazel/README.md.
"""

def crate_universe_dependencies(**_kwargs):
    pass
