//! Which version a client that announced its own is served. The history of
//! a normal build is empty before the first release, so released versions
//! are covered end to end in `examples/django/tests/test_rollout.py`.

use contracts_core::{negotiate, serve_version, UnservableReason, CONTRACTS_VERSION};

fn bumped(major: u64, minor: u64, patch: u64) -> String {
    let v = semver::Version::parse(CONTRACTS_VERSION).unwrap();
    format!(
        "{}.{}.{}",
        v.major + major,
        v.minor + minor,
        v.patch + patch
    )
}

#[test]
fn the_current_and_newer_compatible_versions_get_the_current_one() {
    assert_eq!(serve_version(CONTRACTS_VERSION), Ok(CONTRACTS_VERSION));
    for newer in [
        bumped(0, 0, 1),
        bumped(0, 1, 0),
        format!("{}-rc.1", bumped(0, 1, 0)),
    ] {
        assert_eq!(serve_version(&newer), Ok(CONTRACTS_VERSION), "{newer}");
    }
    // Build metadata: the same version.
    assert_eq!(
        serve_version(&format!("{CONTRACTS_VERSION}+build.7")),
        Ok(CONTRACTS_VERSION)
    );
}

#[test]
fn other_versions_are_refused_with_the_reason_and_the_supported_ones() {
    let cases = [
        (bumped(1, 0, 0), UnservableReason::NewerMajor),
        ("99.0.0".to_string(), UnservableReason::NewerMajor),
        ("0.0.0".to_string(), UnservableReason::NotInHistory),
        (
            format!("{CONTRACTS_VERSION}-rc.1"),
            UnservableReason::NotInHistory,
        ),
        (String::new(), UnservableReason::Malformed),
        ("1.0".to_string(), UnservableReason::Malformed),
        (" 1.0.0".to_string(), UnservableReason::Malformed),
        ("v1.0.0".to_string(), UnservableReason::Malformed),
        ("01.0.0".to_string(), UnservableReason::Malformed),
    ];
    for (announced, reason) in cases {
        let err = serve_version(&announced).unwrap_err();
        assert_eq!(
            (err.announced.as_str(), err.reason),
            (announced.as_str(), reason)
        );
        assert!(err.to_string().contains(CONTRACTS_VERSION), "{err}");
    }
}

#[test]
fn negotiate_picks_the_newest_servable_offer() {
    let newer = bumped(0, 1, 0);
    let chosen = negotiate(&["garbage", &newer, CONTRACTS_VERSION])
        .unwrap()
        .unwrap();
    // Both serve the current version: the first of them wins.
    assert_eq!((chosen.index, chosen.version), (1, CONTRACTS_VERSION));
    assert_eq!(negotiate(&[]), Ok(None));
    let err = negotiate(&["99.0.0", "nope"]).unwrap_err();
    assert_eq!(err.reason, UnservableReason::NewerMajor);
}

#[test]
fn a_long_announcement_is_quoted_short() {
    let long = format!("{}.0.0", "9".repeat(300));
    let err = serve_version(&long).unwrap_err();
    assert_eq!(err.announced, long);
    let message = err.to_string();
    assert!(message.len() < 120, "{message}");
    let supported = format!("supported: {CONTRACTS_VERSION}");
    assert!(
        message.contains('…') && message.contains(&supported),
        "{message}"
    );
}
