//! The README's `curl` examples, run: the binary is started with the flags
//! the README's first `sh` block after "Any CI" gives (ports made free),
//! every later block of that section runs in one shell in order, and each
//! `# prints:` line must appear in its block's output.
//!
//! They need `curl`, `jq` and `bash`. Without them the test says so in one
//! line and passes locally; with `DOJO_REQUIRE_TOOLS=1` (as `.ci/run` sets
//! it) it fails instead.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const README: &str = include_str!("../README.md");
const SECTION: &str = "## Any CI, any language";
const DOCUMENTED_API: &str = "127.0.0.1:3000";
const DOCUMENTED_PCI: &str = "127.0.0.1:3001";

/// The `sh` blocks of the control-API section, in order.
fn blocks() -> Vec<String> {
    let section = README
        .split(SECTION)
        .nth(1)
        .expect("the README has the section");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .split("```sh\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap_or_default().to_owned())
        .collect()
}

/// The flags of the README's start line (`dojo-payments-emulator … &`),
/// with both ports 0.
fn documented_flags(start: &str) -> Vec<String> {
    let line = start
        .lines()
        .find(|line| line.starts_with("dojo-payments-emulator --"))
        .expect("the first block starts the emulator");
    let mut flags: Vec<String> = line
        .trim_end_matches('&')
        .split_whitespace()
        .skip(1)
        .map(str::to_owned)
        .collect();
    for pair in flags.chunks_mut(2) {
        if let [flag, value] = pair
            && (flag == "--api-port" || flag == "--pci-port")
        {
            *value = "0".to_owned();
        }
    }
    flags
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary and reads the two URLs it prints.
fn start(flags: &[String]) -> (Running, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dojo-payments-emulator"))
        .args(flags)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("piped");
    let running = Running(child);
    let (mut api, mut pci) = (None, None);
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.expect("utf-8 output");
        let host = |label: &str| {
            line.trim()
                .strip_prefix(label)
                .map(|url| url.trim().trim_start_matches("http://").to_owned())
        };
        api = api.or_else(|| host("api host:"));
        pci = pci.or_else(|| host("PCI host:"));
        if api.is_some() && pci.is_some() {
            break;
        }
    }
    // Keep reading: a closed pipe would end the emulator at its next line.
    std::thread::spawn(move || lines.for_each(drop));
    (
        running,
        api.expect("it printed the api host"),
        pci.expect("it printed the PCI host"),
    )
}

fn tools_present() -> bool {
    ["curl", "jq", "bash"].iter().all(|tool| {
        Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    })
}

#[test]
fn the_readme_curl_examples_run_against_the_binary() {
    if !tools_present() {
        assert!(
            std::env::var_os("DOJO_REQUIRE_TOOLS").is_none(),
            "DOJO_REQUIRE_TOOLS is set but curl, jq or bash is missing"
        );
        println!("SKIPPED: the emulator README's curl examples need curl, jq and bash");
        return;
    }
    let blocks = blocks();
    assert!(blocks.len() >= 8, "the section lost examples: {blocks:?}");
    let (_running, api, pci) = start(&documented_flags(&blocks[0]));

    // One shell for all blocks, so that `$intent` carries over; a marker
    // line between blocks splits the output back.
    let mut script = String::from("set -euo pipefail\n");
    for (index, block) in blocks[1..].iter().enumerate() {
        let block = block
            .replace(DOCUMENTED_API, &api)
            .replace(DOCUMENTED_PCI, &pci);
        script.push_str(&format!("{block}\necho '@@block {index}@@'\n"));
    }
    let output = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the examples failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let outputs: Vec<&str> = stdout.split("@@block ").collect();
    let mut checked = 0;
    for (index, block) in blocks[1..].iter().enumerate() {
        // Block `index`'s output is what came before its marker.
        let printed = outputs[index];
        for expected in block
            .lines()
            .filter_map(|line| line.trim().strip_prefix("# prints: "))
        {
            assert!(
                printed.contains(expected),
                "block {index} should print {expected:?}, printed {printed:?}:\n{block}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} `# prints:` lines checked");
}
