//! The nav servlet: the website's navigation menu.
//!
//! `rpc` holds the request, response and status types (local stand-ins until the API crate is
//! generated), `menu` decides which entries a user sees, `upstream` is the metadata service nav
//! calls, and `handlers` the RPC handler.

pub mod handlers;
pub mod menu;
pub mod rpc;
pub mod upstream;

pub use handlers::{NavServlet, build_menu};
