//! Every file derived from `baml_src`, with its path relative to the
//! repository root. `contracts gen` writes them; `contracts gen --check`
//! fails when any differs from what is on disk.

use crate::codegen;
use crate::error::CompileError;
use crate::events::EventBinding;
use crate::history::History;
use crate::ir::Ir;
use crate::ir_examples;
use crate::ts_validator;

pub use crate::output::{Output, CORE_GENERATED_DIR};

/// Renders every derived file.
pub fn outputs(ir: &Ir, events: &[EventBinding]) -> Result<Vec<Output>, CompileError> {
    let mut outputs = vec![
        Output {
            path: format!("{CORE_GENERATED_DIR}/registry.rs"),
            contents: codegen::registry_rs(ir, events)?,
        },
        Output {
            path: format!("{CORE_GENERATED_DIR}/mirror.rs"),
            contents: crate::mirror::mirror_rs(ir, events)?,
        },
    ];
    outputs.extend(crate::schema::outputs(ir, events)?);
    outputs.extend(crate::issue_codes::outputs());
    Ok(outputs)
}

/// Every derived file including the schema history: [`outputs`], plus for
/// every release `schemas/history/<X.Y.Z>/…` in each schema directory,
/// `history.rs` (empty when there are no releases) and the JavaScript
/// validator with a registry per version. With [`History::Keep`] (not a git
/// checkout, e.g. an unpacked sdist) the history files on disk are left as
/// they are, and so is the JavaScript validator, which needs the history.
pub fn outputs_with_history(
    ir: &Ir,
    events: &[EventBinding],
    history: &History,
) -> Result<Vec<Output>, CompileError> {
    let mut outputs = outputs(ir, events)?;
    let History::Releases(releases) = history else {
        return Ok(outputs);
    };
    let mut versions = Vec::new();
    let mut history_contracts = Vec::new();
    for release in releases {
        let version = release.version.to_string();
        outputs.extend(crate::schema::history_outputs(
            &version,
            &release.ir,
            &release.events,
        )?);
        versions.push((version, release.ir.clone(), release.events.clone()));
    }
    for (version, ir, events) in &versions {
        history_contracts.push(ts_validator::Contracts {
            version: Some(version),
            ir,
            events,
        });
    }
    let current = ts_validator::Contracts {
        version: None,
        ir,
        events,
    };
    outputs.push(Output {
        path: ts_validator::TS_VALIDATOR_PATH.to_string(),
        contents: ts_validator::validator_ts(&current, &history_contracts)?,
    });
    outputs.push(Output {
        path: format!("{CORE_GENERATED_DIR}/history.rs"),
        contents: codegen::history_rs(&versions)?,
    });
    Ok(outputs)
}

/// Every derived file of a repository: [`outputs_with_history`] plus the
/// AsyncAPI document in every schema directory, which also needs the
/// contracts version and the example envelopes ([`crate::describe`]), and
/// the examples built from the IR of every shipped version
/// ([`crate::ir_examples`]; left as they are with [`History::Keep`], like the
/// JavaScript validator).
pub fn repository_outputs(
    ir: &Ir,
    events: &[EventBinding],
    history: &History,
    context: &crate::describe::Context,
) -> Result<Vec<Output>, CompileError> {
    let mut outputs = outputs_with_history(ir, events, history)?;
    outputs.extend(crate::asyncapi::outputs(
        ir,
        events,
        &context.version,
        &context.examples,
    )?);
    if let History::Releases(releases) = history {
        // Newest first, as the packages list their known versions.
        let versions: Vec<String> = releases
            .iter()
            .rev()
            .map(|r| r.version.to_string())
            .collect();
        let released: Vec<ir_examples::VersionedContracts<'_>> = releases
            .iter()
            .rev()
            .zip(&versions)
            .map(|(release, version)| ir_examples::VersionedContracts {
                version,
                ir: &release.ir,
                events: &release.events,
            })
            .collect();
        let current = ir_examples::VersionedContracts {
            version: &context.version,
            ir,
            events,
        };
        outputs.extend(ir_examples::outputs(current, &released)?);
    }
    Ok(outputs)
}
