//! The git plumbing the compiler needs: run `git`, find the repository that
//! holds a folder, and export the `*.baml` files of a folder at a ref.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `git` in `dir` and returns its stdout; the error names the command
/// and carries git's own message.
///
/// ```
/// let dir = std::env::temp_dir();
/// let version = contracts_compiler::git::git(&dir, &["--version"]).unwrap();
/// assert!(String::from_utf8_lossy(&version).starts_with("git version"));
/// ```
pub fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The repository root containing `dir`, and `dir`'s path inside it (with `/`).
pub fn repo_path(dir: &Path) -> Result<(PathBuf, String), String> {
    let abs =
        std::fs::canonicalize(dir).map_err(|e| format!("cannot resolve {}: {e}", dir.display()))?;
    let parent = if abs.is_dir() {
        abs.clone()
    } else {
        abs.parent().unwrap_or(&abs).to_path_buf()
    };
    let top = toplevel(&parent)?;
    let rel = abs
        .strip_prefix(&top)
        .map_err(|_| format!("{} is not inside {}", abs.display(), top.display()))?
        .to_string_lossy()
        .replace('\\', "/");
    Ok((top, rel))
}

/// The top of the work tree that contains `dir` (canonicalised).
pub fn toplevel(dir: &Path) -> Result<PathBuf, String> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(String::from_utf8_lossy(&top).trim());
    Ok(std::fs::canonicalize(&top).unwrap_or(top))
}

/// The text of `path` (relative to the repository root) at `reference`.
pub fn show(repo: &Path, reference: &str, path: &str) -> Result<String, String> {
    let bytes = git(repo, &["show", &format!("{reference}:{path}")])?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Writes the `*.baml` files under `subdir` at `reference` into `dest`;
/// returns how many there were.
pub fn export_ref(
    repo: &Path,
    reference: &str,
    subdir: &str,
    dest: &Path,
) -> Result<usize, String> {
    let spec = format!("{reference}^{{commit}}");
    git(repo, &["rev-parse", "--verify", "--quiet", &spec])
        .map_err(|_| format!("unknown git ref `{reference}`"))?;
    let listing = git(
        repo,
        &[
            "ls-tree",
            "-r",
            "-z",
            "--name-only",
            reference,
            "--",
            subdir,
        ],
    )?;
    let mut count = 0;
    for name in listing.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name).into_owned();
        if Path::new(&name).extension().is_none_or(|e| e != "baml") {
            continue;
        }
        let text = git(repo, &["show", &format!("{reference}:{name}")])?;
        let rel = name
            .strip_prefix(subdir)
            .map_or(name.as_str(), |r| r.trim_start_matches('/'));
        let path = dest.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        count += 1;
    }
    Ok(count)
}
