//! `cargo xtask bench-render`: what one step costs the page as the log grows. A benchmark, not a
//! test: it prints numbers for `docs/performance.md` and fails only if it cannot measure.
//!
//! For each log size it opens the release build on a share link that has already written that
//! many records (a send and a deliver per record), then, in the page, clicks Send and Deliver
//! all in turn and times each click until the app has rendered and the browser has laid the
//! page out, in three rounds over the sizes. The median at 10 000 records over the median at
//! 100 is the ratio the UI issue asks to keep at or below 1.5. `--profile` also prints the
//! hottest functions of the first round (named only in a build without wasm-opt).

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::Res;
use crate::smoke::Browser;
use crate::toolchain::{Needs, Toolchain, write_atomic};

/// The log sizes compared by default; the first is the baseline.
pub(crate) const SIZES: [usize; 2] = [100, 10_000];
const USAGE: &str =
    "usage: cargo xtask bench-render [--skip-build] [--records N,M,...] [--profile]";
/// Timed clicks per size and round (half Send, half Deliver all).
const CLICKS: usize = 40;
/// Rounds over all sizes.
const ROUNDS: usize = 3;
/// The shipped scenario whose starting world the benchmark uses (producer p1, payments-0).
const WORLD: &str = "assets/scenarios/02-at-least-once.json";

/// Times each click of Send then Deliver all until the app rendered and the page was laid out.
/// A message-channel round trip lets the app's scheduled render run without timer clamping.
const MEASURE: &str = r#"
const [clicks, done] = [arguments[0], arguments[arguments.length - 1]];
const channel = new MessageChannel();
const macrotask = () => new Promise((resolve) => {
  channel.port1.onmessage = () => resolve();
  channel.port2.postMessage(0);
});
(async () => {
  const times = [];
  for (let i = 0; i < clicks; i++) {
    const button = document.querySelector(i % 2 === 0 ? '#send-p1' : '#deliver-all');
    if (!button) { done({ error: 'no button for click ' + i }); return; }
    const start = performance.now();
    button.click();
    await macrotask();
    void document.body.offsetHeight;
    times.push(performance.now() - start);
  }
  done({ times });
})();
"#;

pub(crate) fn run(args: &[String]) -> Res<()> {
    let mut skip_build = false;
    let mut profile = false;
    let mut sizes = SIZES.to_vec();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--skip-build" => skip_build = true,
            "--profile" => profile = true,
            "--records" => {
                sizes = iter
                    .next()
                    .ok_or(USAGE)?
                    .split(',')
                    .map(|n| n.trim().parse::<usize>().ok().filter(|n| *n > 0))
                    .collect::<Option<Vec<_>>>()
                    .filter(|s| s.len() >= 2)
                    .ok_or_else(|| format!("--records needs two or more sizes\n{USAGE}"))?;
            }
            _ => return Err(USAGE.to_owned()),
        }
    }
    let tc = Toolchain::prepare(Needs::release_build())?;
    if !skip_build {
        crate::first_screen::release_build(&tc)?;
    }
    let medians = medians(&tc, &tc.root.join("dist"), &sizes, profile)?;
    let (base, base_ms) = medians[0];
    let ratios: String = medians[1..]
        .iter()
        .map(|(n, m)| {
            format!(
                "ratio {n} / {base} records: {:.2} (target <= 1.5)\n",
                m / base_ms
            )
        })
        .collect();
    let report = format!(
        "{}{ratios}",
        medians
            .iter()
            .map(|(n, m)| format!("{n} records: median {m:.2} ms per click\n"))
            .collect::<String>(),
    );
    let out = tc.target_dir.join("render-bench.txt");
    write_atomic(&out, report.as_bytes())?;
    println!("{report}(written to {})", out.display());
    Ok(())
}

/// The median time of a click (Send or Deliver all, until rendered and laid out) in the release
/// build in `dist` at each log size in `sizes`, in ms; `cargo xtask bench` takes its ratio too.
pub(crate) fn medians(
    tc: &Toolchain,
    dist: &Path,
    sizes: &[usize],
    profile: bool,
) -> Res<Vec<(usize, f64)>> {
    let (Some(chromium), Some(chromedriver)) = (&tc.chromium, &tc.chromedriver) else {
        return Err("internal: the benchmark ran without a browser".to_owned());
    };
    let browser = Browser::open(tc, dist, chromium, chromedriver, "eos-bench-profile")?;
    let mut medians = Vec::new();
    let links = sizes
        .iter()
        .map(|&records| link_with_records(tc, records))
        .collect::<Res<Vec<_>>>()?;
    // Sizes take turns, round after round, so a busy moment of the machine does not land on
    // one size only; each size's result is the median of its rounds.
    let mut rounds: Vec<Vec<f64>> = vec![Vec::new(); sizes.len()];
    for round in 1..=ROUNDS {
        for (i, (&records, link)) in sizes.iter().zip(&links).enumerate() {
            let median = measure(&browser, link, records, profile && round == 1)?;
            println!("  round {round}, {records:>6} records: median {median:.2} ms per click");
            rounds[i].push(median);
        }
    }
    for (&records, mut times) in sizes.iter().zip(rounds) {
        times.sort_by(f64::total_cmp);
        medians.push((records, times[times.len() / 2]));
    }
    Ok(medians)
}

