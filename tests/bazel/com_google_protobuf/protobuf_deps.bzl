"""ANALYSIS-ONLY STAND-IN for protobuf's `//:protobuf_deps.bzl`; a no-op.

See tests/bazel/README.md.
"""

def protobuf_deps(**_kwargs):
    pass
