//! The bundle-size report: raw, gzip and brotli sizes of the `.wasm` and `.js` files in `dist/`,
//! i.e. what a visitor downloads before the lab starts. Brotli at quality 11 and gzip at level 9,
//! as a static host would pre-compress them.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use crate::Res;

struct Row {
    name: String,
    raw: usize,
    gzip: usize,
    brotli: usize,
}

/// Writes the report to `out` and returns it.
pub(crate) fn report(dist: &Path, out: &Path) -> Res<String> {
    let entries = std::fs::read_dir(dist).map_err(|e| {
        format!(
            "cannot read {}: {e} (build first: `--only build,size`)",
            dist.display()
        )
    })?;
    let files: Vec<_> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            matches!(ext, "wasm" | "js") && path.is_file()
        })
        .collect();
    // One thread a file: brotli at quality 11 takes tens of seconds on the app's wasm.
    let rows = std::thread::scope(|scope| {
        let sizing: Vec<_> = files
            .iter()
            .map(|path| scope.spawn(move || row_of(path)))
            .collect();
        sizing
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .map_err(|_| "sizing a file panicked".to_owned())?
            })
            .collect::<Res<Vec<Row>>>()
    })?;
    if !rows.iter().any(|r| r.name.ends_with(".wasm")) {
        return Err(format!(
            "no .wasm file in {}: did the build run?",
            dist.display()
        ));
    }
    let text = render(rows);
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(out, &text).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    Ok(text)
}

fn row_of(path: &Path) -> Res<Row> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(Row {
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        raw: bytes.len(),
        gzip: gzip_len(&bytes)?,
        brotli: brotli_len(&bytes)?,
    })
}

/// Files a visitor downloads only when they start a search: the explorer's worker.
fn fetched_on_demand(name: &str) -> bool {
    name.starts_with("eos-explore-worker") || name.starts_with("explorer-worker")
}

fn render(rows: Vec<Row>) -> String {
    let (mut later, mut first): (Vec<Row>, Vec<Row>) =
        rows.into_iter().partition(|r| fetched_on_demand(&r.name));
    // wasm first: it dominates the download.
    for rows in [&mut first, &mut later] {
        rows.sort_by(|a, b| {
            (!a.name.ends_with(".wasm"), &a.name).cmp(&(!b.name.ends_with(".wasm"), &b.name))
        });
    }
    let width = first
        .iter()
        .chain(&later)
        .map(|r| r.name.len())
        .max()
        .unwrap_or(0)
        .max("total".len());
    let mut text = format!(
        "Bundle size of dist/ (gzip level 9, brotli quality 11)\n{:<width$}  {:>11}  {:>11}  {:>11}\n",
        "file", "raw", "gzip", "brotli"
    );
    table(&mut text, &first, width);
    if !later.is_empty() {
        text.push_str("Fetched only when a search starts (the explorer's worker):\n");
        table(&mut text, &later, width);
    }
    text
}

/// The rows and their total.
fn table(text: &mut String, rows: &[Row], width: usize) {
    let kib = |n: usize| format!("{:.1} KiB", n as f64 / 1024.0);
    let mut total = (0, 0, 0);
    for row in rows {
        total = (total.0 + row.raw, total.1 + row.gzip, total.2 + row.brotli);
        // Writing to a String cannot fail.
        let _ = writeln!(
            text,
            "{:<width$}  {:>11}  {:>11}  {:>11}",
            row.name,
            kib(row.raw),
            kib(row.gzip),
            kib(row.brotli)
        );
    }
    let _ = writeln!(
        text,
        "{:<width$}  {:>11}  {:>11}  {:>11}",
        "total",
        kib(total.0),
        kib(total.1),
        kib(total.2)
    );
}

fn gzip_len(bytes: &[u8]) -> Res<usize> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).map_err(|e| format!("gzip: {e}"))?;
    Ok(encoder.finish().map_err(|e| format!("gzip: {e}"))?.len())
}

/// Brotli's length of `bytes`. The size phase and the bench size the same wasm in two reports,
/// and quality 11 is slow on megabytes: each distinct content is compressed once per run.
pub(crate) fn brotli_len(bytes: &[u8]) -> Res<usize> {
    use std::collections::HashMap;
    use std::hash::{DefaultHasher, Hash, Hasher};
    use std::sync::{Mutex, OnceLock};
    static SIZED: OnceLock<Mutex<HashMap<(usize, u64), usize>>> = OnceLock::new();
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    let key = (bytes.len(), hasher.finish());
    let sized = SIZED.get_or_init(Default::default);
    if let Some(&len) = sized
        .lock()
        .map_err(|_| "brotli: cache poisoned")?
        .get(&key)
    {
        return Ok(len);
    }
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)
        .map_err(|e| format!("brotli: {e}"))?;
    sized
        .lock()
        .map_err(|_| "brotli: cache poisoned")?
        .insert(key, out.len());
    Ok(out.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_sizes_are_real_compressions_of_the_input() {
        let text = "offset 0 key none value payment-1\n".repeat(500);
        let (gz, br) = (
            gzip_len(text.as_bytes()).unwrap(),
            brotli_len(text.as_bytes()).unwrap(),
        );
        assert!(gz < text.len() / 10, "gzip {gz} of {}", text.len());
        assert!(br < text.len() / 10, "brotli {br} of {}", text.len());
        assert!(gz > 0 && br > 0);
    }

    #[test]
    fn report_lists_wasm_before_js_with_a_total() {
        let rows = vec![
            Row {
                name: "app.js".into(),
                raw: 1024,
                gzip: 512,
                brotli: 256,
            },
            Row {
                name: "app_bg.wasm".into(),
                raw: 2048,
                gzip: 1024,
                brotli: 512,
            },
        ];
        let text = render(rows);
        let wasm = text.find("app_bg.wasm").unwrap();
        let js = text.find("app.js").unwrap();
        assert!(wasm < js);
        assert!(text.contains("total"));
        assert!(text.lines().last().unwrap().contains("3.0 KiB"));
    }
}
