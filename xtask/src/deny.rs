//! `cargo xtask deny`: the supply-chain gate CI runs, cargo-deny's four checks (advisories,
//! licenses, bans, sources) under `deny.toml`.
//!
//! Where `../shared/advisory-db/advisory-db.bundle` exists (machines that reach package registries
//! but not GitHub), the advisory scan runs offline against that snapshot of the RustSec database:
//! it is cloned into a temporary directory laid out the way cargo-deny expects, and dated by its
//! commit so that `maximum-db-staleness` in `deny.toml` judges its real age. Elsewhere cargo-deny
//! fetches the live database.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use crate::paths::workspace_root;
use crate::process;

/// The cargo-deny release CI installs (`.ci/run` reads it with `--pinned-version`).
pub const CARGO_DENY_VERSION: &str = "0.20.2";

/// The directory cargo-deny 0.20 reads the default database (github.com/RustSec/advisory-db)
/// from, under its `db-path`; it is derived from the URL, and named in cargo-deny's error when
/// missing.
const DB_DIR: &str = "advisory-db-3157b0e258782691";

/// Arguments of `cargo xtask deny`.
#[derive(clap::Args)]
pub struct Args {
    /// A git bundle of the RustSec advisory database to scan against, offline (default:
    /// ../shared/advisory-db/advisory-db.bundle when it exists, else the live database is fetched).
    #[arg(long)]
    bundle: Option<PathBuf>,
    /// Fetch the live advisory database even when the snapshot exists.
    #[arg(long, conflicts_with = "bundle")]
    online: bool,
    /// Print the cargo-deny version CI pins, and exit.
    #[arg(long)]
    pinned_version: bool,
}

/// Runs the checks: all four on the default features (what users get, and where OpenSSL is
/// banned), then advisories, licenses and sources with every feature on (native-tls,
/// rustls-aws-lc), so that opt-in TLS stacks meet the same bar.
pub fn run(args: &Args) -> Result<(), String> {
    let root = &workspace_root();
    if args.pinned_version {
        println!("{CARGO_DENY_VERSION}");
        return Ok(());
    }
    check_tool()?;
    let shared = root.join("../shared/advisory-db/advisory-db.bundle");
    let bundle = match (&args.bundle, args.online) {
        (Some(bundle), _) => Some(bundle.clone()),
        (None, false) if shared.is_file() => Some(shared),
        _ => None,
    };
    let snapshot = match bundle {
        Some(bundle) => Some(Snapshot::clone_from(root, &bundle)?),
        None => {
            println!("advisories: the live RustSec database (fetched from GitHub)");
            None
        }
    };
    let mut global = vec!["deny".to_string(), "--locked".into()];
    if let Some(snapshot) = &snapshot {
        // cargo-deny reads every manifest of the graph; offline, they must be in cargo's cache.
        cargo(root, &["fetch".into(), "--locked".into()])?;
        global.extend(["--offline".into(), "--config".into()]);
        global.push(snapshot.config.display().to_string());
    }
    let checks = |extra: &[&str]| {
        let mut args = global.clone();
        args.extend(extra.iter().map(|a| a.to_string()));
        args
    };
    println!("== cargo deny check (default features)");
    let first = cargo(root, &checks(&["check"]));
    println!("== cargo deny check advisories licenses sources (all features)");
    let all = [
        "--all-features",
        "check",
        "advisories",
        "licenses",
        "sources",
    ];
    let second = cargo(root, &checks(&all));
    first
        .and(second)
        .map_err(|e| format!("{e}: fix what it reports above, or explain it in deny.toml"))
}

fn check_tool() -> Result<(), String> {
    let install = format!("cargo install --locked cargo-deny --version {CARGO_DENY_VERSION}");
    let out = process::cargo()
        .args(["deny", "--version"])
        .output()
        .map_err(|e| format!("error: cannot run cargo: {e}"))?;
    let version = String::from_utf8_lossy(&out.stdout);
    match version.trim().strip_prefix("cargo-deny ") {
        Some(v) if out.status.success() && v == CARGO_DENY_VERSION => Ok(()),
        Some(v) if out.status.success() => Err(format!(
            "error: cargo-deny {v} is installed, CI pins {CARGO_DENY_VERSION} (the database layout and \
             the configuration are version-specific): {install}"
        )),
        _ => Err(format!("error: cargo-deny is not installed: {install}")),
    }
}

