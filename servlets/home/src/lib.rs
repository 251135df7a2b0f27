//! The home servlet: assembles the homepage.
//!
//! `rpc` holds the request, response and status types (local stand-ins until the API crate is
//! generated), `upstream` the servlets and services home calls, `render` turns the pieces into
//! HTML, and `handlers` the RPC handler.

pub mod handlers;
pub mod render;
pub mod rpc;
pub mod upstream;

pub use handlers::{HomeServlet, get_homepage};
