"""ANALYSIS-ONLY STAND-IN for rules_proto's `//proto:repositories.bzl`; a no-op.

See tests/bazel/README.md.
"""

def rules_proto_dependencies(**_kwargs):
    pass
