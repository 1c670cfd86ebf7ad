//! The short fault soak: 60 money-moving calls under random faults, then
//! the audit (the long one is `cargo run -p dojo-payments --example soak --release`).

#[path = "../examples/soak.rs"]
mod soak;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_money_moves_twice_and_every_reported_outcome_is_true() {
    let audit = soak::run(60, 7).await.unwrap();
    assert_eq!(audit.calls, 60);
    assert_eq!(audit.applied_twice, 0);
    assert!(audit.wrong_reports.is_empty(), "{:#?}", audit.wrong_reports);
    assert!(
        audit.faults.len() >= 5,
        "too few kinds of fault drawn: {:?}",
        audit.faults
    );
}
