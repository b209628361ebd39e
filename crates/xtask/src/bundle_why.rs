//! What the app's wasm is made of, by twiggy: the items that keep the most bytes alive
//! (retained size) and every byte grouped by the part of the app it belongs to.
//!
//! twiggy reads the wasm cargo writes, before wasm-bindgen and wasm-opt: the one in `dist/`
//! has lost its function names. The shares carry over; the sizes are those of the larger,
//! unoptimized file.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::Res;
use crate::cmd::Cmd;

/// One item of twiggy's `top` list.
struct Item {
    name: String,
    shallow: u64,
    retained: u64,
}

/// The breakdown of `wasm` (a wasm with its name section): the `top` items by retained size,
/// then the parts.
pub(crate) fn report(twiggy: &Path, wasm: &Path, top: usize) -> Res<String> {
    let items = items(twiggy, wasm)?;
    let total: u64 = items.iter().map(|i| i.shallow).sum();
    if total == 0 {
        return Err(format!("twiggy found nothing in {}", wasm.display()));
    }
    let mut text = format!(
        "What {} is made of (twiggy; its code and data, {:.1} KiB before wasm-bindgen and \
         wasm-opt)\n",
        wasm.display(),
        total as f64 / 1024.0
    );
    let share = |n: u64| format!("{:>9.1} KiB {:>5.1}%", n as f64 / 1024.0, percent(n, total));

    text.push_str("\nBy part (each byte counted once, in the part its code or data belongs to):\n");
    for (part, size) in by_part(&items) {
        let _ = writeln!(text, "  {part:<56} {}", share(size));
    }

    let _ = writeln!(
        text,
        "\nThe {top} items that keep the most alive (retained: the item and all only it reaches):"
    );
    let mut by_retained: Vec<&Item> = items.iter().collect();
    by_retained.sort_by_key(|item| std::cmp::Reverse(item.retained));
    for item in by_retained.into_iter().take(top) {
        let _ = writeln!(
            text,
            "  {} {}",
            share(item.retained),
            shorten(&item.name, 110)
        );
    }
    Ok(text)
}

/// What wasm-bindgen and wasm-opt remove, so that the shares are of what ships: the name
/// section and other custom sections, wasm-bindgen's descriptor functions and their exports.
fn ships(name: &str) -> bool {
    !(name.starts_with("custom section")
        || name.ends_with(" subsection")
        || name.starts_with("export ")
        || name.starts_with("__wbindgen_describe"))
}

fn items(twiggy: &Path, wasm: &Path) -> Res<Vec<Item>> {
    let out = Cmd::new(twiggy)
        .args(["top", "--retained", "--format", "json", "-n", "1000000"])
        .arg(wasm)
        .probe()
        .ok_or_else(|| format!("twiggy could not read {}", wasm.display()))?;
    parse_items(&out)
}

fn parse_items(json: &str) -> Res<Vec<Item>> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| format!("twiggy's output is not JSON: {e}"))?;
    let list = value.as_array().ok_or("twiggy's output is not a list")?;
    Ok(list
        .iter()
        .filter_map(|item| {
            Some(Item {
                name: item.get("name")?.as_str()?.to_owned(),
                shallow: item.get("shallow_size")?.as_u64()?,
                retained: item.get("retained_size")?.as_u64()?,
            })
        })
        .filter(|item| ships(&item.name))
        .collect())
}

