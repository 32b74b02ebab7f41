//! zkauth reference server: placeholder until the reference-server issue.
fn main() {}
