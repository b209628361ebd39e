//! placeholder: the xtask helper replaces this.
fn main() {}
