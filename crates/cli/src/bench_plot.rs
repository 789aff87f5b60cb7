//! `fazhi bench --plot OUT.svg RUN.json…`: how cost grows with scale, drawn from saved runs
//! (`fazhi bench --save`) as a log–log SVG chart, and printed as Markdown: every figure of every
//! run beside its target (docs/benchmarks.md, Results) and the growth table.

use anyhow::{Context, Result};
use serde_json::Value;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The figures drawn: (label, how to read it from a run, in milliseconds).
type Figure = (&'static str, fn(&Value) -> Option<f64>);

const FIGURES: &[Figure] = &[
    ("list p50 (ms)", |r| r["list"]["p50_ms"].as_f64()),
    ("list p99 (ms)", |r| r["list"]["p99_ms"].as_f64()),
    ("HTTP action p99 (ms)", |r| r["http"]["p99_ms"].as_f64()),
    ("audit verify, all events (ms)", |r| {
        let events = r["generate"]["events_total"].as_f64()?;
        let rate = r["audit"]["verify_events_per_s"].as_f64()?;
        (rate > 0.0).then(|| events / rate * 1000.0)
    }),
    ("generation (ms)", |r| {
        r["generate"]["seconds"].as_f64().map(|s| s * 1000.0)
    }),
];

const COLOURS: &[&str] = &["#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad", "#b9770e"];

struct Run {
    engine: String,
    scale: String,
    events: f64,
    figures: Vec<Option<f64>>,
    /// The run as saved, for the table of every figure.
    saved: Value,
}

/// The rows of the results table: the JSON key and the issue's target for it.
const RESULTS: &[(&str, &str)] = &[
    ("generate.districts", ""),
    ("generate.cases", ""),
    ("generate.events_total", ""),
    ("generate.seconds", ""),
    ("generate.events_per_s", ""),
    ("generate.catch_up_s", ""),
    ("baseline.sqlite_durable_commits_per_s", ""),
    ("append.single_writer_per_s", ""),
    ("append.concurrent_64_per_s", "≥ 20 × baseline"),
    ("http.actions_per_s", "≥ 5,000"),
    ("http.p50_ms", ""),
    ("http.p99_ms", "≤ 50"),
    ("list.p50_ms", ""),
    ("list.p99_ms", "≤ 20 (province)"),
    ("audit.verify_events_per_s", "≥ 1,000,000"),
    ("server.rss_mb_idle", "≤ 100 (district)"),
    ("server.rss_mb_peak", ""),
];

const SCALES: &[&str] = &["district", "city", "province"];

fn read(path: &Path) -> Result<Run> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let run: Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a saved benchmark run (JSON)", path.display()))?;
    let events = run["generate"]["events_total"]
        .as_f64()
        .with_context(|| format!("{}: no generate.events_total", path.display()))?;
    Ok(Run {
        engine: run["machine"]["engine"].as_str().unwrap_or("?").to_string(),
        scale: run["machine"]["scale"].as_str().unwrap_or("?").to_string(),
        events,
        figures: FIGURES.iter().map(|(_, get)| get(&run)).collect(),
        saved: run,
    })
}

pub fn write(runs: &[PathBuf], out: &Path) -> Result<()> {
    let mut runs: Vec<Run> = runs.iter().map(|p| read(p)).collect::<Result<_>>()?;
    runs.sort_by(|a, b| {
        (&a.engine, a.events)
            .partial_cmp(&(&b.engine, b.events))
            .expect("finite")
    });
    std::fs::write(out, svg(&runs)).with_context(|| format!("cannot write {}", out.display()))?;
    println!("{}", results(&runs));
    print!("{}", table(&runs));
    Ok(())
}

