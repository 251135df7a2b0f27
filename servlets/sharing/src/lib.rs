//! The sharing servlet: expiring links to a user's files.
//!
//! `rpc` holds the request, response and status types (local stand-ins until the API crate is
//! generated), `links` the in-memory link table and `handlers` the RPC handlers.

pub mod handlers;
pub mod links;
pub mod rpc;

pub use handlers::{SharingServlet, create_link, list_links, resolve_link, revoke_link};
