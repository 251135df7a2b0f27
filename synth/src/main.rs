//! `orrery-synth --out DIR`: writes a synthetic orrery monorepo (see the library's docs).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use orrery_synth::{Spec, generate, write};

/// Writes a deterministic synthetic orrery monorepo into an empty directory.
#[derive(Parser, Debug)]
#[command(name = "orrery-synth", version)]
struct Args {
    /// Where to write the repository; created if missing, refused if not empty.
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = 1000)]
    servlets: usize,
    #[arg(long, default_value_t = 200)]
    libs: usize,
    /// About how many lines of Rust each servlet and library gets.
    #[arg(long, default_value_t = 830)]
    lines: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Inject one violation of each rule orrery checks.
    #[arg(long)]
    violations: bool,
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(error) => {
            // --help and --version are not errors.
            let code = if error.use_stderr() { 2 } else { 0 };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    let spec = Spec {
        seed: args.seed,
        servlets: args.servlets,
        libs: args.libs,
        lines: args.lines,
        violations: args.violations,
    };
    let started = Instant::now();
    let files = generate(&spec);
    let generated = started.elapsed();
    if let Err(error) = write(&args.out, &files) {
        eprintln!("orrery-synth: cannot write {}: {error}", args.out.display());
        return ExitCode::from(2);
    }
    let rust: Vec<_> = files.iter().filter(|f| f.path.ends_with(".rs")).collect();
    let rust_lines: usize = rust.iter().map(|f| f.contents.lines().count()).sum();
    let rust_bytes: usize = rust.iter().map(|f| f.contents.len()).sum();
    let bytes: usize = files.iter().map(|f| f.contents.len()).sum();
    eprintln!(
        "orrery-synth: {} files ({} .rs), {rust_lines} lines and {rust_bytes} bytes of Rust, {bytes} bytes in all; generated in {generated:.2?}, written in {:.2?} -> {}",
        files.len(),
        rust.len(),
        started.elapsed() - generated,
        args.out.display()
    );
    ExitCode::SUCCESS
}
