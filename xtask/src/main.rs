fn main() -> anyhow::Result<()> {
    let path = std::env::args().nth(1).unwrap();
    let mut doc = xtask::source::load(&path)?;
    for w in &doc.warnings { eprintln!("warning: {w}"); }
    for (n, c) in xtask::repair::repair(&mut doc.value) { println!("{n}: {c}"); }
    std::fs::write("/tmp/repaired.json", serde_json::to_string_pretty(&doc.value)?)?;
    let g = xtask::generate::generate(&doc.value, "// hdr")?;
    std::fs::write("/tmp/gen.rs", &g.code)?;
    println!("{} ops", g.operations);
    Ok(())
}
