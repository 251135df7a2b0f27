//! The admin servlet: the staff console's backend.
//!
//! `rpc` holds the request, response and status types (local stand-ins until the API crate is
//! generated), `audit` the record of who inspected what, `upstream` the servlet and service
//! admin calls, and `handlers` the RPC handlers.

pub mod audit;
pub mod handlers;
pub mod rpc;
pub mod upstream;

pub use handlers::{AdminServlet, audit_log, inspect_user};
