//! What every generated adapter method does around the servlet's handler: deadline, panic
//! isolation, a tracing span and the per-method metrics.
//!
//! The generated code stays one line per method (`rt::unary(METHOD, request, handler)`), so
//! the behaviour lives, and is tested, here once.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

// tokio's clock is the system clock outside tests, and can be paused inside them.
use tokio::time::Instant;

use futures_util::FutureExt as _;
use tonic::{Code, Request, Response, Status};
use tracing::Instrument as _;

use crate::metrics;

/// Serves one unary call: runs `handler` on the request message and answers with what it
/// returns, and
///
/// - ends the call with DEADLINE_EXCEEDED when the caller's `grpc-timeout` passes first,
///   dropping the handler's future (so it stops at its next `.await`);
/// - turns a panicking handler into INTERNAL, counted in `orrery_grpc_panics_total`, while
///   the process keeps serving (the panic hook still prints the panic);
/// - runs the handler inside an `rpc` span carrying the method;
/// - records the call's code and latency under `method` (`/package.Service/Method`), also
///   when the call is dropped before it finishes (CANCELLED, or DEADLINE_EXCEEDED in the
///   deadline's last tenth: the caller's timer, or tonic's server enforcing `grpc-timeout`,
///   may drop the call just before ours fires).
pub async fn unary<Req, Resp, Handler, Fut>(
    method: &'static str,
    request: Request<Req>,
    handler: Handler,
) -> Result<Response<Resp>, Status>
where
    Handler: FnOnce(Req) -> Fut,
    Fut: Future<Output = Result<Resp, Status>>,
{
    let deadline = request
        .metadata()
        .get("grpc-timeout")
        .and_then(|value| value.to_str().ok())
        .and_then(parse_grpc_timeout);
    let mut call = Call {
        method,
        started: Instant::now(),
        deadline,
        finished: false,
    };
    let span = tracing::info_span!("rpc", rpc.method = method);
    let handled = AssertUnwindSafe(handler(request.into_inner()))
        .catch_unwind()
        .instrument(span);
    let outcome = match deadline {
        Some(timeout) => tokio::time::timeout(timeout, handled)
            .await
            .unwrap_or_else(|_| Ok(Err(deadline_exceeded(timeout)))),
        None => handled.await,
    };
    let result = match outcome {
        Ok(result) => result,
        Err(_panic) => {
            metrics::record_panic(method);
            tracing::error!(rpc.method = method, "handler panicked; answering INTERNAL");
            Err(Status::internal("the handler panicked"))
        }
    };
    call.finish(result.as_ref().map_or_else(Status::code, |_| Code::Ok));
    result.map(Response::new)
}

fn deadline_exceeded(timeout: Duration) -> Status {
    Status::deadline_exceeded(format!(
        "the call's deadline of {} ms passed",
        timeout.as_millis()
    ))
}

/// One call in flight; records its metrics once, when it finishes or is dropped.
struct Call {
    method: &'static str,
    started: Instant,
    deadline: Option<Duration>,
    finished: bool,
}

impl Call {
    fn finish(&mut self, code: Code) {
        self.finished = true;
        metrics::record(self.method, code, self.started.elapsed().as_secs_f64());
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        if !self.finished {
            let late = self
                .deadline
                .is_some_and(|deadline| self.started.elapsed() + grace(deadline) >= deadline);
            self.finish(if late {
                Code::DeadlineExceeded
            } else {
                Code::Cancelled
            });
        }
    }
}

/// How early a dropped call may end and still count as its deadline passing. The caller's
/// clock started before ours, by the time its request took to reach us (connecting, transit,
/// decoding), so its timer fires and cancels the stream a little before ours would: a tenth of
/// the deadline, at most 100 ms.
fn grace(deadline: Duration) -> Duration {
    (deadline / 10).min(Duration::from_millis(100))
}

