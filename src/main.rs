fn main() -> std::process::ExitCode {
    redbutler::cli::main()
}
