/// mimalloc: the many small allocations of row decoding and JSON contend far less than in glibc's
/// allocator under the multi-threaded runtime (measured in `scripts/bench-foundation`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    redbutler::cli::main()
}
