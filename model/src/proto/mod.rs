//! A servlet's API: its protos compiled with protox (no protoc), and the HTTP routes its
//! google.api.http annotations bind.
//!
//! Compilation reads nothing from disk: discovery hands over the repository's proto texts, and
//! the google.api protos orrery needs are embedded in the binary, so any repository works.

mod compile;
mod routes;
pub mod template;

pub use compile::{GOOGLE_API_HTTP, compile_servlet, compile_servlets};
pub use routes::{Route, Verb};

use std::sync::OnceLock;

use prost_reflect::DescriptorPool;

use crate::component::ComponentId;

/// One servlet's compiled API.
#[derive(Clone, Debug)]
pub struct ServletApi {
    pub servlet: ComponentId,
    /// The servlet's proto files, repository-relative.
    pub files: Vec<String>,
    /// The descriptors, decoded for lookups: the servlet's files and their imports, and maybe
    /// other servlets' files compiled alongside (look up by the names in `files`).
    pub pool: DescriptorPool,
    /// Every HTTP binding of every method, in file and declaration order.
    pub routes: Vec<Route>,
    /// The encoded set: only `orrery gen` needs it, and with source info and imports it is
    /// hundreds of kilobytes per servlet, so it may be made on first use.
    descriptor_set: compile::DescriptorSet,
    made: OnceLock<Vec<u8>>,
}

impl ServletApi {
    /// The encoded descriptor set, imports included, each file after its imports, with full
    /// source info and every option (google.api.http among them) kept.
    pub fn descriptor_set(&self) -> &[u8] {
        match &self.descriptor_set {
            compile::DescriptorSet::Made(bytes) => bytes,
            compile::DescriptorSet::Later(sources) => self
                .made
                .get_or_init(|| compile::encode_alone(&self.files, sources)),
        }
    }
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
        let reloaded = DescriptorPool::decode(api.descriptor_set()).unwrap();
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

        let typed = prost_types::FileDescriptorSet::decode(api.descriptor_set()).unwrap();
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

    fn proto(path: &str, text: &str) -> SourceText {
        SourceText {
            path: path.into(),
            text: text.into(),
        }
    }

    /// Three servlets sharing an import from the repository's proto/, in the order that makes
    /// the shared pool's order differ from each servlet's own.
    fn shared_repository() -> Vec<SourceText> {
        let common = "syntax = \"proto3\";\npackage common.v1;\nmessage Page { int32 size = 1; }\n";
        let servlet = |name: &str, imports: &[&str]| {
            let imports: String = imports
                .iter()
                .map(|i| format!("import \"{i}\";\n"))
                .collect();
            format!(
                "syntax = \"proto3\";\npackage {name}.v1;\n{imports}\
                 service S {{ rpc Get(Req) returns (Req) {{ option (google.api.http) = {{ get: \"/v1/{name}/{{id}}\" }}; }} }}\n\
                 message Req {{ string id = 1; }}\n"
            )
        };
        vec![
            proto("proto/common/page.proto", common),
            proto(
                "servlets/a/proto/a.proto",
                &servlet("a", &["google/api/annotations.proto", "common/page.proto"]),
            ),
            proto(
                "servlets/b/proto/b.proto",
                &servlet("b", &["common/page.proto", "google/api/annotations.proto"]),
            ),
            proto(
                "servlets/c/proto/c.proto",
                &servlet("c", &["google/api/annotations.proto"]),
            ),
        ]
    }

    #[test]
    fn compiling_together_gives_each_servlet_what_its_own_compiler_gives() {
        let protos = shared_repository();
        let ids: Vec<ComponentId> = ["a", "b", "c"]
            .iter()
            .map(|name| ComponentId::new(format!("servlets/{name}")))
            .collect();
        let together = compile_servlets(&ids, &protos);
        assert_eq!(together.len(), 3);
        for id in &ids {
            let alone = compile_servlet(id, &protos).unwrap().unwrap();
            let shared = together[id].as_ref().unwrap();
            assert_eq!(shared.descriptor_set(), alone.descriptor_set(), "{id}");
            assert_eq!(shared.routes, alone.routes, "{id}");
            assert_eq!(shared.files, alone.files, "{id}");
        }
        // b imports common before annotations: its set lists common first, as protox would.
        let set = prost_types::FileDescriptorSet::decode(
            together[&ids[1]].as_ref().unwrap().descriptor_set(),
        )
        .unwrap();
        let names: Vec<&str> = set.file.iter().map(|f| f.name()).collect();
        assert_eq!(
            names,
            [
                "common/page.proto",
                "google/api/http.proto",
                "google/protobuf/descriptor.proto",
                "google/api/annotations.proto",
                "servlets/b/proto/b.proto"
            ]
        );
    }

    #[test]
    fn servlets_that_cannot_share_one_pool_are_compiled_alone() {
        // Both declare `same.v1.Req`: fine for each alone, a conflict in one pool.
        let text = |name: &str| {
            format!(
                "syntax = \"proto3\";\npackage same.v1;\nmessage Req {{ string {name} = 1; }}\n"
            )
        };
        let mut protos = vec![
            proto("servlets/a/proto/a.proto", &text("a")),
            proto("servlets/b/proto/b.proto", &text("b")),
        ];
        protos.push(proto(
            "servlets/c/proto/c.proto",
            "syntax = \"proto3\";\nmessage {",
        ));
        let ids: Vec<ComponentId> = ["a", "b", "c", "d"]
            .iter()
            .map(|name| ComponentId::new(format!("servlets/{name}")))
            .collect();
        let apis = compile_servlets(&ids, &protos);
        let outcome: Vec<(&str, bool)> = apis
            .iter()
            .map(|(id, api)| (id.as_str(), api.is_ok()))
            .collect();
        assert_eq!(
            outcome,
            [
                ("servlets/a", true),
                ("servlets/b", true),
                ("servlets/c", false)
            ]
        );
        assert_eq!(
            apis[&ids[2]].as_ref().unwrap_err().location.path,
            "servlets/c/proto/c.proto"
        );
    }
}
