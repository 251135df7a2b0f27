"""ANALYSIS-ONLY STAND-IN for rules_rust's `//rust:defs.bzl`; not rules_rust.

A test double for orrery's Bazel agreement tests (tests/e2e/tests/bazel.rs): the real rules
cannot be downloaded offline. Each macro has the name of the rules_rust rule and accepts its
attributes, and declares one native `filegroup` whose `srcs` are every label the real rule
depends on and whose `visibility` is the one given. Nothing is compiled. `bazel build --nobuild`
then runs Bazel's own visibility and cycle checks on exactly the dependencies the BUILD files
declare; nothing here looks at visibility. See tests/bazel/README.md.
"""

# The attributes of rules_rust's rules that hold labels the target depends on.
_LABEL_LISTS = ["srcs", "deps", "proc_macro_deps", "data", "compile_data", "rustc_env_files"]

# The other attributes of rust_library and rust_binary (rules_rust 0.61), and the attributes
# every rule takes. An attribute outside these is a mistake in the BUILD file, as it would be
# with the real rules.
_OTHER_ATTRIBUTES = [
    "aliases",
    "crate_features",
    "crate_name",
    "crate_root",
    "disable_pipelining",
    "edition",
    "lint_config",
    "rustc_env",
    "rustc_flags",
    "stamp",
    "version",
    # rust_binary
    "crate_type",
    "linker_script",
    "malloc",
    "out_binary",
    "platform",
    # every rule
    "compatible_with",
    "exec_compatible_with",
    "features",
    "tags",
    "target_compatible_with",
    "testonly",
]

def _stand_in(rule, name, visibility, attributes):
    labels = []
    for attribute, value in attributes.items():
        if attribute in _LABEL_LISTS:
            dependencies = value
        elif attribute == "aliases":
            # A label-keyed dict: its keys are dependencies too.
            dependencies = value.keys()
        elif attribute in _OTHER_ATTRIBUTES:
            continue
        else:
            fail("%s has no attribute `%s`" % (rule, attribute))
        for label in dependencies:
            if label not in labels:
                labels.append(label)
    native.filegroup(
        name = name,
        srcs = labels,
        tags = attributes.get("tags", []),
        testonly = attributes.get("testonly", False),
        visibility = visibility,
    )

def rust_library(name, visibility = None, **attributes):
    _stand_in("rust_library", name, visibility, attributes)

def rust_binary(name, visibility = None, **attributes):
    _stand_in("rust_binary", name, visibility, attributes)
