//! The Envoy config generated for fixture servlets. Real Envoy judges the example's config in
//! tests/e2e; these snapshots show what changes when the generator does.

mod support;

use support::{contents, generate};

#[test]
fn the_greeter_bootstrap() {
    let (files, problems) = generate(include_str!("fixtures/greeter.txt"));
    assert_eq!(problems, Vec::<String>::new());
    insta::assert_snapshot!(contents(&files, "gen/envoy/bootstrap.yaml"));
    let descriptors = files
        .iter()
        .find(|file| file.path == "gen/envoy/descriptors.pb")
        .expect("a descriptor set");
    assert!(orrery_codegen::is_generated(&descriptors.contents));
}

#[test]
fn external_services_get_clusters_and_tls_on_port_443() {
    let fixture = include_str!("fixtures/greeter.txt").replace(
        "teams: [demo]\n",
        "teams: [demo]\nservices:\n  weather: { address: \"weather.example.com:443\" }\n  ledger: { address: \"10.0.0.7:9000\" }\ndefaults: { timeout_ms: 2500 }\n",
    );
    let (files, problems) = generate(&fixture);
    assert_eq!(problems, Vec::<String>::new());
    insta::assert_snapshot!(contents(&files, "gen/envoy/bootstrap.yaml"));
}
