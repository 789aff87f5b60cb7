//! The enforcement flowcharts (执法流程图) against the procedure definitions they are drawn
//! from: for every file in `procedures/` and `demo/sample-permit.toml`, in Chinese and in
//! English, the SVG is well-formed, shows exactly the definition's states and exactly its
//! transitions (every `from` of every action, the start included), writes every label, and
//! lays the boxes, labels and panels out without overlaps, inside a canvas of sane size.
//!
//! Set `FLOWCHART_OUT=/some/dir` to also write the charts there, to look at them.

use fazhi_core::procedure::{Definition, NEW_STATE};
mod common;

use fazhi_report::flowchart;
use std::collections::BTreeSet;
use std::path::Path;

fn definitions() -> Vec<(String, Definition)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = common::definition_files();
    files.push(root.join("demo/sample-permit.toml"));
    assert!(files.len() >= 2, "no definitions found");
    files
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            (name, common::parse(&path))
        })
        .collect()
}

fn class_is(node: &roxmltree::Node, class: &str) -> bool {
    node.attribute("class")
        .is_some_and(|c| c.split_whitespace().any(|x| x == class))
}

fn attr_f64(node: &roxmltree::Node, name: &str) -> f64 {
    let v: f64 = node
        .attribute(name)
        .unwrap_or_else(|| panic!("<{}> without {name}", node.tag_name().name()))
        .parse()
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(v.is_finite(), "{name} = {v}");
    v
}

/// The text of each `<text>` under a node, its lines joined, without white space (English
/// labels are broken between words).
fn texts(node: roxmltree::Node) -> Vec<String> {
    node.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|t| {
            t.descendants()
                .filter(|n| n.is_text())
                .filter_map(|n| n.text())
                .collect::<String>()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect()
        })
        .collect()
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[derive(Debug, Clone, Copy)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Rect {
    fn of(node: &roxmltree::Node) -> Rect {
        let r = Rect {
            x: attr_f64(node, "x"),
            y: attr_f64(node, "y"),
            w: attr_f64(node, "width"),
            h: attr_f64(node, "height"),
        };
        assert!(r.w > 0.0 && r.h > 0.0, "empty rect {r:?}");
        r
    }

    fn overlaps(&self, o: &Rect) -> bool {
        self.x < o.x + o.w - 0.5
            && o.x < self.x + self.w - 0.5
            && self.y < o.y + o.h - 0.5
            && o.y < self.y + self.h - 0.5
    }
}

fn check(name: &str, d: &Definition, english: bool) -> String {
    let svg = flowchart::svg(d, english);
    let doc = roxmltree::Document::parse(&svg)
        .unwrap_or_else(|e| panic!("{name}: not well-formed XML: {e}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg", "{name}");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    assert!(
        root.attribute("font-family")
            .is_some_and(|f| f.starts_with("Noto Sans CJK SC") && f.ends_with("sans-serif")),
        "{name}: font-family"
    );

    // Canvas.
    let view: Vec<f64> = root
        .attribute("viewBox")
        .expect("viewBox")
        .split_whitespace()
        .map(|v| v.parse().expect("viewBox number"))
        .collect();
    assert_eq!(view.len(), 4, "{name}: viewBox");
    let (width, height) = (attr_f64(&root, "width"), attr_f64(&root, "height"));
    assert_eq!(
        (view[2], view[3]),
        (width, height),
        "{name}: viewBox vs size"
    );
    assert!(
        (200.0..5000.0).contains(&width) && (200.0..5000.0).contains(&height),
        "{name}: {width} × {height}"
    );

    // Accessible: a title and a description first.
    let children: Vec<_> = root.children().filter(|n| n.is_element()).collect();
    assert!(children[0].has_tag_name("title") && children[1].has_tag_name("desc"));
    let title = children[0].text().unwrap_or_default();
    assert!(title.contains(d.name.get(english)), "{name}: title {title}");
    let desc = children[1].text().unwrap_or_default();
    for a in &d.actions {
        assert!(
            desc.contains(a.label.get(english)),
            "{name}: desc lacks {}",
            a.code
        );
    }
    // Self-contained.
    for n in doc.descendants().filter(|n| n.is_element()) {
        for a in n.attributes() {
            assert!(
                !a.value().contains("http") || a.name() == "xmlns",
                "{name}: external reference {}={}",
                a.name(),
                a.value()
            );
        }
        assert!(
            !["script", "image", "foreignObject", "style"].contains(&n.tag_name().name()),
            "{name}: <{}>",
            n.tag_name().name()
        );
    }

    // The states: exactly the definition's, each with its label.
    let groups: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && class_is(n, "state"))
        .collect();
    let shown: Vec<&str> = groups
        .iter()
        .map(|g| g.attribute("data-state").expect("data-state"))
        .collect();
    let shown_set: BTreeSet<&str> = shown.iter().copied().collect();
    assert_eq!(shown.len(), shown_set.len(), "{name}: a state drawn twice");
    let declared: BTreeSet<&str> = d.states.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(shown_set, declared, "{name}: states");
    assert!(!shown_set.contains(NEW_STATE));
    let mut boxes = Vec::new();
    for g in &groups {
        let code = g.attribute("data-state").unwrap_or_default();
        let state = d.state(code).expect("state");
        assert!(
            texts(*g).contains(&squash(state.label.get(english))),
            "{name}: the label of {code} is missing: {:?}",
            texts(*g)
        );
        assert_eq!(class_is(g, "terminal"), state.terminal, "{name}: {code}");
        let rects: Vec<_> = g
            .children()
            .filter(|n| n.has_tag_name("rect") && class_is(n, "box"))
            .collect();
        assert_eq!(rects.len(), 1, "{name}: {code} has one box");
        boxes.push((code.to_string(), Rect::of(&rects[0])));
    }
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("g") && class_is(n, "start"))
            .count(),
        1,
        "{name}: one start"
    );

    // The transitions: exactly (action, from, to) for every `from` of every action (an action
    // that stays: a loop on each state it is taken in).
    let expected: BTreeSet<(String, String, String)> = d
        .actions
        .iter()
        .flat_map(|a| {
            let pairs: Vec<(String, String)> = if a.stays() {
                a.from.iter().map(|f| (f.clone(), f.clone())).collect()
            } else {
                a.targets()
                    .into_iter()
                    .flat_map(|t| a.from.iter().map(move |f| (f.clone(), t.to_string())))
                    .collect()
            };
            pairs.into_iter().map(move |(f, t)| (a.code.clone(), f, t))
        })
        .collect();
    let mut drawn = BTreeSet::new();
    for g in doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && class_is(n, "action"))
    {
        let triple = (
            g.attribute("data-action").expect("data-action").to_string(),
            g.attribute("data-from").expect("data-from").to_string(),
            g.attribute("data-to").expect("data-to").to_string(),
        );
        let action = d.action(&triple.0).expect("a known action");
        assert!(
            texts(g).contains(&squash(action.label.get(english))),
            "{name}: the label of {} is missing: {:?}",
            triple.0,
            texts(g)
        );
        assert!(drawn.insert(triple.clone()), "{name}: {triple:?} twice");
        // An arrow between two states carries it (loops are drawn beside the state).
        if triple.1 != triple.2 {
            let edge = g
                .ancestors()
                .find(|n| class_is(n, "edge"))
                .unwrap_or_else(|| panic!("{name}: {triple:?} is on no arrow"));
            assert_eq!(edge.attribute("data-from"), Some(triple.1.as_str()));
            assert_eq!(edge.attribute("data-to"), Some(triple.2.as_str()));
            assert!(
                edge.children()
                    .any(|n| n.has_tag_name("path") && n.attribute("marker-end").is_some()),
                "{name}: {triple:?} has no arrowhead"
            );
        }
    }
    assert_eq!(drawn, expected, "{name}: transitions");

    // Nothing overlaps: state boxes, edge labels and the panels of actions kept in a state;
    // all inside the canvas.
    let mut rects = boxes.clone();
    for n in doc.descendants().filter(|n| n.has_tag_name("rect")) {
        if class_is(&n, "label-bg") || class_is(&n, "panel") {
            rects.push((
                format!("{:?}", n.parent().and_then(|p| p.attribute("data-from"))),
                Rect::of(&n),
            ));
        }
    }
    let (dx, dy) = doc
        .descendants()
        .find(|n| class_is(n, "flowchart"))
        .and_then(|n| n.attribute("transform"))
        .and_then(|t| {
            t.strip_prefix("translate(")?
                .strip_suffix(')')
                .map(str::to_string)
        })
        .map(|t| {
            let v: Vec<f64> = t
                .split_whitespace()
                .map(|v| v.parse().expect("translate"))
                .collect();
            (v[0], v[1])
        })
        .expect("the flowchart group is translated");
    for (i, (a, ra)) in rects.iter().enumerate() {
        assert!(
            ra.x + dx >= 0.0
                && ra.y + dy >= 0.0
                && ra.x + dx + ra.w <= width
                && ra.y + dy + ra.h <= height,
            "{name}: {a} {ra:?} outside the canvas"
        );
        for (b, rb) in &rects[i + 1..] {
            assert!(!ra.overlaps(rb), "{name}: {a} {ra:?} overlaps {b} {rb:?}");
        }
    }
    svg
}

