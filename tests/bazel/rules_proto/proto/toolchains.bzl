"""ANALYSIS-ONLY STAND-IN for rules_proto's `//proto:toolchains.bzl`; a no-op.

See tests/bazel/README.md.
"""

def rules_proto_toolchains(**_kwargs):
    pass
