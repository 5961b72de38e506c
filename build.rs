//! Rebuild when a translation changes: the rust-i18n macro reads locales/ at compile time but does
//! not tell cargo about the files.
fn main() {
    println!("cargo:rerun-if-changed=locales");
}
