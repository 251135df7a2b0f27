//! A servlet's API: its protos compiled with protox (no protoc), and the HTTP routes its
//! google.api.http annotations bind.
//!
//! Compilation reads nothing from disk: discovery hands over the repository's proto texts, and
//! the google.api protos orrery needs are embedded in the binary, so any repository works.

mod compile;
mod routes;
pub mod template;

pub use compile::{GOOGLE_API_HTTP, compile_servlet};
pub use routes::{Route, Verb};

use prost_reflect::DescriptorPool;

use crate::component::ComponentId;

/// One servlet's compiled API.
#[derive(Clone, Debug)]
pub struct ServletApi {
    pub servlet: ComponentId,
    /// The servlet's proto files, repository-relative.
    pub files: Vec<String>,
    /// The encoded descriptor set, imports included, with every option (google.api.http
    /// among them) kept.
    pub descriptor_set: Vec<u8>,
    /// The same descriptors, decoded for lookups.
    pub pool: DescriptorPool,
    /// Every HTTP binding of every method, in file and declaration order.
    pub routes: Vec<Route>,
}

#[cfg(test)]
mod tests {
    use prost::Message;
    use prost_reflect::DescriptorPool;

    use super::*;
    use crate::snapshot::SourceText;

    const FILES: &str = r#"syntax = "proto3";
package demo.v1;
import "google/api/annotations.proto";
service Files {
  rpc Stat(StatRequest) returns (StatResponse) {
    option (google.api.http) = {
      get: "/v1/files/{path=**}"
      additional_bindings { custom { kind: "HEAD" path: "/v1/files/{path=**}" } }
      additional_bindings { post: "/v1/files/{path=**}:stat" body: "*" }
    };
  }
  rpc Usage(StatRequest) returns (StatResponse) {
    option (google.api.http) = { get: "/v1/usage" response_body: "size" };
  }
  rpc Internal(StatRequest) returns (StatResponse);
}
message StatRequest { string path = 1; }
message StatResponse { uint64 size = 1; }
"#;

    fn compile(text: &str) -> ServletApi {
        let protos = [SourceText {
            path: "servlets/files/proto/files.proto".into(),
            text: text.into(),
        }];
        compile_servlet(&ComponentId::new("servlets/files"), &protos)
            .expect("has protos")
            .expect("compiles")
    }

    fn table(routes: &[Route]) -> Vec<String> {
        routes
            .iter()
            .map(|r| {
                format!(
                    "{}.{} {} {} body={:?} response_body={:?} at {}",
                    r.service, r.method, r.verb, r.template, r.body, r.response_body, r.location
                )
            })
            .collect()
    }

    #[test]
    fn reads_every_binding_with_the_place_it_is_written() {
        assert_eq!(
            table(&compile(FILES).routes),
            [
                "demo.v1.Files.Stat GET /v1/files/{path=**} body=\"\" response_body=\"\" at servlets/files/proto/files.proto:7:12",
                "demo.v1.Files.Stat HEAD /v1/files/{path=**} body=\"\" response_body=\"\" at servlets/files/proto/files.proto:8:57",
                "demo.v1.Files.Stat POST /v1/files/{path=**}:stat body=\"*\" response_body=\"\" at servlets/files/proto/files.proto:9:35",
                "demo.v1.Files.Usage GET /v1/usage body=\"\" response_body=\"size\" at servlets/files/proto/files.proto:13:39",
            ]
        );
    }

    /// The descriptor set Envoy gets must keep the google.api.http options: reloaded, every
    /// annotated method still carries its rule. prost's typed descriptors would drop them.
    #[test]
    fn the_descriptor_set_keeps_the_http_options_and_prost_types_would_not() {
        let api = compile(FILES);
        let reloaded = DescriptorPool::decode(api.descriptor_set.as_slice()).unwrap();
        let http = reloaded
            .get_extension_by_name(GOOGLE_API_HTTP)
            .expect("imports are included");
        let annotated: Vec<String> = reloaded
            .services()
            .flat_map(|service| service.methods().collect::<Vec<_>>())
            .filter(|method| method.options().has_extension(&http))
            .map(|method| method.name().to_owned())
            .collect();
        assert_eq!(annotated, ["Stat", "Usage"]);

        let typed = prost_types::FileDescriptorSet::decode(api.descriptor_set.as_slice()).unwrap();
        let through_prost = DescriptorPool::decode(typed.encode_to_vec().as_slice()).unwrap();
        let http = through_prost
            .get_extension_by_name(GOOGLE_API_HTTP)
            .unwrap();
        let methods: Vec<_> = through_prost
            .services()
            .flat_map(|s| s.methods().collect::<Vec<_>>())
            .collect();
        assert_eq!(methods.len(), 3);
        assert!(
            methods
                .iter()
                .all(|method| !method.options().has_extension(&http))
        );
    }

    #[test]
    fn a_malformed_proto_is_an_input_error_at_its_position() {
        let protos = [SourceText {
            path: "servlets/files/proto/files.proto".into(),
            text: "syntax = \"proto3\";\nmessage A { string a = ; }\n".into(),
        }];
        let error = compile_servlet(&ComponentId::new("servlets/files"), &protos)
            .unwrap()
            .unwrap_err();
        assert_eq!(
            error.location.to_string(),
            "servlets/files/proto/files.proto:2:24"
        );
        assert!(
            error
                .message
                .starts_with("`servlets/files/proto/files.proto` does not compile: "),
            "{}",
            error.message
        );
    }
}
