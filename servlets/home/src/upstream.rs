//! The servlets and services home calls (servlet.yaml: `calls: [nav, files, metadata]`).
//!
//! Stand-ins for the clients generated later from nav's and files' API crates and from
//! proto/services/metadata.proto; the runtime wires in real RPC clients, tests fakes.

use auth::UserId;

use crate::rpc::Status;

/// One entry of the navigation menu, as nav returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MenuItem {
    pub label: String,
    pub href: String,
    pub active: bool,
    pub badge: Option<String>,
}

/// One of the user's recent files, as files returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecentFile {
    pub name: String,
    pub path: String,
    pub size: u64,
    pub modified_at: u64,
}

/// nav.BuildMenu, called with the end user's token.
pub trait NavApi {
    fn build_menu(&self, token: &str, current_path: &str) -> Result<Vec<MenuItem>, Status>;
}

/// files.RecentFiles, called with the end user's token.
pub trait FilesApi {
    fn recent_files(&self, token: &str, limit: u32) -> Result<Vec<RecentFile>, Status>;
}

/// metadata.GetAccount, reduced to what home needs.
pub trait MetadataApi {
    fn display_name(&self, user: UserId) -> Result<String, Status>;
}
