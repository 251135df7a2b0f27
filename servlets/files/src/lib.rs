//! The files servlet: a user's files, kept in an in-memory stand-in for the blob store.
//!
//! `rpc` holds the request, response and status types (local stand-ins until the API crate is
//! generated), `store` the file table, `upstream` the sharing API this servlet calls, and
//! `handlers` the RPC handlers.

pub mod handlers;
pub mod rpc;
pub mod store;
pub mod upstream;

pub use handlers::{
    FilesServlet, list_files, put_file, recent_files, share_file, stat_file, usage,
};
