//! `cargo xtask serve`: install what is missing, then `trunk serve --release` on 127.0.0.1, and say
//! the URL once the app answers there (Trunk rebuilds on file changes while it runs, the book in
//! `dist/book/` too, through its hook in `Trunk.toml`). Without Trunk's auto-reload, whose inline
//! script the page's Content-Security-Policy refuses: reload the page after a rebuild.

use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use crate::Res;
use crate::http;
use crate::toolchain::{Needs, Toolchain};

const DEFAULT_PORT: u16 = 8080;

pub(crate) fn run(args: &[String]) -> Res<()> {
    let port = parse_port(args)?;
    // Checked before the build so a busy port fails in a second, not after a minute of compiling.
    TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
        format!("cannot listen on 127.0.0.1:{port} ({e}); is another server running? try --port N")
    })?;
    let toolchain = Toolchain::prepare(Needs::trunk_build())?;
    let url = format!("http://127.0.0.1:{port}/");
    println!("\nbuilding the app, then serving it at {url}  (Ctrl-C stops)");
    let mut child = toolchain
        .wasm_tool("trunk")?
        .args([
            "serve",
            "--release",
            "--no-autoreload",
            "--address",
            "127.0.0.1",
            "--port",
        ])
        .arg(port.to_string())
        .into_inner()
        .spawn()
        .map_err(|e| format!("cannot start trunk: {e}"))?;

    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    loop {
        if let Some(status) = child
            .try_wait()
            .map_err(|e| format!("waiting for trunk: {e}"))?
        {
            return if status.success() {
                Ok(())
            } else {
                Err(format!("trunk serve stopped ({status})"))
            };
        }
        let answered = http::request(addr, "GET", "/", None, Duration::from_secs(2))
            .is_ok_and(|r| r.status == 200);
        if answered {
            println!(
                "\nEOS Lab is being served at {url}, its book at {url}book/  (Ctrl-C stops)\n"
            );
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let status = child
        .wait()
        .map_err(|e| format!("waiting for trunk: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("trunk serve stopped ({status})"))
    }
}

fn parse_port(args: &[String]) -> Res<u16> {
    match args {
        [] => Ok(DEFAULT_PORT),
        [flag, port] if flag == "--port" => port
            .parse()
            .map_err(|_| format!("--port needs a number from 1 to 65535, not `{port}`")),
        _ => Err("usage: cargo xtask serve [--port N]".to_owned()),
    }
}
