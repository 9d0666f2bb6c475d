fn main() -> std::process::ExitCode {
    adminlog_server::cli::main()
}
