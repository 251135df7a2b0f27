"""ANALYSIS-ONLY STAND-IN for rules_rust's `//rust:repositories.bzl`; not rules_rust.

The repository functions a WORKSPACE calls, as no-ops: the stand-in rules need no toolchain,
because nothing is compiled. See tests/bazel/README.md.
"""

def rules_rust_dependencies(**_kwargs):
    pass

def rust_register_toolchains(**_kwargs):
    pass
