//! The tour of the SDK's flows. It arrives with the ergonomic client and the
//! emulator it runs on; until then it says so.

fn main() {
    println!(
        "tour not yet available: it arrives with the emulator (issue 4) and the ergonomic `dojo` client."
    );
}