/// A `grpc-timeout` value: at most 8 digits and a unit, `H`, `M`, `S`, `m` (milli), `u`
/// (micro) or `n` (nano), as the gRPC over HTTP/2 spec defines it. Anything else is ignored,
/// as if no deadline had been sent.
pub fn parse_grpc_timeout(value: &str) -> Option<Duration> {
    let (digits, unit) = value.split_at(value.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let amount: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(amount * 3600),
        "M" => Duration::from_secs(amount * 60),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeout_units() {
        assert_eq!(parse_grpc_timeout("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_grpc_timeout("2M"), Some(Duration::from_secs(120)));
        assert_eq!(parse_grpc_timeout("3S"), Some(Duration::from_secs(3)));
        assert_eq!(parse_grpc_timeout("250m"), Some(Duration::from_millis(250)));
        assert_eq!(
            parse_grpc_timeout("99999999u"),
            Some(Duration::from_micros(99_999_999))
        );
        assert_eq!(parse_grpc_timeout("5n"), Some(Duration::from_nanos(5)));
    }

    #[test]
    fn malformed_grpc_timeouts_are_ignored() {
        for value in ["", "m", "100", "123456789m", "1x", "-1S", "1.5S", "１S"] {
            assert_eq!(parse_grpc_timeout(value), None, "{value:?}");
        }
    }

    fn counter(method: &str, code: &str) -> u64 {
        let line = format!(r#"orrery_grpc_requests_total{{code="{code}",method="{method}"}} "#);
        metrics::render()
            .lines()
            .find_map(|l| l.strip_prefix(&line).map(|n| n.parse().unwrap()))
            .unwrap_or(0)
    }

    #[tokio::test]
    async fn answers_with_the_handler_and_records_ok() {
        let method = "/orrery.test.v1.Adapter/Ok";
        let response = unary(method, Request::new(20), |n: u32| async move { Ok(n + 1) })
            .await
            .unwrap();
        assert_eq!(response.into_inner(), 21);
        assert_eq!(counter(method, "OK"), 1);
    }

    #[tokio::test]
    async fn a_handler_error_is_the_answer() {
        let method = "/orrery.test.v1.Adapter/NotFound";
        let status = unary(method, Request::new(()), |()| async {
            Err::<(), _>(Status::not_found("no file"))
        })
        .await
        .unwrap_err();
        assert_eq!(
            (status.code(), status.message()),
            (Code::NotFound, "no file")
        );
        assert_eq!(counter(method, "NOT_FOUND"), 1);
    }

    #[tokio::test]
    async fn a_panic_is_internal_and_counted() {
        let method = "/orrery.test.v1.Adapter/Panic";
        let status = unary(method, Request::new(()), |()| async {
            if true {
                panic!("boom");
            }
            Ok(())
        })
        .await
        .unwrap_err();
        assert_eq!(
            (status.code(), status.message()),
            (Code::Internal, "the handler panicked")
        );
        assert_eq!(counter(method, "INTERNAL"), 1);
        assert!(
            metrics::render().contains(&format!(
                r#"orrery_grpc_panics_total{{method="{method}"}} 1"#
            )),
            "{}",
            metrics::render()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_ends_a_slow_handler() {
        let method = "/orrery.test.v1.Adapter/Slow";
        let mut request = Request::new(());
        request.set_timeout(Duration::from_millis(100));
        let status = unary(method, request, |()| async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok(())
        })
        .await
        .unwrap_err();
        assert_eq!(
            (status.code(), status.message()),
            (
                Code::DeadlineExceeded,
                "the call's deadline of 100 ms passed"
            )
        );
        assert_eq!(counter(method, "DEADLINE_EXCEEDED"), 1);
    }

    /// Drops a call with a 300 ms deadline after `millis`; its (DEADLINE_EXCEEDED, CANCELLED)
    /// counts under `method`.
    async fn drop_after(method: &'static str, millis: u64) -> (u64, u64) {
        let mut request = Request::new(());
        request.set_timeout(Duration::from_millis(300));
        let call = unary(method, request, |()| {
            std::future::pending::<Result<(), _>>()
        });
        let dropped = tokio::time::timeout(Duration::from_millis(millis), call).await;
        assert!(dropped.is_err());
        (
            counter(method, "DEADLINE_EXCEEDED"),
            counter(method, "CANCELLED"),
        )
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_dropped_in_its_deadlines_last_tenth_counts_as_deadline_exceeded() {
        assert_eq!(
            drop_after("/orrery.test.v1.Adapter/DroppedLate", 275).await,
            (1, 0)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_dropped_well_before_its_deadline_counts_as_cancelled() {
        assert_eq!(
            drop_after("/orrery.test.v1.Adapter/DroppedEarly", 265).await,
            (0, 1)
        );
    }

    #[tokio::test]
    async fn a_dropped_call_is_recorded_as_cancelled() {
        let method = "/orrery.test.v1.Adapter/Dropped";
        let call = unary(method, Request::new(()), |()| {
            std::future::pending::<Result<(), _>>()
        });
        let polled_once = tokio::time::timeout(Duration::from_millis(10), call).await;
        assert!(polled_once.is_err());
        assert_eq!(counter(method, "CANCELLED"), 1);
    }
}
