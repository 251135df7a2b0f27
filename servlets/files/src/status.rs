//! How the libraries' errors answer a call: their gRPC status.

use files_api::Status;

/// A refused session: PERMISSION_DENIED when it lacks a scope, UNAUTHENTICATED otherwise.
pub fn auth_status(error: auth::AuthError) -> Status {
    match error {
        auth::AuthError::MissingScope(_) => Status::permission_denied(error.to_string()),
        _ => Status::unauthenticated(error.to_string()),
    }
}

/// A path that makes no storage key: INVALID_ARGUMENT.
pub fn key_status(error: storage_keys::KeyError) -> Status {
    Status::invalid_argument(error.to_string())
}
