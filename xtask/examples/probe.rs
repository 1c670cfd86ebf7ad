fn main() {
    let path = std::env::args().nth(1).unwrap();
    let doc = xtask::source::load(&path).unwrap();
    let g = xtask::generate::generate(&doc.value, xtask::generate::Target::Api, "//").unwrap();
    println!("{}", g.code);
}
