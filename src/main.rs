//! The `chaff` command line; everything lives in [`chaff::cli`].

// A stripped document allocates many small strings (its record's edits,
// captures and JSON); mimalloc serves them faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(chaff::cli::main());
}
