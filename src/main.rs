//! The `chaff` command line; everything lives in [`chaff::cli`].

fn main() {
    std::process::exit(chaff::cli::main());
}
