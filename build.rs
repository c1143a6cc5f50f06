// A new migration file must rebuild the binary, which embeds them.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
