//! The `orrery` command line: parses arguments, runs the pipeline, renders at the edge and
//! maps the outcome to an exit status (0 clean, 1 violations, 2 usage or I/O errors).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command as Process, ExitCode};

use clap::{Parser, Subcommand, ValueEnum};
use orrery_codegen::GeneratedFile;
use orrery_lint::cache::{self, Checked};
use orrery_lint::discover::Reading;
use orrery_lint::memo::{self, Memo};
use orrery_lint::{
    analyze, analyze_in_stages, analyze_knowing, baseline, discover, query, render, scope,
};
use orrery_model::{ComponentId, Diagnostic, Repository, RuleId, Snapshot};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod affected;
#[cfg(unix)]
mod dev;
mod progress;
mod write;

use progress::{Progress, Verbosity};

#[derive(Parser)]
#[command(
    name = "orrery",
    version,
    about = "Boundaries and boilerplate for a monorepo of servlets"
)]
struct Cli {
    /// The repository root; default: the nearest ancestor holding orrery.yaml.
    #[arg(long, global = true, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Print only problems: no progress, no summaries.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Also print each stage's time, and what the cache did.
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check visibility, private servlets, declared calls and cycles on the real imports.
    Check {
        /// Report only violations whose evidence lies in files changed since REV (default HEAD),
        /// including untracked files.
        #[arg(long, value_name = "REV", num_args = 0..=1, default_missing_value = "HEAD", conflicts_with = "files")]
        changed: Option<String>,
        /// Report only violations whose evidence lies in these files.
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Record today's violations in orrery-todo.yaml.
        #[arg(long, conflicts_with_all = ["changed", "files"])]
        write_todo: bool,
    },
    /// Check, then write every generated file; with --check, fail if any is stale.
    Gen {
        /// Write nothing; exit 1 listing every stale, missing or orphaned generated file.
        #[arg(long)]
        check: bool,
    },
    /// Print the component graph, whole or around one component.
    Graph {
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
        component: Option<String>,
    },
    /// Show the shortest dependency path from one component to another, with evidence.
    Why { from: String, to: String },
    /// List the servlets whose deployable output changed since REV, each with the reasons.
    Affected {
        /// The revision to compare the working tree with (committed, staged, unstaged and
        /// untracked changes all count).
        #[arg(long, value_name = "REV")]
        since: String,
        #[arg(long, value_enum, default_value_t = affected::Format::Human)]
        format: affected::Format,
    },
    /// Run every servlet in one process (the monolith) behind a local Envoy, until Ctrl-C.
    Dev {
        /// Envoy's port for HTTP/JSON, gRPC and gRPC-Web; default: the port of `envoy.listen`.
        #[arg(long, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
        port: Option<u16>,
        /// The monolith's gRPC port.
        #[arg(long, value_name = "PORT", default_value_t = 50051, value_parser = clap::value_parser!(u16).range(1..))]
        grpc_port: u16,
        /// Envoy's admin port; default: the port of `envoy.admin`.
        #[arg(long, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
        admin_port: Option<u16>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    Dot,
    Mermaid,
    Json,
}

/// A failure to run at all: bad arguments, no repository, an I/O error. Exit status 2.
struct Usage(String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, Usage> {
    let cwd = std::env::current_dir()
        .map_err(|e| Usage(format!("cannot read the current directory: {e}")))?;
    let root = match &cli.root {
        Some(root) if root.join(discover::CONFIG).is_file() => root.clone(),
        Some(root) => return Err(Usage(format!("`{}` holds no orrery.yaml", root.display()))),
        None => discover::find_root(&cwd).ok_or_else(|| {
            Usage(format!("no orrery.yaml in `{}` or any parent; run orrery inside a repository or pass --root", cwd.display()))
        })?,
    };
    let mut progress = Progress::new(match (cli.quiet, cli.verbose) {
        (true, _) => Verbosity::Quiet,
        (false, true) => Verbosity::Verbose,
        (false, false) => Verbosity::Normal,
    });
    let code = match cli.command {
        Command::Check {
            changed,
            files,
            format,
            write_todo,
        } => {
            let scope = match (changed, files.is_empty()) {
                (Some(rev), _) => Some(changed_files(&root, &rev)?),
                (None, false) => Some(
                    files
                        .iter()
                        .map(|file| relative_to_root(&root, &cwd, file))
                        .collect::<Result<_, _>>()?,
                ),
                (None, true) => None,
            };
            check(&root, scope, format, write_todo, &mut progress)
        }
        Command::Gen { check } => generate(&root, check, &mut progress),
        Command::Affected { since, format } => affected::run(&root, &since, format),
        #[cfg(unix)]
        Command::Dev {
            port,
            grpc_port,
            admin_port,
        } => dev::run(
            &root,
            &mut progress,
            dev::Ports {
                envoy: port,
                grpc: grpc_port,
                admin: admin_port,
            },
        ),
        #[cfg(not(unix))]
        Command::Dev { .. } => Err(Usage("`orrery dev` runs on Unix only".to_owned())),
        Command::Graph { format, component } => {
            let analysis = analyze(&discover::discover_reading(&root, Reading::Sources));
            let focus = component
                .map(|name| known(&analysis.repository, &name))
                .transpose()?;
            let text = match format {
                GraphFormat::Dot => {
                    query::dot(&analysis.repository, &analysis.graph, focus.as_ref())
                }
                GraphFormat::Mermaid => {
                    query::mermaid(&analysis.repository, &analysis.graph, focus.as_ref())
                }
                GraphFormat::Json => {
                    query::json(&analysis.repository, &analysis.graph, focus.as_ref())
                }
            };
            print(&text);
            Ok(ExitCode::SUCCESS)
        }
        Command::Why { from, to } => {
            let analysis = analyze(&discover::discover_reading(&root, Reading::Sources));
            let (from, to) = (
                known(&analysis.repository, &from)?,
                known(&analysis.repository, &to)?,
            );
            match query::why(&analysis.graph, &from, &to) {
                Some(text) => {
                    print(&text);
                    Ok(ExitCode::SUCCESS)
                }
                None => {
                    print(&format!("`{from}` does not depend on `{to}`\n"));
                    Ok(ExitCode::from(1))
                }
            }
        }
    };
    progress.finish();
    code
}

fn check(
    root: &Path,
    scope: Option<BTreeSet<String>>,
    format: Format,
    write_todo: bool,
    progress: &mut Progress,
) -> Result<ExitCode, Usage> {
    let checked = checked(root, progress);
    progress.stage("report");
    let Checked {
        components,
        diagnostics,
        cycles,
    } = checked;
    let (mut diagnostics, baselined) = if write_todo {
        let text = baseline::write(&diagnostics);
        write::atomically(&root.join(discover::BASELINE), text.as_bytes())
            .map_err(|e| Usage(format!("cannot write {}: {e}", discover::BASELINE)))?;
        let (rest, recorded): (Vec<_>, Vec<_>) = diagnostics
            .into_iter()
            .partition(|d| baseline::key(d).is_none());
        progress.status(format_args!(
            "wrote {} with {} violation(s)",
            discover::BASELINE,
            recorded.len()
        ));
        (rest, recorded.len())
    } else {
        baseline::narrow(discover::baseline(root).as_ref(), diagnostics)
    };
    if let Some(files) = &scope {
        diagnostics = scope::restrict(diagnostics, &cycles, files);
    }
    let text = match format {
        Format::Human => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let shown = diagnostics.iter().flat_map(|d| {
                std::iter::once(d.location.path.as_str())
                    .chain(d.related.iter().map(|r| r.location.path.as_str()))
            });
            let texts = discover::texts(root, shown);
            let mut text = render::human::render(&diagnostics, &texts, color);
            if !progress.is_quiet() {
                text.push_str(&summary(&diagnostics, baselined, components));
            }
            text
        }
        Format::Json => render::json::render(&diagnostics, baselined),
        Format::Sarif => render::sarif::render(&diagnostics),
        Format::Github => render::github::render(&diagnostics),
    };
    print(&text);
    Ok(exit_code(&diagnostics))
}

/// The outcome of the full check: from the cache when the tree's fingerprint matches it, else
/// computed, and cached when the tree's timestamps can be trusted.
fn checked(root: &Path, progress: &mut Progress) -> Checked {
    progress.stage("fingerprint");
    let index = orrery_lint::fingerprint::index(root, Reading::Sources, build_identity());
    let fingerprint = index.fingerprint;
    if let Some(checked) = fingerprint.and_then(|f| cached(root, cache::CHECK, f)) {
        progress.detail(format_args!(
            "nothing changed since the cached check in {}",
            cache::CHECK
        ));
        return checked;
    }
    progress.stage("memo");
    let (listing, stamps) = index.into_parts();
    let memo = std::fs::read(root.join(memo::MEMO))
        .map(|bytes| Memo::decode(&bytes, build_identity(), &stamps))
        .unwrap_or_default();
    progress.stage("discover");
    let known = |path: &str| memo.knows(path);
    let mut snapshot = discover::discover_knowing(root, Reading::Sources, &known, listing);
    progress.detail(format_args!(
        "read {} Rust files ({} known or generated), {} manifests, {} Cargo.toml, {} protos",
        snapshot.rust_files.len(),
        snapshot.unread_rust.len(),
        snapshot.manifests.len(),
        snapshot.cargo_manifests.len(),
        snapshot.protos.len()
    ));
    let (analysis, learned) = analyze_knowing(&mut snapshot, &memo, |stage| progress.stage(stage));
    if learned.apis_known {
        progress.detail("the protos are unchanged: not compiled again");
    }
    let checked = Checked::of(&analysis);
    progress.stage("cache");
    let memo = memo.next(
        &stamps,
        &snapshot.unread_rust,
        learned.scanned,
        learned.apis,
    );
    store(root, memo::MEMO, &memo.encode(build_identity()), progress);
    // Freeing a large repository's texts, descriptor pools, graph and memo one allocation at
    // a time takes longer than the process has left to live (a twentieth of a cold check).
    std::mem::forget((snapshot, analysis, memo));
    match fingerprint {
        Some(fingerprint) => {
            store(
                root,
                cache::CHECK,
                &cache::encode(fingerprint, &checked),
                progress,
            );
        }
        None => progress.detail("not cached: a file changed in the last two seconds"),
    }
    checked
}

/// The value cached at `path` for exactly this tree, if any.
fn cached<T: serde::de::DeserializeOwned>(
    root: &Path,
    path: &str,
    fingerprint: orrery_lint::fingerprint::Fingerprint,
) -> Option<T> {
    let bytes = std::fs::read(root.join(path)).ok()?;
    cache::decode(&bytes, fingerprint)
}

/// Writes a cache, with a `.gitignore` that keeps the cache directory out of git. A cache that
/// cannot be written (a read-only checkout) only costs time, so it is no error.
fn store(root: &Path, path: &str, bytes: &[u8], progress: &Progress) {
    let directory = root.join(cache::DIRECTORY);
    let ignore = directory.join(".gitignore");
    let written = std::fs::create_dir_all(&directory)
        .and_then(|()| match ignore.exists() {
            true => Ok(()),
            false => write::cache(&ignore, b"*\n"),
        })
        .and_then(|()| write::cache(&root.join(path), bytes));
    if let Err(error) = written {
        progress.detail(format_args!("cannot write {path}: {error}"));
    }
}

/// This build of orrery: its version and its executable's size and modification time, so that
/// a rebuilt orrery never trusts a cache an older build wrote.
fn build_identity() -> (&'static str, Option<(u64, std::time::SystemTime)>) {
    let executable = std::env::current_exe()
        .and_then(std::fs::metadata)
        .and_then(|metadata| Ok((metadata.len(), metadata.modified()?)));
    (env!("CARGO_PKG_VERSION"), executable.ok())
}

/// `orrery gen`: check first and write nothing while a violation stands, then plan the
/// generated files against the tree and apply or verify the plan.
fn generate(root: &Path, check_only: bool, progress: &mut Progress) -> Result<ExitCode, Usage> {
    progress.stage("fingerprint");
    let fingerprint = orrery_lint::fingerprint::fingerprint(root, Reading::All, build_identity());
    let up_to_date = fingerprint.and_then(|f| cached::<cache::UpToDate>(root, cache::GEN, f));
    if let Some(cache::UpToDate { files }) = up_to_date {
        progress.detail(format_args!(
            "nothing changed since the last up-to-date gen in {}",
            cache::GEN
        ));
        progress.status(match check_only {
            true => format!("orrery gen --check: {files} generated files are up to date"),
            false => format!("orrery gen: wrote 0 file(s), removed 0, {files} unchanged"),
        });
        return Ok(ExitCode::SUCCESS);
    }
    let generation = match plan_generation(root, "orrery gen: nothing written", progress) {
        Ok(generation) => generation,
        Err(code) => return Ok(code),
    };
    let Generation { files, plan, .. } = &generation;
    // Remembered only when nothing is to change: a tree gen has just written is too young for
    // its timestamps to be trusted anyway.
    if let (Some(fingerprint), true) = (
        fingerprint,
        plan.writes.is_empty() && plan.deletes.is_empty() && plan.conflicts.is_empty(),
    ) {
        let value = cache::UpToDate { files: files.len() };
        store(
            root,
            cache::GEN,
            &cache::encode(fingerprint, &value),
            progress,
        );
    }
    if check_only {
        if !list_stale(&generation) {
            progress.status(format_args!(
                "orrery gen --check: {} generated files are up to date",
                files.len()
            ));
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!("help: run `orrery gen` and commit the result");
        return Ok(ExitCode::from(1));
    }
    progress.stage("write");
    let writes: Vec<(&str, &[u8])> = plan
        .writes
        .iter()
        .map(|file| (file.path.as_str(), file.contents.as_slice()))
        .collect();
    write::all(root, &writes).map_err(|(path, e)| Usage(format!("cannot write {path}: {e}")))?;
    for path in &plan.deletes {
        std::fs::remove_file(root.join(path))
            .map_err(|e| Usage(format!("cannot remove {path}: {e}")))?;
    }
    let unchanged = files.len() - plan.writes.len();
    progress.status(format_args!(
        "orrery gen: wrote {} file(s), removed {}, {unchanged} unchanged",
        plan.writes.len(),
        plan.deletes.len()
    ));
    Ok(ExitCode::SUCCESS)
}

/// What `orrery gen` would change, once its check passed.
struct Generation {
    snapshot: Snapshot,
    repository: Repository,
    files: Vec<GeneratedFile>,
    /// The generated files on disk now, by path.
    existing: BTreeMap<String, Vec<u8>>,
    plan: orrery_codegen::write::Plan,
}

/// The check `orrery gen` runs and its plan against the tree, shared with `orrery dev`.
/// Violations (the baseline's known ones, and those inside generated files, aside) and
/// hand-written files in generated places are reported here, ending with `refusal` ("orrery
/// gen: nothing written"); the error is the exit status to end with.
fn plan_generation(
    root: &Path,
    refusal: &str,
    progress: &mut Progress,
) -> Result<Generation, ExitCode> {
    progress.stage("discover");
    let snapshot = discover::discover(root);
    let analysis = analyze_in_stages(&snapshot, |stage| progress.stage(stage));
    // Violations inside generated files do not block: gen is about to rewrite them, and the
    // next `orrery check` sees whatever remains.
    let outside_generated: Vec<Diagnostic> = analysis
        .diagnostics
        .into_iter()
        .filter(|d| !orrery_model::snapshot::is_generated_location(&d.location.path))
        .collect();
    let (mut blocking, _) = baseline::narrow(snapshot.baseline.as_ref(), outside_generated);
    progress.stage("generate");
    let (files, problems) =
        orrery_codegen::generate(&analysis.repository, &snapshot, &analysis.graph);
    progress.stage("compare");
    blocking.extend(problems);
    if !blocking.is_empty() {
        blocking.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        print(&render::human::render(&blocking, &snapshot, false));
        eprintln!(
            "{refusal} while {} problem(s) stand; fix them first",
            blocking.len()
        );
        return Err(exit_code(&blocking));
    }
    let existing = snapshot.generated_candidates();
    let plan = orrery_codegen::write::plan(&files, &existing);
    if !plan.conflicts.is_empty() {
        for path in &plan.conflicts {
            eprintln!(
                "error: `{path}` was not written by orrery, so `orrery gen` will not overwrite it"
            );
        }
        eprintln!(
            "help: move those files out of the way (their content belongs elsewhere), then run `orrery gen` again"
        );
        return Err(ExitCode::from(1));
    }
    Ok(Generation {
        snapshot,
        repository: analysis.repository,
        files,
        existing,
        plan,
    })
}

/// Lists every stale, missing or orphaned generated file on stderr; false when there is none.
fn list_stale(generation: &Generation) -> bool {
    let Generation { plan, existing, .. } = generation;
    for file in &plan.writes {
        let state = if existing.contains_key(&file.path) {
            "stale"
        } else {
            "missing"
        };
        eprintln!("{state}: {}", file.path);
    }
    for path in &plan.deletes {
        eprintln!("orphaned: {path}");
    }
    !(plan.writes.is_empty() && plan.deletes.is_empty())
}

fn summary(diagnostics: &[Diagnostic], baselined: usize, components: usize) -> String {
    let known = if baselined > 0 {
        format!(" ({baselined} known in orrery-todo.yaml)")
    } else {
        String::new()
    };
    match diagnostics.len() {
        0 => format!("orrery check: {components} components, no violations{known}\n"),
        1 => format!("orrery check: 1 violation{known}\n"),
        n => format!("orrery check: {n} violations{known}\n"),
    }
}

fn exit_code(diagnostics: &[Diagnostic]) -> ExitCode {
    if diagnostics.iter().any(|d| d.rule == RuleId::Input) {
        ExitCode::from(2)
    } else if diagnostics.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Writes to stdout; a closed pipe (`orrery graph | head`) is not an error worth a panic.
fn print(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn known(repository: &orrery_model::Repository, name: &str) -> Result<ComponentId, Usage> {
    let id = ComponentId::new(name.trim_start_matches("//").trim_end_matches('/'));
    if repository.components.contains_key(&id) {
        return Ok(id);
    }
    let names = repository.components.keys().map(ComponentId::as_str);
    Err(Usage(format!(
        "no component `{name}`{}",
        orrery_model::suggest::hint(id.as_str(), names)
    )))
}

/// The files changed since `rev` (committed, staged, unstaged, deleted; a rename as both its
/// names), and untracked files, relative to `root`. NUL-separated output keeps names git would
/// otherwise quote (non-ASCII, quotes, newlines) intact.
fn changed_files(root: &Path, rev: &str) -> Result<BTreeSet<String>, Usage> {
    let diff = ["diff", "-z", "--name-only", "--no-renames", "--relative"];
    let changed = git(root, &[&diff[..], &[rev, "--"]].concat())?;
    let untracked = git(root, &["ls-files", "-z", "--others", "--exclude-standard"])?;
    Ok(changed
        .split(|&b| b == 0)
        .chain(untracked.split(|&b| b == 0))
        .filter(|name| !name.is_empty())
        .map(|name| String::from_utf8_lossy(name).into_owned())
        .collect())
}

/// Runs `git -C root ARGS` and returns its stdout; a failure carries git's first line.
fn git(root: &Path, args: &[&str]) -> Result<Vec<u8>, Usage> {
    let output = Process::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(|e| Usage(format!("cannot run git: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let reason = stderr
            .lines()
            .find(|line| !line.trim().is_empty())
            .unwrap_or("no reason given");
        return Err(Usage(format!(
            "`git {}` failed: {}",
            args.join(" "),
            reason.trim()
        )));
    }
    Ok(output.stdout)
}

/// `file` (relative to the working directory, or absolute) as a root-relative path.
fn relative_to_root(root: &Path, cwd: &Path, file: &Path) -> Result<String, Usage> {
    let absolute = normalize(&cwd.join(file));
    let root = normalize(&std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf()));
    absolute
        .strip_prefix(&root)
        .map(|relative| discover::relative_path(Path::new(""), relative))
        .map_err(|_| {
            Usage(format!(
                "`{}` is outside the repository at `{}`",
                file.display(),
                root.display()
            ))
        })
}

/// Resolves `.` and `..` without touching the filesystem (the file may have been deleted).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
