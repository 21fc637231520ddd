//! The `chainscout` binary: parse the command line and hand over to the library.

/// mimalloc: glibc malloc's arena locks were the import's top cost once the tantivy indexing
/// threads allocate beside the writer thread (perf: futex wake/wait in `__lll_lock_*`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    chainscout::cli::main()
}
