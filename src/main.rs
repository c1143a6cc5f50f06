use clap::Parser as _;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = cast::cli::Cli::parse();
    match cast::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cast: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