/// Shallow sizes summed by part, largest first.
fn by_part(items: &[Item]) -> Vec<(&'static str, u64)> {
    let mut parts: Vec<(&'static str, u64)> = Vec::new();
    for item in items {
        let part = part_of(&item.name);
        match parts.iter_mut().find(|(p, _)| *p == part) {
            Some((_, size)) => *size += item.shallow,
            None => parts.push((part, item.shallow)),
        }
    }
    parts.sort_by_key(|(_, size)| std::cmp::Reverse(*size));
    parts
}

/// The part of the app a (demangled) item name belongs to. Serde's code is counted as serde
/// wherever its derive put it (a `Deserialize` for a core type is serde's cost, not the
/// core's); other generic code goes to the crate that names the function.
fn part_of(name: &str) -> &'static str {
    if name.starts_with("data") {
        return "data (texts, tables, format strings)";
    }
    if name.contains("serde") {
        return "serde, serde_json (with derived code)";
    }
    if is_section(name) {
        return "wasm sections (tables, types, imports, exports)";
    }
    let first = name
        .trim_start_matches(['<', '&', '*', '('])
        .trim_start_matches("mut ")
        .trim_start_matches("const ")
        .trim_start_matches("dyn ")
        .split("::")
        .next()
        .unwrap_or_default();
    // `<T as core::…>` and `<f64 as core[1a2b]::…>`: the trait's crate; `core[1a2b]`: `core`.
    let krate = first.rsplit(" as ").next().unwrap_or(first);
    let krate = krate.split('[').next().unwrap_or(krate);
    match krate {
        "eos_core" => "core (eos-core)",
        "eos_web" => "web UI (eos-web)",
        "eos_course" => "course (eos-course)",
        "yew" | "implicit_clone" | "prokio" | "tokise" | "gloo" | "gloo_events" | "gloo_timers"
        | "gloo_file" | "gloo_utils" => "yew, gloo",
        "plotters" | "plotters_backend" | "plotters_svg" => "plotters",
        "wasm_bindgen" | "js_sys" | "web_sys" | "wasm_bindgen_futures" => {
            "wasm-bindgen, js-sys, web-sys"
        }
        "core" | "alloc" | "std" | "hashbrown" | "dlmalloc" | "compiler_builtins" | "__rustc" => {
            "Rust std (most of it generic code for the app's types)"
        }
        "imbl" | "imbl_sized_chunks" | "bitmaps" | "rand_core" | "rand_xoshiro" | "archery" => {
            "imbl (persistent collections)"
        }
        "miniz_oxide" => "miniz_oxide (share links)",
        "console_error_panic_hook" | "zmij" | "itoa" | "indexmap" => {
            "small crates (zmij, itoa, indexmap, panic hook)"
        }
        _ => "other crates",
    }
}

/// twiggy's names for what is not a function or data: `table[0]`, `type[3]`, `import …`, …
fn is_section(name: &str) -> bool {
    [
        "table[", "type[", "import ", "elem[", "global[", "memory[", "\"", "code[",
    ]
    .iter()
    .any(|p| name.starts_with(p))
        || name.starts_with("func[")
}

fn percent(n: u64, total: u64) -> f64 {
    n as f64 * 100.0 / total as f64
}

fn shorten(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        return name.to_owned();
    }
    let cut: String = name.chars().take(max - 1).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_go_to_the_part_that_costs_them() {
        assert_eq!(
            part_of("data segment \".rodata\""),
            "data (texts, tables, format strings)"
        );
        assert_eq!(
            part_of("<eos_core::config::WorldConfig as serde::de::Deserialize>::deserialize"),
            "serde, serde_json (with derived code)"
        );
        assert_eq!(
            part_of("eos_core::world::World::step::h0123"),
            "core (eos-core)"
        );
        assert_eq!(
            part_of("<yew::html::component::lifecycle::ComponentState>::run"),
            "yew, gloo"
        );
        assert_eq!(part_of("&mut eos_web::app::App"), "web UI (eos-web)");
        let std = "Rust std (most of it generic code for the app's types)";
        assert_eq!(part_of("core::fmt::write"), std);
        assert_eq!(part_of("<T as core::clone::Clone>::clone"), std);
        assert_eq!(part_of("core[c5930c85a12de822]::fmt::write"), std);
        assert_eq!(
            part_of("<f64 as core[c5930c85a12de822]::fmt::Display>::fmt"),
            std
        );
        assert_eq!(
            part_of("table[0]"),
            "wasm sections (tables, types, imports, exports)"
        );
    }

    #[test]
    fn twiggys_json_is_read_and_summed_by_part() {
        let json = r#"[{"name":"data[0]","shallow_size":300,"shallow_size_percent":30.0,"retained_size":300,"retained_size_percent":30.0},
            {"name":"eos_core::a","shallow_size":500,"shallow_size_percent":50.0,"retained_size":700,"retained_size_percent":70.0},
            {"name":"eos_core::b","shallow_size":200,"shallow_size_percent":20.0,"retained_size":200,"retained_size_percent":20.0}]"#;
        let items = parse_items(json).unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(
            by_part(&items),
            [
                ("core (eos-core)", 700),
                ("data (texts, tables, format strings)", 300)
            ]
        );
    }
}
