"""ANALYSIS-ONLY STAND-IN for rules_proto's `//proto:defs.bzl`; not rules_proto.

A test double for orrery's Bazel agreement tests (tests/e2e/tests/bazel.rs). `proto_library`
has the real rule's name and accepts its attributes, and declares one native `filegroup` over
every label the real rule depends on, with the visibility given, so that Bazel's own
visibility and cycle checks judge those dependencies. Nothing is compiled, and nothing here
looks at visibility. See tests/bazel/README.md.
"""

_LABEL_LISTS = ["srcs", "deps", "exports", "data", "option_deps"]

_OTHER_ATTRIBUTES = [
    "allow_exports",
    "import_prefix",
    "strip_import_prefix",
    "compatible_with",
    "exec_compatible_with",
    "features",
    "tags",
    "target_compatible_with",
    "testonly",
]

def proto_library(name, visibility = None, **attributes):
    labels = []
    for attribute, value in attributes.items():
        if attribute in _LABEL_LISTS:
            for label in value:
                if label not in labels:
                    labels.append(label)
        elif attribute not in _OTHER_ATTRIBUTES:
            fail("proto_library has no attribute `%s`" % attribute)
    native.filegroup(
        name = name,
        srcs = labels,
        tags = attributes.get("tags", []),
        testonly = attributes.get("testonly", False),
        visibility = visibility,
    )