/// Every figure (a row per key) of every run (a column per run, by scale, SQLite first).
fn results(runs: &[Run]) -> String {
    let mut columns: Vec<&Run> = runs.iter().collect();
    let rank = |r: &Run| {
        (
            SCALES
                .iter()
                .position(|s| *s == r.scale)
                .unwrap_or(SCALES.len()),
            r.engine != "sqlite",
        )
    };
    columns.sort_by_key(|r| rank(r));
    let mut t = String::from("| figure |");
    for run in &columns {
        let _ = write!(t, " {} {} |", run.engine, run.scale);
    }
    t.push_str(" target |\n|---|");
    t.push_str(&"---:|".repeat(columns.len()));
    t.push_str("---|\n");
    for (key, target) in RESULTS {
        let _ = write!(t, "| `{key}` |");
        for run in &columns {
            let value = key.split('.').fold(&run.saved, |v, part| &v[part]).as_f64();
            let cell = match value {
                Some(v) if *key == "append.concurrent_64_per_s" => {
                    match run.saved["baseline"]["sqlite_durable_commits_per_s"].as_f64() {
                        Some(base) if base > 0.0 => format!("{} ({:.1}×)", figure(v), v / base),
                        _ => figure(v),
                    }
                }
                Some(v) => figure(v),
                None => "—".into(),
            };
            let _ = write!(t, " {cell} |");
        }
        let _ = writeln!(t, " {target} |");
    }
    t
}

/// A figure as the docs print it: thousands separated, decimals only where they say something.
fn figure(v: f64) -> String {
    if v.abs() < 100.0 {
        return if v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}")
        };
    }
    let digits = format!("{:.0}", v.abs());
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if v < 0.0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

fn table(runs: &[Run]) -> String {
    let mut t = String::from("| engine | scale | events |");
    for (label, _) in FIGURES {
        let _ = write!(t, " {label} |");
    }
    t.push_str("\n|---|---|---:|");
    t.push_str(&"---:|".repeat(FIGURES.len()));
    t.push('\n');
    for run in runs {
        let _ = write!(t, "| {} | {} | {:.0} |", run.engine, run.scale, run.events);
        for f in &run.figures {
            match f {
                Some(v) => {
                    let _ = write!(t, " {v:.1} |");
                }
                None => t.push_str(" — |"),
            }
        }
        t.push('\n');
    }
    t
}

