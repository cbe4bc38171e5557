//! Reading a `baml_src` tree: from a folder ([`read_dir`]), from in-memory
//! text ([`Sources::from_texts`]) or from a git ref ([`load_ref`]), then
//! parsing and cross-checking it into a [`Tree`] (the IR plus the blocks
//! that are not types). The [`Sources`] stay available for rendering
//! diagnostics with their source lines.
//!
//! ```
//! use contracts_compiler::source::Sources;
//! let sources = Sources::from_texts("baml_src", &[("types.baml", "class Goal {\n  id string\n}\n")]);
//! let tree = sources.tree().unwrap();
//! assert_eq!(tree.ir.classes[0].name, "Goal");
//! assert_eq!(sources.text("baml_src/types.baml").unwrap().lines().count(), 3);
//! ```

use crate::check;
use crate::codes::Code;
use crate::error::{CompileError, Location};
use crate::git;
use crate::ir::Ir;
use crate::parser::{parse_file_blocks, RawBlock};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One `.baml` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The name diagnostics use: the tree's root name, then the path inside
    /// it (`baml_src/types/goals.baml`).
    pub name: String,
    /// The path relative to the tree's root, with `/` (`types/goals.baml`).
    pub relative: String,
    /// The file's text.
    pub text: String,
}

/// The `.baml` files of one tree, sorted by path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    /// The name locations start with (the tree folder's name, `baml_src`).
    pub root: String,
    /// The files, sorted by relative path.
    pub files: Vec<SourceFile>,
}

impl Sources {
    /// Sources given as `(relative path, text)` pairs under `root`.
    pub fn from_texts(root: &str, files: &[(&str, &str)]) -> Sources {
        let mut files: Vec<SourceFile> = files
            .iter()
            .map(|(relative, text)| SourceFile {
                name: join(root, relative),
                relative: (*relative).to_string(),
                text: (*text).to_string(),
            })
            .collect();
        files.sort_by(|a, b| a.relative.cmp(&b.relative));
        Sources {
            root: root.to_string(),
            files,
        }
    }

    /// The text of the file diagnostics call `name`.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.text.as_str())
    }

    /// Parses every file and cross-checks the result: the IR, the raw
    /// blocks and the files' text; or every error found (the first of each
    /// file that does not parse, else the cross-check errors).
    pub fn tree(&self) -> Result<Tree, Vec<CompileError>> {
        let mut tree = Tree {
            root: self.root.clone(),
            ..Tree::default()
        };
        let mut errors = Vec::new();
        for file in &self.files {
            match parse_file_blocks(&file.name, &file.text, &mut tree.ir) {
                Ok(blocks) => tree.blocks.extend(blocks),
                Err(e) => errors.push(e),
            }
            tree.files.insert(file.relative.clone(), file.text.clone());
        }
        if errors.is_empty() {
            errors = check::cross_check(&tree.ir);
        }
        if errors.is_empty() {
            Ok(tree)
        } else {
            Err(errors)
        }
    }
}

fn join(root: &str, relative: &str) -> String {
    if root.is_empty() {
        relative.to_string()
    } else {
        format!("{root}/{relative}")
    }
}

/// A loaded `baml_src` tree: the IR, the blocks that are not types, and the
/// raw text of every file (for the diff's `source-changed`).
#[derive(Debug, Clone, Default)]
pub struct Tree {
    /// The checked IR.
    pub ir: Ir,
    /// Functions bodies, tests, clients, generators, retry policies, template strings.
    pub blocks: Vec<RawBlock>,
    /// File path relative to the tree root → text.
    pub files: BTreeMap<String, String>,
    /// The name locations start with (the tree directory's name, `baml_src`).
    pub root: String,
}

/// Reads every `*.baml` file under `dir` (recursively, sorted by path).
pub fn read_dir(dir: &Path) -> Result<Sources, Vec<CompileError>> {
    let at_dir = || Location::new(&dir.display().to_string(), 1, 1);
    let mut paths = Vec::new();
    collect_baml_files(dir, &mut paths).map_err(|e| {
        vec![CompileError::coded(
            Code::Io,
            at_dir(),
            format!("cannot read the BAML directory: {e} (pass the baml_src folder with --from)"),
        )]
    })?;
    if paths.is_empty() {
        return Err(vec![CompileError::coded(
            Code::NoBamlFiles,
            at_dir(),
            "no .baml files found here; pass the baml_src folder with --from",
        )]);
    }
    paths.sort();
    let root = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut sources = Sources {
        root,
        files: Vec::new(),
    };
    let mut errors = Vec::new();
    for path in paths {
        let relative = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let name = join(&sources.root, &relative);
        match std::fs::read_to_string(&path) {
            Ok(text) => sources.files.push(SourceFile {
                name,
                relative,
                text,
            }),
            Err(e) => errors.push(CompileError::coded(
                Code::Io,
                Location::new(&name, 1, 1),
                format!("cannot read file: {e}"),
            )),
        }
    }
    if errors.is_empty() {
        Ok(sources)
    } else {
        Err(errors)
    }
}

fn collect_baml_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_baml_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "baml") {
            out.push(path);
        }
    }
    Ok(())
}

/// Parses every `*.baml` file under `dir` (sorted by path) and cross-checks the result.
pub fn load_dir(dir: &Path) -> Result<Ir, Vec<CompileError>> {
    load_tree(dir).map(|tree| tree.ir)
}

/// Loads a `baml_src` directory (like [`load_dir`], plus the raw blocks and texts).
pub fn load_tree(dir: &Path) -> Result<Tree, Vec<CompileError>> {
    read_dir(dir)?.tree()
}

/// Why a tree at a git ref could not be loaded.
#[derive(Debug)]
pub enum RefError {
    /// git failed, the ref is unknown or the tree is missing (a usage error).
    Git(String),
    /// The tree at the ref does not compile: the errors, and the sources
    /// they point into.
    Contract(Vec<CompileError>, Sources),
}

/// Loads the `baml_src` tree `from` (a directory in a git work tree) as it
/// was at `reference`. The tree is exported under a directory with the same
/// name as `from`, so locations read alike in both trees.
pub fn load_ref(from: &Path, reference: &str) -> Result<Tree, RefError> {
    let (top, rel) = git::repo_path(from).map_err(RefError::Git)?;
    let tmp = tempfile::Builder::new()
        .prefix("contracts-ref-")
        .tempdir()
        .map_err(|e| RefError::Git(format!("cannot create a temporary directory: {e}")))?;
    let name = Path::new(&rel)
        .file_name()
        .map_or_else(|| "baml_src".into(), std::ffi::OsStr::to_os_string);
    let dest = tmp.path().join(name);
    let count = git::export_ref(&top, reference, &rel, &dest).map_err(RefError::Git)?;
    if count == 0 {
        return Err(RefError::Git(format!(
            "no .baml files under {rel} at {reference}"
        )));
    }
    let sources =
        read_dir(&dest).map_err(|errors| RefError::Contract(errors, Sources::default()))?;
    sources
        .tree()
        .map_err(|errors| RefError::Contract(errors, sources.clone()))
}
