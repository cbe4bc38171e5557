//! Shared by the integration tests: a throwaway git repository in a temp
//! dir, for the commands that read `baml_src` at a tag (`diff`,
//! `check-bump`, the schema history of `gen`).
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// A git repository in a temporary directory, removed on drop.
pub struct GitRepo(tempfile::TempDir);

impl GitRepo {
    /// `git init` in a new temp dir named after `label`.
    pub fn new(label: &str) -> GitRepo {
        let dir = tempfile::Builder::new()
            .prefix(&format!("contracts-{label}-"))
            .tempdir()
            .expect("temp dir");
        let repo = GitRepo(dir);
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }

    /// Runs git with a fixed identity and no signing; panics on failure.
    pub fn git(&self, args: &[&str]) {
        let out = self
            .command("git")
            .args([
                "-c",
                "user.name=Contracts Test",
                "-c",
                "user.email=contracts@example.invalid",
            ])
            .args(["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"])
            .args(args)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Writes `text` to `file` (relative to the repository), creating folders.
    pub fn write(&self, file: &str, text: &str) {
        let path = self.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Stages everything and commits (also when nothing changed).
    pub fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
    }

    /// Runs the `contracts` binary in the repository.
    pub fn contracts(&self, args: &[&str]) -> Output {
        self.command(env!("CARGO_BIN_EXE_contracts"))
            .args(args)
            .output()
            .expect("run contracts")
    }

    /// A command run in the repository, untouched by the outer git's variables.
    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(self.path())
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE");
        command
    }
}