fn svg(runs: &[Run]) -> String {
    const W: f64 = 760.0;
    const H: f64 = 460.0;
    const LEFT: f64 = 70.0;
    const RIGHT: f64 = 250.0;
    const TOP: f64 = 40.0;
    const BOTTOM: f64 = 60.0;
    let points = || {
        runs.iter()
            .flat_map(|r| r.figures.iter().flatten().map(move |v| (r.events, *v)))
            .filter(|(x, y)| *x > 0.0 && *y > 0.0)
    };
    let decade = |v: f64, up: bool| {
        if up {
            v.log10().ceil()
        } else {
            v.log10().floor()
        }
    };
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (x, y) in points() {
        x0 = x0.min(decade(x, false));
        x1 = x1.max(decade(x, true));
        y0 = y0.min(decade(y, false));
        y1 = y1.max(decade(y, true));
    }
    if x0 > x1 {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    if x1 == x0 {
        x1 += 1.0;
    }
    if y1 == y0 {
        y1 += 1.0;
    }
    let px = |x: f64| LEFT + (x.log10() - x0) / (x1 - x0) * (W - LEFT - RIGHT);
    let py = |y: f64| H - BOTTOM - (y.log10() - y0) / (y1 - y0) * (H - TOP - BOTTOM);

    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-labelledby="title" font-family="sans-serif" font-size="12">
<title id="title">Fazhi: how cost grows with scale (log–log)</title>
<rect width="{W}" height="{H}" fill="#fff"/>
<text x="{LEFT}" y="24" font-size="15" font-weight="bold">How cost grows with the events in the store (log–log)</text>
"##
    );
    for d in x0 as i32..=x1 as i32 {
        let x = px(10f64.powi(d));
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="#ddd"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">10^{d}</text>"##,
            H - BOTTOM,
            H - BOTTOM + 18.0
        );
    }
    for d in y0 as i32..=y1 as i32 {
        let y = py(10f64.powi(d));
        let label = 10f64.powi(d);
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{label}</text>"##,
            W - RIGHT,
            LEFT - 6.0,
            y + 4.0
        );
    }
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle">events in the store</text><text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle">milliseconds</text>"##,
        (LEFT + W - RIGHT) / 2.0,
        H - 16.0,
        (TOP + H - BOTTOM) / 2.0
    );
    let mut engines: Vec<&str> = runs.iter().map(|r| r.engine.as_str()).collect();
    engines.dedup();
    let mut legend_y = TOP + 8.0;
    for (e, engine) in engines.iter().enumerate() {
        let dash = if e == 0 {
            ""
        } else {
            r#" stroke-dasharray="6 4""#
        };
        for (f, (label, _)) in FIGURES.iter().enumerate() {
            let colour = COLOURS[f % COLOURS.len()];
            let line: Vec<(f64, f64)> = runs
                .iter()
                .filter(|r| r.engine == *engine)
                .filter_map(|r| r.figures[f].map(|v| (r.events, v)))
                .filter(|(x, y)| *x > 0.0 && *y > 0.0)
                .collect();
            if line.is_empty() {
                continue;
            }
            let path: Vec<String> = line
                .iter()
                .map(|(x, y)| format!("{:.1},{:.1}", px(*x), py(*y)))
                .collect();
            let _ = writeln!(
                s,
                r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>"#,
                path.join(" ")
            );
            for (x, y) in &line {
                let _ = writeln!(
                    s,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"><title>{engine} · {label}: {y:.1} ms at {x:.0} events</title></circle>"#,
                    px(*x),
                    py(*y)
                );
            }
            let lx = W - RIGHT + 16.0;
            let _ = writeln!(
                s,
                r#"<line x1="{lx}" y1="{legend_y:.1}" x2="{:.1}" y2="{legend_y:.1}" stroke="{colour}" stroke-width="2"{dash}/><text x="{:.1}" y="{:.1}">{engine} · {label}</text>"#,
                lx + 22.0,
                lx + 28.0,
                legend_y + 4.0
            );
            legend_y += 18.0;
        }
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(engine: &str, events: f64, list_p99: f64) -> Run {
        Run {
            engine: engine.into(),
            scale: "city".into(),
            events,
            figures: vec![Some(1.0), Some(list_p99), None, Some(100.0), Some(5_000.0)],
            saved: serde_json::json!({
                "baseline": {"sqlite_durable_commits_per_s": 3_000.0},
                "append": {"concurrent_64_per_s": 27_195.4},
                "list": {"p99_ms": list_p99},
            }),
        }
    }

    #[test]
    fn the_results_have_a_row_per_key_and_a_column_per_run_by_scale() {
        let mut district = run("postgres", 1e5, 4.5);
        district.scale = "district".into();
        let runs = vec![run("sqlite", 1e6, 9.5), district];
        let t = results(&runs);
        assert_eq!(t.lines().count(), 2 + RESULTS.len());
        assert!(t.starts_with("| figure | postgres district | sqlite city | target |"));
        assert!(t.contains("| `list.p99_ms` | 4.5 | 9.5 | ≤ 20 (province) |"));
        assert!(t.contains("| 27,195 (9.1×) | 27,195 (9.1×) |"));
        assert!(t.contains("| `http.p99_ms` | — | — | ≤ 50 |"));
    }

    #[test]
    fn figures_are_grouped_by_thousands() {
        assert_eq!(figure(1_234_567.4), "1,234,567");
        assert_eq!(figure(999.6), "1,000");
        assert_eq!(figure(150.0), "150");
        assert_eq!(figure(36.74), "36.7");
        assert_eq!(figure(10.0), "10", "counts without decimals");
    }

    #[test]
    fn the_chart_has_a_point_per_figure_and_run_and_the_table_a_row_per_run() {
        let runs = vec![
            run("sqlite", 1e5, 3.0),
            run("sqlite", 1e6, 9.0),
            run("postgres", 1e6, 12.0),
        ];
        let chart = svg(&runs);
        assert_eq!(chart.matches("<circle").count(), 4 * 3);
        assert!(chart.contains("postgres · list p99 (ms): 12.0 ms at 1000000 events"));
        assert!(
            chart.contains("stroke-dasharray"),
            "the second engine is dashed"
        );
        let t = table(&runs);
        assert_eq!(t.lines().count(), 2 + 3);
        assert!(t.contains("| sqlite | city | 100000 | 1.0 | 3.0 | — |"));
    }
}
