//! Every generated Rust file parses with syn, as orrery's handler check parses it.

use orrery_synth::{Spec, generate};

#[test]
fn every_rust_file_parses() {
    for (seed, violations) in [(1, false), (2, true), (3, true)] {
        let spec = Spec {
            seed,
            servlets: 40,
            libs: 15,
            lines: 600,
            violations,
        };
        let files = generate(&spec);
        let mut parsed = 0;
        for file in files.iter().filter(|file| file.path.ends_with(".rs")) {
            if let Err(error) = syn::parse_file(&file.contents) {
                panic!("{} does not parse: {error}", file.path);
            }
            parsed += 1;
        }
        // At least three files per crate.
        assert!(parsed >= 3 * 55, "{parsed} files");
    }
}
