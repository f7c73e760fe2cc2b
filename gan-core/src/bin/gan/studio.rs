//! `gan studio`: serves the studio's page ([`gan_core::studio`]) on this machine until stopped.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use gan_core::studio::{router, Studio};

/// Arguments of `gan studio`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The port to listen on (0: any free port; the URL is printed).
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// The address to listen on. Only 127.0.0.1 (this machine) by default: another address
    /// opens the studio to other machines on that network.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// The model selected when the page opens: a pretrained directory, or a run directory of
    /// `gan train` (its newest checkpoint) [default: the shipped data/pretrained].
    #[arg(long)]
    model: Option<PathBuf>,
    /// Where training runs are listed from [default: runs/ in the repository].
    #[arg(long)]
    runs: Option<PathBuf>,
    /// Open the page in the desktop's web browser.
    #[arg(long)]
    open: bool,
}

/// Serves the studio until the process is stopped.
pub fn run(args: Args) -> gan_core::Result<()> {
    let address = SocketAddr::new(args.host, args.port);
    let io = |source: std::io::Error| gan_core::Error::Io {
        path: PathBuf::from(address.to_string()),
        source,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(io)?;
    let studio = Arc::new(Studio::new(
        args.model.unwrap_or_else(gan_core::pretrained::default_dir),
        args.runs.unwrap_or_else(default_runs_dir),
    ));
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(address).await.map_err(io)?;
        let local = listener.local_addr().map_err(io)?;
        let url = format!("http://{local}/");
        crate::say!("studio: {url}");
        if !args.host.is_loopback() {
            eprintln!(
                "note: the studio is open to other machines on {}",
                args.host
            );
        }
        // Load the default model now, so that the first Generate does not wait for it.
        let warm = studio.clone();
        tokio::task::spawn_blocking(move || {
            if let Err(err) = warm.load_default_model() {
                eprintln!("warning: the default model did not load: {err}");
            }
        });
        if args.open {
            open_browser(&url);
        }
        axum::serve(listener, router(studio)).await.map_err(io)
    })
}

/// `runs/` beside the data directory, in the repository.
fn default_runs_dir() -> PathBuf {
    let data = gan_core::data::default_dir();
    data.parent()
        .map_or_else(|| PathBuf::from("runs"), |root| root.join("runs"))
}

/// Asks the desktop to open `url`; says so if it cannot.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(target_os = "windows") {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(err) = std::process::Command::new(opener).arg(url).spawn() {
        eprintln!("note: could not open a browser ({opener}: {err}); open {url} yourself");
    }
}