#[test]
fn every_definition_gives_a_faithful_flowchart() {
    let out = std::env::var_os("FLOWCHART_OUT");
    for (name, d) in definitions() {
        for english in [false, true] {
            let svg = check(&name, &d, english);
            assert_eq!(
                svg,
                flowchart::svg(&d, english),
                "{name}: not deterministic"
            );
            if let Some(dir) = &out {
                let file = format!(
                    "flowchart-{}{}.svg",
                    d.code,
                    if english { "-en" } else { "" }
                );
                std::fs::write(Path::new(dir).join(file), &svg).expect("write");
            }
        }
    }
}

#[test]
fn text_is_escaped() {
    let text = r#"
[procedure]
code = "escape_test"
name = { zh = "A & B <测试> \"引号\" 'x'", en = "A & B <test>" }
version = "1"
effective = "2024-01-01"
basis = "法 <第1条> & 第2条"

[states.open]
zh = "<开> & \"办\""
[states.done]
zh = "结 & 束"
terminal = true

[[actions]]
code = "start"
zh = "开始 <a href='x'>"
from = ["new"]
to = "open"
roles = ["window_clerk"]

[[actions]]
code = "finish"
zh = "完成 & 归档"
from = ["open"]
to = "done"
roles = ["window_clerk"]

[[actions]]
code = "note"
zh = "记录 \"备注\" </text>"
from = ["open", "done"]
to = "done"
roles = ["window_clerk"]
"#;
    let d = Definition::parse("escape.toml", text).unwrap_or_else(|e| panic!("{e:?}"));
    let svg = check("escape.toml", &d, false);
    assert!(!svg.contains("<开>") && !svg.contains("<a href"));
    check("escape.toml", &d, true);
}
