//! The probe servlet: synthetic calls that exercise the platform rather than a product.
//!
//! Canaries and load tests call `echo`. The drills (`sleep`, `fail`, `panic`) let operators and
//! the runtime's own tests check deadlines, graceful shutdown and panic isolation on a real
//! deployment; they answer PERMISSION_DENIED unless the process was started with
//! `ORRERY_PROBE_DRILLS=1`, so a production probe cannot be made to misbehave from outside.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use probe_api::{
    Code, EchoRequest, EchoResponse, FailRequest, FailResponse, PanicRequest, PanicResponse,
    SleepRequest, SleepResponse, Status,
};

/// The variable that enables the drills.
pub const DRILLS_VARIABLE: &str = "ORRERY_PROBE_DRILLS";

/// The longest sleep a drill may ask for.
const MAX_SLEEP_MILLIS: u32 = 60_000;

/// The servlet's state.
pub struct Probe {
    drills: bool,
    served: AtomicU64,
}

impl Probe {
    /// A probe with the drills enabled or not.
    pub fn new(drills: bool) -> Probe {
        Probe {
            drills,
            served: AtomicU64::new(0),
        }
    }

    fn drill(&self, name: &str) -> Result<(), Status> {
        if self.drills {
            Ok(())
        } else {
            Err(Status::permission_denied(format!(
                "the {name} drill is disabled: start the server with {DRILLS_VARIABLE}=1"
            )))
        }
    }
}

/// The servlet as the runtime starts it: drills only when `ORRERY_PROBE_DRILLS=1`.
pub fn init() -> Probe {
    Probe::new(std::env::var(DRILLS_VARIABLE).is_ok_and(|value| value == "1"))
}

/// Answers with the message it was sent.
pub async fn echo(probe: &Probe, request: EchoRequest) -> Result<EchoResponse, Status> {
    let served = probe.served.fetch_add(1, Ordering::Relaxed) + 1;
    Ok(EchoResponse {
        message: request.message,
        served,
    })
}

/// Answers after `millis` milliseconds.
pub async fn sleep(probe: &Probe, request: SleepRequest) -> Result<SleepResponse, Status> {
    probe.drill("sleep")?;
    if request.millis > MAX_SLEEP_MILLIS {
        return Err(Status::invalid_argument(format!(
            "millis is {}; at most {MAX_SLEEP_MILLIS}",
            request.millis
        )));
    }
    tokio::time::sleep(Duration::from_millis(request.millis.into())).await;
    Ok(SleepResponse {
        slept_millis: request.millis,
    })
}

/// Fails with the status it was asked for.
pub async fn fail(probe: &Probe, request: FailRequest) -> Result<FailResponse, Status> {
    probe.drill("fail")?;
    let code = i32::try_from(request.code)
        .ok()
        .filter(|code| (1..=16).contains(code))
        .map(Code::from_i32)
        .ok_or_else(|| {
            Status::invalid_argument(format!(
                "code is {}; a failure is 1 (CANCELLED) to 16 (UNAUTHENTICATED)",
                request.code
            ))
        })?;
    Err(Status::new(code, request.message))
}

/// Panics.
pub async fn panic(probe: &Probe, request: PanicRequest) -> Result<PanicResponse, Status> {
    probe.drill("panic")?;
    panic!("probe drill: {}", request.message);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn echo_counts_the_calls_it_served() {
        let probe = Probe::new(false);
        let first = echo(
            &probe,
            EchoRequest {
                message: "a".into(),
            },
        )
        .await
        .unwrap();
        let second = echo(
            &probe,
            EchoRequest {
                message: "b".into(),
            },
        )
        .await
        .unwrap();
        assert_eq!((first.message.as_str(), first.served), ("a", 1));
        assert_eq!((second.message.as_str(), second.served), ("b", 2));
    }

    #[tokio::test]
    async fn drills_are_denied_unless_enabled() {
        let probe = Probe::new(false);
        let status = sleep(&probe, SleepRequest { millis: 1 }).await.unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied);
        assert_eq!(
            status.message(),
            "the sleep drill is disabled: start the server with ORRERY_PROBE_DRILLS=1"
        );
        let status = panic(&probe, PanicRequest::default()).await.unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied);
    }

    #[tokio::test]
    async fn fail_answers_the_code_it_was_asked_for() {
        let probe = Probe::new(true);
        let asked = FailRequest {
            code: 5,
            message: "no such thing".into(),
        };
        let status = fail(&probe, asked).await.unwrap_err();
        assert_eq!(
            (status.code(), status.message()),
            (Code::NotFound, "no such thing")
        );
        let status = fail(
            &probe,
            FailRequest {
                code: 0,
                message: String::new(),
            },
        )
        .await
        .unwrap_err();
        assert_eq!(
            (status.code(), status.message()),
            (
                Code::InvalidArgument,
                "code is 0; a failure is 1 (CANCELLED) to 16 (UNAUTHENTICATED)"
            )
        );
    }

    #[tokio::test]
    async fn sleep_is_bounded() {
        let probe = Probe::new(true);
        let status = sleep(&probe, SleepRequest { millis: 60_001 })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        let slept = sleep(&probe, SleepRequest { millis: 1 }).await.unwrap();
        assert_eq!(slept.slept_millis, 1);
    }
}
