//! Environment variables and their precedence against flags. Setting variables races with
//! any other thread reading the environment, so this binary holds exactly one test, and the
//! cases run one after another inside it.

use std::time::Duration;

use orrery_runtime::Config;

const VARS: [&str; 3] = [
    "ORRERY_LISTEN",
    "ORRERY_METRICS_LISTEN",
    "ORRERY_DRAIN_TIMEOUT_MS",
];

fn set(vars: &[(&str, &str)]) {
    // SAFETY: this test binary has a single test and starts no threads of its own, so
    // nothing reads the environment concurrently.
    unsafe {
        for name in VARS {
            std::env::remove_var(name);
        }
        for (name, value) in vars {
            std::env::set_var(name, value);
        }
    }
}

#[test]
fn env_and_flag_precedence() {
    // Nothing set: the defaults.
    set(&[]);
    assert_eq!(
        Config::try_parse_from(["server"]).unwrap(),
        Config::default()
    );

    // Env over defaults.
    set(&[
        ("ORRERY_LISTEN", "0.0.0.0:6000"),
        ("ORRERY_METRICS_LISTEN", "0.0.0.0:6001"),
        ("ORRERY_DRAIN_TIMEOUT_MS", "1500"),
    ]);
    let config = Config::try_parse_from(["server"]).unwrap();
    assert_eq!(config.listen, "0.0.0.0:6000".parse().unwrap());
    assert_eq!(config.metrics_listen, "0.0.0.0:6001".parse().unwrap());
    assert_eq!(config.drain_timeout, Duration::from_millis(1500));

    // Flags over env, each setting on its own.
    let config = Config::try_parse_from(["server", "--listen", "127.0.0.1:7000"]).unwrap();
    assert_eq!(config.listen, "127.0.0.1:7000".parse().unwrap());
    assert_eq!(config.metrics_listen, "0.0.0.0:6001".parse().unwrap());
    assert_eq!(config.drain_timeout, Duration::from_millis(1500));
    let config = Config::try_parse_from([
        "server",
        "--metrics-listen",
        "127.0.0.1:7001",
        "--drain-timeout-ms=0",
    ])
    .unwrap();
    assert_eq!(config.listen, "0.0.0.0:6000".parse().unwrap());
    assert_eq!(config.metrics_listen, "127.0.0.1:7001".parse().unwrap());
    assert_eq!(config.drain_timeout, Duration::ZERO);

    // A bad env value is an error naming the variable's flag and the value...
    set(&[("ORRERY_DRAIN_TIMEOUT_MS", "ten seconds")]);
    let err = Config::try_parse_from(["server"]).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("--drain-timeout-ms"), "{text}");
    assert!(text.contains("ten seconds"), "{text}");

    // ...unless a flag overrides it: clap validates only the value it uses.
    let config = Config::try_parse_from(["server", "--drain-timeout-ms", "20"]).unwrap();
    assert_eq!(config.drain_timeout, Duration::from_millis(20));

    set(&[("ORRERY_METRICS_LISTEN", "localhost")]);
    let text = Config::try_parse_from(["server"]).unwrap_err().to_string();
    assert!(text.contains("--metrics-listen"), "{text}");
    assert!(text.contains("localhost"), "{text}");

    set(&[]);
}