/// A share link to the benchmark's world after `records` sends, each delivered.
fn link_with_records(tc: &Toolchain, records: usize) -> Res<String> {
    let text = std::fs::read_to_string(tc.root.join(WORLD))
        .map_err(|e| format!("cannot read {WORLD}: {e}"))?;
    let mut scenario: Value =
        serde_json::from_str(&text).map_err(|e| format!("{WORLD} is not JSON: {e}"))?;
    let steps: Vec<Value> = (0..records)
        .flat_map(|i| {
            [
                json!({ "step": "send", "producer": "p1", "topic": "payments",
                        "key": format!("pay-{i}"), "value": format!("payment {i}") }),
                json!({ "step": "deliver_all" }),
            ]
        })
        .collect();
    scenario["steps"] = Value::Array(steps);
    let path = tc.xtask_dir().join(format!("bench-{records}.json"));
    std::fs::create_dir_all(tc.xtask_dir()).map_err(|e| format!("cannot create a dir: {e}"))?;
    write_atomic(&path, scenario.to_string().as_bytes())?;
    cli_link(tc, &path)
}

fn cli_link(tc: &Toolchain, scenario: &Path) -> Res<String> {
    tc.host_cargo()
        .args(["run", "-q", "--release", "-p", "eos-cli", "--", "link"])
        .arg(scenario)
        .probe()
        .filter(|link| link.starts_with("v1."))
        .ok_or_else(|| format!("`eos-lab link {}` gave no link", scenario.display()))
}

/// Opens the link and returns the median time of a click at that log size, in ms.
fn measure(browser: &Browser, link: &str, records: usize, profile: bool) -> Res<f64> {
    let s = &browser.session;
    // A new document each time: the app reads a link in the address when it starts, and only
    // the fragment would change from one size to the next.
    s.navigate("about:blank")?;
    s.navigate(&format!("{}#{link}", browser.server.url()))?;
    let log_end = records.to_string();
    s.wait_for(
        &format!("the log to hold {records} records"),
        Duration::from_secs(300),
        |s| {
            // The panels the bench clicks and reads sit in folded groups, built once opened.
            s.unfold_details()?;
            let Some(value) = s
                .find_all("#log-end-offset-payments-0 .stat-value")?
                .into_iter()
                .next()
            else {
                return Ok(None);
            };
            Ok((s.text(&value)? == log_end).then_some(()))
        },
    )?;
    if profile {
        s.cdp("Profiler.enable", json!({}))?;
        s.cdp("Profiler.setSamplingInterval", json!({ "interval": 100 }))?;
        s.cdp("Profiler.start", json!({}))?;
    }
    let result = s.execute(MEASURE, json!(CLICKS), true)?;
    if profile {
        let stopped = s.cdp("Profiler.stop", json!({}))?;
        print_hot_functions(&stopped["profile"], records);
    }
    if let Some(error) = result["error"].as_str() {
        return Err(format!("the measurement failed: {error}"));
    }
    let mut times: Vec<f64> = result["times"]
        .as_array()
        .ok_or_else(|| format!("the measurement returned no times: {result}"))?
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    if times.len() != CLICKS {
        return Err(format!("expected {CLICKS} times, got {}", times.len()));
    }
    times.sort_by(f64::total_cmp);
    Ok(times[CLICKS / 2])
}

/// The functions that took the most time of their own in a CPU profile (`Profiler.stop`), with
/// their share of the samples. Function names show only in builds that keep wasm names.
fn print_hot_functions(profile: &Value, records: usize) {
    let mut names: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
    for node in profile["nodes"].as_array().into_iter().flatten() {
        let frame = &node["callFrame"];
        let name = frame["functionName"].as_str().unwrap_or("?");
        let name = if name.is_empty() { "(anonymous)" } else { name };
        names.insert(
            node["id"].as_i64().unwrap_or(-1),
            format!(
                "{name} {}",
                frame["url"]
                    .as_str()
                    .unwrap_or("")
                    .rsplit('/')
                    .next()
                    .unwrap_or("")
            ),
        );
    }
    let mut own: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    let samples = profile["samples"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for sample in samples {
        if let Some(name) = sample.as_i64().and_then(|id| names.get(&id)) {
            *own.entry(name).or_default() += 1;
        }
    }
    let mut hot: Vec<(&str, u64)> = own.into_iter().collect();
    hot.sort_by_key(|h| std::cmp::Reverse(h.1));
    println!(
        "  hottest functions at {records} records (share of {} samples):",
        samples.len()
    );
    for (name, count) in hot.into_iter().take(25) {
        let share = count as f64 * 100.0 / samples.len().max(1) as f64;
        println!("    {share:5.1}%  {name}");
    }
}
