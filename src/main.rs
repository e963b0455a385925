//! The `poolctl` binary: everything lives in the library; see `poolctl::cli`.

fn main() -> std::process::ExitCode {
    poolctl::cli::main()
}
