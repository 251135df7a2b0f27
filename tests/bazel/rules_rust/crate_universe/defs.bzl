"""ANALYSIS-ONLY STAND-IN for rules_rust's `//crate_universe:defs.bzl`; not rules_rust.

`crates_repository` declares the repository at a path that does not exist: the agreement tests
write a stand-in `crates` repository (one public filegroup per registry crate the tree uses)
and point Bazel at it with `--override_repository`, which needs the repository declared. See
tests/bazel/README.md.
"""

def crates_repository(name, **_kwargs):
    native.local_repository(
        name = name,
        path = "/nonexistent/overridden-by-the-agreement-tests",
    )
