//! `multisession info` and `recover` on a BD-R formatted for
//! Pseudo-Overwrite, whose one session stays open by design.

mod support;

use support::*;

/// A blank BD-R formatted SRM+POW (as growisofs formats it): `new-disc`
/// makes a blank BD-R, the sidecar gets the format and its capacity.
fn pow_disc(root: &std::path::Path) -> String {
    let disc = root.join("pow.img");
    let disc = disc.to_str().unwrap().to_owned();
    ok(&["new-disc", "--profile", "bd-r", &disc]);
    edit_sidecar(&disc, |v| {
        v["format"] = "srm_pow".into();
        v["capacity"] = 12_088_320.into();
    });
    disc
}

fn edit_sidecar(disc: &str, edit: impl FnOnce(&mut serde_json::Value)) {
    let sidecar = format!("{disc}.json");
    let mut v = json(&std::fs::read_to_string(&sidecar).unwrap());
    edit(&mut v);
    std::fs::write(&sidecar, v.to_string()).unwrap();
}

#[test]
fn a_written_pow_disc_is_not_called_interrupted_though_its_session_stays_open() {
    let root = tempfile::tempdir().unwrap();
    let disc = pow_disc(root.path());
    ok(&["append", &disc, &folder(root.path(), "one", &[("a", "1")])]);
    let info = json(&ok(&["info", "--json", &disc]));
    assert_eq!(info["LastSessionState"], "incomplete", "{info}");
    assert_eq!(info["Interrupted"], false, "{info}");
    assert!(!ok(&["info", &disc]).contains("interrupted:"));
    assert_eq!(
        ok(&["recover", &disc]).trim_end(),
        "nothing to recover: no interrupted write was left behind"
    );
}

#[test]
fn an_interrupted_first_session_on_a_pow_disc_is_recovered_and_the_retry_lists_alone() {
    let root = tempfile::tempdir().unwrap();
    let disc = pow_disc(root.path());
    edit_sidecar(&disc, |v| {
        v["faults"] = serde_json::json!({ "power_loss_after_blocks": 40 })
    });
    let big = folder(root.path(), "big", &[("big.bin", &"x".repeat(2_000_000))]);
    assert!(!run(&["append", &disc, &big]).status.success());
    edit_sidecar(&disc, |v| v["faults"] = serde_json::json!({}));

    let text = ok(&["info", &disc]);
    assert!(
        text.contains("interrupted:") && text.contains(&format!("multisession recover {disc}")),
        "{text}"
    );
    let said = ok(&["recover", &disc]);
    assert!(
        said.starts_with("closed the interrupted first session (marked abandoned at LBA 40)"),
        "{said}"
    );
    assert!(!ok(&["info", &disc]).contains("interrupted:"));
    ok(&[
        "append",
        &disc,
        &folder(root.path(), "retry", &[("r", "again")]),
    ]);
    let listed = ok(&["ls", &disc]);
    assert!(
        listed.contains("/r") && !listed.contains("big.bin"),
        "{listed}"
    );
}