fn cargo(root: &Path, args: &[String]) -> Result<(), String> {
    let status = process::cargo()
        .current_dir(root)
        .args(args)
        .status()
        .map_err(|e| format!("error: cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("error: `cargo {}` failed", args.join(" ")))
    }
}

/// A clone of the database snapshot in a temporary directory, removed when dropped, and the
/// configuration that points cargo-deny at it.
struct Snapshot {
    dir: PathBuf,
    config: PathBuf,
}

impl Snapshot {
    fn clone_from(root: &Path, bundle: &Path) -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!("kling-deny-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let snapshot = Self {
            config: dir.join("deny.toml"),
            dir,
        };
        let db_root = snapshot.dir.join("advisory-dbs");
        let db = db_root.join(DB_DIR);
        git(
            None,
            &["clone", "--quiet", &path_arg(bundle)?, &path_arg(&db)?],
        )?;
        let committed: u64 = git(Some(&db), &["show", "-s", "--format=%ct", "HEAD"])?
            .parse()
            .map_err(|e| format!("error: the snapshot's commit time is not a number: {e}"))?;
        let committed = SystemTime::UNIX_EPOCH + Duration::from_secs(committed);
        // cargo-deny dates a database without FETCH_HEAD by the later of its HEAD commit and the
        // modification time of .git/HEAD, which a fresh clone sets to now; backdate it so that the
        // staleness limit applies to the snapshot's real age.
        File::options()
            .write(true)
            .open(db.join(".git/HEAD"))
            .and_then(|head| head.set_modified(committed))
            .map_err(|e| format!("error: cannot date the snapshot's .git/HEAD: {e}"))?;
        let described = git(Some(&db), &["show", "-s", "--format=%h of %cs", "HEAD"])?;
        let age = SystemTime::now()
            .duration_since(committed)
            .unwrap_or_default()
            .as_secs()
            / 86_400;
        println!(
            "advisories: RustSec snapshot {described} ({age} days old), offline, from {}",
            bundle.display()
        );
        let config = with_db_path(&read(&root.join("deny.toml"))?, &db_root)?;
        std::fs::write(&snapshot.config, config)
            .map_err(|e| format!("error: cannot write {}: {e}", snapshot.config.display()))?;
        Ok(snapshot)
    }
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `deny.toml` with `db-path` set in its `[advisories]` table.
fn with_db_path(config: &str, db_root: &Path) -> Result<String, String> {
    let db_root = db_root.display().to_string();
    if db_root.contains('\'')
        || config
            .lines()
            .any(|l| l.trim_start().starts_with("db-path"))
    {
        return Err(format!(
            "error: cannot point deny.toml at {db_root}: it sets db-path itself, or the path has a quote"
        ));
    }
    let mut out = String::new();
    let mut found = false;
    for line in config.lines() {
        out.push_str(line);
        out.push('\n');
        if line.trim() == "[advisories]" {
            out.push_str(&format!("db-path = '{db_root}'\n"));
            found = true;
        }
    }
    if found {
        Ok(out)
    } else {
        Err("error: deny.toml has no [advisories] table".into())
    }
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("error: cannot read {}: {e}", path.display()))
}

fn path_arg(path: &Path) -> Result<String, String> {
    path.to_str()
        .map(str::to_string)
        .ok_or_else(|| format!("error: {} is not valid UTF-8", path.display()))
}

fn git(dir: Option<&Path>, args: &[&str]) -> Result<String, String> {
    let mut command = Command::new("git");
    if let Some(dir) = dir {
        command.arg("-C").arg(dir);
    }
    let out = command
        .args(args)
        .output()
        .map_err(|e| format!("error: cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "error: `git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_path_goes_into_the_advisories_table() {
        let config = "[graph]\nall-features = false\n\n[advisories]\nyanked = \"deny\"\n";
        let out = with_db_path(config, Path::new("/tmp/x/advisory-dbs")).unwrap();
        assert_eq!(
            out,
            "[graph]\nall-features = false\n\n[advisories]\ndb-path = '/tmp/x/advisory-dbs'\nyanked = \"deny\"\n"
        );
        assert!(with_db_path("[bans]\n", Path::new("/tmp")).is_err());
        assert!(with_db_path("[advisories]\ndb-path = \"x\"\n", Path::new("/tmp")).is_err());
        assert!(with_db_path("[advisories]\n", Path::new("/tmp/it's")).is_err());
    }
}
