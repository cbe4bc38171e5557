//! The envelope validator over arbitrary bytes, through contracts-core's
//! public API only, in both modes. The first byte picks the options (mode,
//! `max_issues`, `target_version`), the rest is the input.
//!
//! Properties: no panic; the fast path (`is_valid_envelope`), the explaining
//! path (`envelope_issues`) and `validate_envelope` agree; at most
//! `max_issues` issues; every issue has an RFC 6901 JSON Pointer, and when
//! the input is JSON the pointer (or, for a missing field, its parent)
//! exists in it; a valid envelope stamped with a stream position
//! (`with_position`, what a server sends) is still valid and carries exactly
//! that position, everything else unchanged; what the fast path accepts as
//! text, `serde_json` reads, and the tree it gives is a valid envelope too
//! (the referee of the core's own scanner).
#![no_main]

use contracts_core::{
    envelope_issues, is_valid_envelope, validate_envelope, value_issues, with_position, Mode,
    StreamPosition, ValidateOptions, ValidationIssue,
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn options(selector: u8) -> ValidateOptions {
    let mode = if selector & 1 == 0 {
        Mode::Producer
    } else {
        Mode::Consumer
    };
    let mut options = ValidateOptions::with_mode(mode);
    if selector & 0b0000_0110 != 0 {
        options.max_issues = usize::from((selector >> 1) & 0b11);
    }
    if selector & 0b1_0000 != 0 {
        options.max_depth = usize::from(selector >> 5) + 1;
    }
    if selector & 0b1000 != 0 {
        options.target_version = Some("0.0.9".to_owned());
    }
    options
}

/// `""`, or `/`-separated tokens where `~` only starts `~0` or `~1`.
fn is_pointer(path: &str) -> bool {
    if path.is_empty() {
        return true;
    }
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    rest.split('/').all(|token| {
        let mut chars = token.chars();
        while let Some(c) = chars.next() {
            if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
                return false;
            }
        }
        true
    })
}

/// The pointer without its last token.
fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

fn check_issue(issue: &ValidationIssue, parsed: Option<&Value>, input: &[u8]) {
    assert!(
        is_pointer(&issue.path),
        "not a JSON Pointer: {:?} ({}) for {:?}",
        issue.path,
        issue.code.as_str(),
        String::from_utf8_lossy(input)
    );
    if let Some(value) = parsed {
        assert!(
            value.pointer(&issue.path).is_some() || value.pointer(parent(&issue.path)).is_some(),
            "{:?} ({}) points nowhere in {value}",
            issue.path,
            issue.code.as_str()
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let options = options(selector);
    let fast = is_valid_envelope(input, &options);
    let issues = envelope_issues(input, &options);
    let validated = validate_envelope(input, &options);
    assert_eq!(
        fast,
        issues.is_empty(),
        "fast path says {fast}, explaining path found {:?} for {:?}",
        issues
            .iter()
            .map(|i| format!("{} {}", i.path, i.code.as_str()))
            .collect::<Vec<_>>(),
        String::from_utf8_lossy(input)
    );
    assert_eq!(validated.is_ok(), fast, "validate_envelope disagrees");
    if let Err(errors) = &validated {
        assert_eq!(errors.issues, issues, "validate_envelope's issues differ");
    }
    assert!(
        issues.len() <= options.max_issues,
        "{} issues above max_issues {}",
        issues.len(),
        options.max_issues
    );
    let parsed: Option<Value> = serde_json::from_slice(input).ok();
    for issue in &issues {
        check_issue(issue, parsed.as_ref(), input);
    }
    if fast {
        // The text paths answer a valid envelope with the core's own scanner
        // (scan.rs); serde_json is the referee: it reads the same text, and the
        // tree it gives is a valid envelope too.
        let text = input.strip_prefix(b"\xef\xbb\xbf").unwrap_or(input);
        let tree: Value = serde_json::from_slice(text).unwrap_or_else(|e| {
            panic!(
                "the fast path accepted what serde_json rejects ({e}): {:?}",
                String::from_utf8_lossy(input)
            )
        });
        assert_eq!(
            value_issues(&tree, &options),
            [],
            "valid as text, invalid as the serde_json tree: {tree}"
        );
        check_positioned(input, &options, parsed.as_ref());
    }
});

/// A valid envelope with `meta.position` set is valid, and differs only there.
fn check_positioned(input: &[u8], options: &ValidateOptions, parsed: Option<&Value>) {
    let position = StreamPosition {
        stream: "session.42",
        epoch: "e\"1",
        offset: u64::from(input.len() as u32),
    };
    let framed = with_position(input, &position)
        .unwrap_or_else(|e| panic!("with_position refused a valid envelope: {e}"));
    // The position nests two levels below the root: judge it with the default depth limit.
    let mut options = options.clone();
    options.max_depth = ValidateOptions::default().max_depth;
    assert!(
        is_valid_envelope(framed.as_bytes(), &options),
        "positioned envelope invalid: {framed}"
    );
    if let (Some(before), Ok(mut after)) = (parsed, serde_json::from_str::<Value>(&framed)) {
        let meta = after["meta"].as_object_mut().expect("meta is an object");
        let got = meta.remove("position").expect("the position is there");
        assert_eq!(
            got,
            serde_json::json!({"stream": "session.42", "epoch": "e\"1", "offset": position.offset})
        );
        let mut before = before.clone();
        if let Some(meta) = before["meta"].as_object_mut() {
            meta.remove("position");
        }
        assert_eq!(
            before, after,
            "with_position changed more than meta.position"
        );
    }
}
