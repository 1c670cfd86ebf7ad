//! Embeds `migrations/` in the binary: a copied binary brings its schema
//! with it (it used to read the directory from the build's absolute path,
//! and said `no such table` anywhere else). What `sqlx::migrate!` does,
//! without its macros (which would build every database driver a second
//! time, for the compiler): the list of files, each `include_str!`ed, in
//! `$OUT_DIR/migrations.rs`; `store::Db::connect` makes the migrator.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("migrations");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<(i64, String, PathBuf)> = std::fs::read_dir(&dir)
        .expect("examples/shop/migrations")
        .map(|entry| entry.expect("a migration file").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "sql"))
        .map(|path| {
            let stem = path.file_stem().unwrap().to_str().expect("a UTF-8 name");
            // sqlx's naming: `<VERSION>_<DESCRIPTION>.sql`.
            let (version, description) = stem
                .split_once('_')
                .unwrap_or_else(|| panic!("{stem}: not VERSION_DESCRIPTION.sql"));
            let version = version
                .parse()
                .unwrap_or_else(|_| panic!("{stem}: the version is not a number"));
            (version, description.replace('_', " "), path)
        })
        .collect();
    files.sort();
    for pair in files.windows(2) {
        assert_ne!(
            pair[0].0, pair[1].0,
            "two migrations numbered {}",
            pair[0].0
        );
    }
    let mut code = String::from("&[\n");
    for (version, description, path) in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(
            code,
            "    ({version}, {description:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    code.push(']');
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("migrations.rs");
    std::fs::write(out, code).unwrap();
}
