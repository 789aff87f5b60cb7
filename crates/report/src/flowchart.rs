//! Enforcement flowcharts (执法流程图, 行政执法公示: shared/domain.md §7): an SVG drawn from a
//! procedure [`Definition`], so the published flowchart is the procedure the engine runs.
//!
//! The layout is a small layered (Sugiyama) layout, deterministic and dependency-free:
//!
//! 1. **Layers.** States are ordered by breadth-first depth from the implicit start state
//!    `new` (a filled circle, 开始). Transitions that go deeper are kept; the others are kept
//!    too unless they would close a cycle, in which case they are drawn as *back* arrows
//!    (orange, pointing up). Every state then sits one layer below its deepest predecessor.
//! 2. **Labels are nodes.** Between two layers of states lies a row of edge labels: every
//!    transition passes through its label (placed next to the state it leaves), and a
//!    transition spanning several layers passes through invisible points in between. Labels,
//!    points and boxes are laid out together, so labels never overlap boxes or each other and
//!    no arrow runs through a box. Transitions between the same two states are one arrow
//!    with the labels stacked.
//! 3. **Order and position.** Crossings are reduced by barycentre sweeps; horizontal
//!    positions minimise the squared length of the arrows subject to the minimum spacing of
//!    each row (isotonic regression), so long arrows run straight.
//!
//! Actions that stay in their state (an extension, a record after the end) are listed in a
//! panel beside the state, reached by a loop arrow. Under each state's name are the time
//! limits that start on entering it, each after a drawn clock (答复期限 20个工作日). Terminal states have a double
//! green border.
//!
//! For machines and tests, each state box is `<g class="state" data-state="…">` (its outline
//! `<rect class="box">`), each transition of an action from one state
//! `<g class="action" data-action="…" data-from="…" data-to="…">` holding its label's
//! `<text>`, and each arrow `<g class="edge" data-from="…" data-to="…">` around the actions
//! it carries.

use fazhi_core::calendar::Length;
use fazhi_core::procedure::{ClockLength, Definition, NEW_STATE};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The font list; Noto Sans CJK SC first (installed with the server's document fonts).
const FONT_FAMILY: &str = "Noto Sans CJK SC, Source Han Sans SC, Source Han Sans CN, PingFang SC, Microsoft YaHei, sans-serif";

const MARGIN: f64 = 24.0;

const TITLE_SIZE: f64 = 20.0;
const SUBTITLE_SIZE: f64 = 12.0;
const SUBTITLE_LINE: f64 = 17.0;

const STATE_SIZE: f64 = 14.0;
const STATE_LINE: f64 = 19.0;
const STATE_WRAP: f64 = 150.0;
const CLOCK_SIZE: f64 = 11.0;
const CLOCK_LINE: f64 = 15.0;
const CLOCK_WRAP: f64 = 250.0;
/// Room for the clock icon before a time limit.
const CLOCK_ICON: f64 = 14.0;
const BOX_MIN_W: f64 = 112.0;
const BOX_PAD_X: f64 = 12.0;
const BOX_PAD_Y: f64 = 9.0;

const ACTION_SIZE: f64 = 12.0;
const ACTION_LINE: f64 = 16.0;
const ACTION_WRAP: f64 = 136.0;
const LABEL_PAD_X: f64 = 5.0;
const LABEL_PAD_Y: f64 = 3.0;
const LABEL_DIVIDER: f64 = 5.0;

const PANEL_HEAD_SIZE: f64 = 11.0;
const PANEL_HEAD_LINE: f64 = 16.0;
const PANEL_WRAP: f64 = 150.0;
const PANEL_PAD: f64 = 8.0;
const LOOP_W: f64 = 26.0;

const START_R: f64 = 20.0;

const NODE_SEP: f64 = 26.0;
const LABEL_SEP: f64 = 12.0;
const DUMMY_SEP: f64 = 10.0;
const GAP_MIN: f64 = 16.0;
const GAP_MAX: f64 = 72.0;

const INK: &str = "#1f2937";
const EDGE: &str = "#4b5563";
const BACK: &str = "#b45309";
const STATE_FILL: &str = "#eaf1fb";
const STATE_STROKE: &str = "#1f4e8c";
const END_FILL: &str = "#e7f4e8";
const END_STROKE: &str = "#2e7d32";
const CLOCK_INK: &str = "#8a3c00";
const MUTED: &str = "#6b7280";

/// The flowchart of a procedure as a self-contained SVG document (no external fonts, scripts
/// or styles), in Chinese or, with `english`, in English (Chinese where a label has no
/// English). The same definition always gives the same bytes.
pub fn svg(definition: &Definition, english: bool) -> String {
    let graph = Graph::of(definition);
    let content = Content::of(definition, &graph, english);
    let layout = Layout::compute(&graph, &content);
    render(definition, &graph, &content, &layout, english)
}

// ---------------------------------------------------------------------------------------------
// The graph
// ---------------------------------------------------------------------------------------------

/// Nodes are the start (0) and the definition's states (1..). Transitions between two
/// different states are merged by (from, to); transitions from a state to itself are loops.
struct Graph {
    /// Node codes: `new`, then the states' codes in the definition's order.
    codes: Vec<String>,
    edges: Vec<Edge>,
    /// Per node, the actions (indices into `definition.actions`) that stay in it.
    loops: Vec<Vec<usize>>,
    /// Per node, its layer (0 for the start).
    layer: Vec<usize>,
}

struct Edge {
    from: usize,
    to: usize,
    /// Indices into `definition.actions`, in definition order.
    actions: Vec<usize>,
    /// Drawn upwards: keeping it downwards would close a cycle.
    back: bool,
}

impl Edge {
    /// The upper and lower node of the edge in the layout.
    fn ends(&self) -> (usize, usize) {
        if self.back {
            (self.to, self.from)
        } else {
            (self.from, self.to)
        }
    }
}

impl Graph {
    fn of(d: &Definition) -> Graph {
        let mut codes = vec![NEW_STATE.to_string()];
        codes.extend(d.states.iter().map(|s| s.code.clone()));
        let n = codes.len();
        let index = |code: &str| codes.iter().position(|c| c == code);

        let mut edges: Vec<Edge> = Vec::new();
        let mut loops: Vec<Vec<usize>> = vec![Vec::new(); n];
        // An action with several possible targets is drawn on an arrow to each.
        for (ai, a) in d.actions.iter().enumerate() {
            // One that stays is a loop on each state it may be taken in.
            if a.stays() {
                for from in &a.from {
                    if let Some(i) = index(from)
                        && !loops[i].contains(&ai)
                    {
                        loops[i].push(ai);
                    }
                }
                continue;
            }
            for target in a.targets() {
                let Some(to) = index(target) else { continue };
                let mut seen = Vec::new();
                for from in &a.from {
                    let Some(from) = index(from) else { continue };
                    if seen.contains(&from) {
                        continue;
                    }
                    seen.push(from);
                    if from == to {
                        loops[to].push(ai);
                    } else if let Some(e) = edges.iter_mut().find(|e| e.from == from && e.to == to)
                    {
                        e.actions.push(ai);
                    } else {
                        edges.push(Edge {
                            from,
                            to,
                            actions: vec![ai],
                            back: false,
                        });
                    }
                }
            }
        }

        // Breadth-first depth from the start.
        let mut depth = vec![usize::MAX; n];
        depth[0] = 0;
        let mut queue = std::collections::VecDeque::from([0]);
        while let Some(u) = queue.pop_front() {
            for e in edges.iter().filter(|e| e.from == u) {
                if depth[e.to] == usize::MAX {
                    depth[e.to] = depth[u] + 1;
                    queue.push_back(e.to);
                }
            }
        }
        let unreached = depth
            .iter()
            .filter(|d| **d != usize::MAX)
            .max()
            .copied()
            .unwrap_or(0)
            + 1;
        for d in depth.iter_mut().filter(|d| **d == usize::MAX) {
            *d = unreached;
        }

        // Keep every edge going deeper, then every other edge that closes no cycle.
        let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
        for e in edges.iter().filter(|e| depth[e.to] > depth[e.from]) {
            succ[e.from].push(e.to);
        }
        for e in edges.iter_mut().filter(|e| depth[e.to] <= depth[e.from]) {
            if reaches(&succ, e.to, e.from) {
                e.back = true;
            } else {
                succ[e.from].push(e.to);
            }
        }

        // Longest-path layering of the acyclic graph.
        let mut indegree = vec![0usize; n];
        for s in succ.iter().flatten() {
            indegree[*s] += 1;
        }
        let mut layer = vec![0usize; n];
        let mut ready: Vec<usize> = (0..n).filter(|v| indegree[*v] == 0).collect();
        ready.reverse();
        while let Some(u) = ready.pop() {
            for &v in &succ[u] {
                layer[v] = layer[v].max(layer[u] + 1);
                indegree[v] -= 1;
                if indegree[v] == 0 {
                    ready.push(v);
                }
            }
        }
        Graph {
            codes,
            edges,
            loops,
            layer,
        }
    }
}

fn reaches(succ: &[Vec<usize>], from: usize, to: usize) -> bool {
    let mut seen = vec![false; succ.len()];
    let mut stack = vec![from];
    while let Some(u) = stack.pop() {
        if u == to {
            return true;
        }
        if !std::mem::replace(&mut seen[u], true) {
            stack.extend(&succ[u]);
        }
    }
    false
}

// ---------------------------------------------------------------------------------------------
// What is written where, and how big it is
// ---------------------------------------------------------------------------------------------

struct StateBox {
    label: Vec<String>,
    clocks: Vec<Vec<String>>,
    terminal: bool,
    w: f64,
    h: f64,
    panel: Option<Panel>,
}

/// The actions that stay in a state, listed beside it.
struct Panel {
    heading: String,
    items: Vec<(usize, Vec<String>)>,
    w: f64,
    h: f64,
}

struct EdgeLabel {
    /// Per action of the edge, its wrapped label.
    items: Vec<(usize, Vec<String>)>,
    w: f64,
    h: f64,
}

struct Content {
    /// Per node; the start's entry is unused.
    boxes: Vec<StateBox>,
    labels: Vec<EdgeLabel>,
}

impl Content {
    fn of(d: &Definition, g: &Graph, english: bool) -> Content {
        let mut boxes = vec![StateBox {
            label: vec![start_label(english).to_string()],
            clocks: Vec::new(),
            terminal: false,
            w: 2.0 * START_R,
            h: 2.0 * START_R,
            panel: None,
        }];
        for (si, s) in d.states.iter().enumerate() {
            let label = wrap(s.label.get(english), STATE_SIZE, STATE_WRAP);
            // The clocks started by an action that leads into this state.
            let clocks: Vec<Vec<String>> = d
                .clocks
                .iter()
                .filter(|k| {
                    k.starts
                        .iter()
                        .any(|a| d.action(a).is_some_and(|a| a.leads_to(&s.code)))
                })
                .map(|k| {
                    wrap(
                        &clock_line(d, k, english),
                        CLOCK_SIZE,
                        CLOCK_WRAP - CLOCK_ICON,
                    )
                })
                .collect();
            let text_w = label
                .iter()
                .map(|l| text_width(l, STATE_SIZE))
                .chain(
                    clocks
                        .iter()
                        .flatten()
                        .map(|l| CLOCK_ICON + text_width(l, CLOCK_SIZE)),
                )
                .fold(0.0, f64::max);
            let w = (text_w + 2.0 * BOX_PAD_X).max(BOX_MIN_W).ceil();
            let mut h = 2.0 * BOX_PAD_Y + label.len() as f64 * STATE_LINE;
            if !clocks.is_empty() {
                h += 7.0 + clocks.iter().map(Vec::len).sum::<usize>() as f64 * CLOCK_LINE;
            }
            let loops = &g.loops[si + 1];
            let panel = (!loops.is_empty()).then(|| {
                let heading = if english {
                    "Also in this stage:"
                } else {
                    "本环节内可办理："
                }
                .to_string();
                let items: Vec<(usize, Vec<String>)> = loops
                    .iter()
                    .map(|&ai| {
                        let l = d.actions[ai].label.get(english);
                        (ai, wrap(l, ACTION_SIZE, PANEL_WRAP))
                    })
                    .collect();
                let item_w = items
                    .iter()
                    .flat_map(|(_, l)| l)
                    .map(|l| text_width(l, ACTION_SIZE) + 10.0)
                    .fold(text_width(&heading, PANEL_HEAD_SIZE), f64::max);
                let lines: usize = items.iter().map(|(_, l)| l.len()).sum();
                Panel {
                    heading,
                    items,
                    w: (item_w + 2.0 * PANEL_PAD).ceil(),
                    h: 2.0 * PANEL_PAD - 2.0 + PANEL_HEAD_LINE + lines as f64 * ACTION_LINE,
                }
            });
            boxes.push(StateBox {
                label,
                clocks,
                terminal: s.terminal,
                w,
                h: h.ceil(),
                panel,
            });
        }
        let labels = g
            .edges
            .iter()
            .map(|e| {
                let items: Vec<(usize, Vec<String>)> = e
                    .actions
                    .iter()
                    .map(|&ai| {
                        (
                            ai,
                            wrap(d.actions[ai].label.get(english), ACTION_SIZE, ACTION_WRAP),
                        )
                    })
                    .collect();
                let w = items
                    .iter()
                    .flat_map(|(_, l)| l)
                    .map(|l| text_width(l, ACTION_SIZE))
                    .fold(0.0, f64::max)
                    + 2.0 * LABEL_PAD_X;
                let lines: usize = items.iter().map(|(_, l)| l.len()).sum();
                let h = 2.0 * LABEL_PAD_Y
                    + lines as f64 * ACTION_LINE
                    + (items.len() - 1) as f64 * LABEL_DIVIDER;
                EdgeLabel {
                    items,
                    w: w.ceil(),
                    h,
                }
            })
            .collect();
        Content { boxes, labels }
    }
}

fn start_label(english: bool) -> &'static str {
    if english { "Start" } else { "开始" }
}

/// `答复期限 20个工作日`, `补正期限：至“补正期限（截止日）”` (drawn after a clock icon).
fn clock_line(d: &Definition, k: &fazhi_core::procedure::Clock, english: bool) -> String {
    let label = k.label.get(english);
    match &k.length {
        ClockLength::Fixed(length) => format!("{label} {}", describe(length, english)),
        ClockLength::FromField(field) => {
            let field = d
                .field(field)
                .map(|f| f.label.get(english).to_string())
                .unwrap_or_else(|| field.clone());
            if english {
                format!("{label}: until \"{field}\"")
            } else {
                format!("{label}：至“{field}”")
            }
        }
    }
}

fn describe(length: &Length, english: bool) -> String {
    let n = match length {
        Length::CalendarDays(n) | Length::WorkingDays(n) | Length::Months(n) => *n,
    };
    if n == 0 {
        return if english { "same day" } else { "当日" }.to_string();
    }
    if !english {
        return length.describe_zh();
    }
    let s = if n == 1 { "" } else { "s" };
    match length {
        Length::CalendarDays(_) => format!("{n} day{s}"),
        Length::WorkingDays(_) => format!("{n} working day{s}"),
        Length::Months(_) => format!("{n} month{s}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Text metrics (estimated: no font is read)
// ---------------------------------------------------------------------------------------------

/// The advance of a character in em, generous for Noto Sans CJK SC.
fn char_em(c: char) -> f64 {
    match c {
        ' ' => 0.3,
        'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '!' | '|' => 0.3,
        'f' | 'r' | 't' | '(' | ')' | '[' | ']' | '-' | '/' => 0.38,
        'm' | 'w' => 0.85,
        'M' | 'W' => 0.9,
        'A'..='Z' => 0.66,
        'a'..='z' | '0'..='9' => 0.57,
        c if c.is_ascii() => 0.6,
        _ => 1.0,
    }
}

fn text_width(s: &str, size: f64) -> f64 {
    s.chars().map(char_em).sum::<f64>() * size
}

fn is_closing(c: char) -> bool {
    "，。、；：？！）」』》〉”’,.;:?!)]%".contains(c)
}

fn is_opening(c: char) -> bool {
    "（「『《〈“‘([".contains(c)
}

/// Breaks text into lines no wider than `max` (where the words allow), balanced so the last
/// line is not a stray character: Chinese between characters (not before closing or after
/// opening punctuation), other scripts between words.
fn wrap(text: &str, size: f64, max: f64) -> Vec<String> {
    // Tokens that may not be split, each with whether a space precedes it.
    let mut tokens: Vec<(String, bool)> = Vec::new();
    let mut space = false;
    let mut glue = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
            glue = false;
            continue;
        }
        let continues_word = !space
            && c.is_ascii()
            && tokens
                .last()
                .and_then(|(t, _)| t.chars().last())
                .is_some_and(|p| p.is_ascii());
        match tokens.last_mut() {
            Some((t, _)) if glue || continues_word || (!space && is_closing(c)) => t.push(c),
            _ => tokens.push((c.to_string(), space)),
        }
        glue = is_opening(c);
        space = false;
    }
    let join = |tokens: &[(String, bool)]| -> String {
        let mut line = String::new();
        for (t, space) in tokens {
            if *space && !line.is_empty() {
                line.push(' ');
            }
            line.push_str(t);
        }
        line
    };
    let count = tokens.len();
    if count < 2 || text_width(&join(&tokens), size) <= max {
        return vec![join(&tokens)];
    }
    // Width of tokens[i..j] on one line.
    let width = |i: usize, j: usize| text_width(&join(&tokens[i..j]), size);
    // The fewest lines: greedy.
    let mut lines_needed = 1;
    let mut start = 0;
    for j in 1..count {
        if width(start, j + 1) > max {
            lines_needed += 1;
            start = j;
        }
    }
    // Breaking before token j is good after punctuation, at a space or before an opening
    // bracket; elsewhere (inside a Chinese phrase) it costs about two characters of imbalance.
    let good_break = |j: usize| {
        tokens[j].1 || tokens[j].0.starts_with(is_opening) || tokens[j - 1].0.ends_with(is_closing)
    };
    let target = width(0, count) / lines_needed as f64;
    let penalty = 12.0 * size * size;
    let line_cost = |i: usize, j: usize| {
        let w = width(i, j);
        if w > max && j - i > 1 {
            f64::INFINITY
        } else {
            (w - target).powi(2)
        }
    };
    // cost[k][j]: the best split of tokens[..j] into k lines; from[k][j]: where its last starts.
    let mut cost = vec![vec![f64::INFINITY; count + 1]; lines_needed + 1];
    let mut from = vec![vec![0usize; count + 1]; lines_needed + 1];
    cost[0][0] = 0.0;
    for k in 1..=lines_needed {
        for j in k..=count {
            for i in k - 1..j {
                if cost[k - 1][i].is_infinite() {
                    continue;
                }
                let mut c = cost[k - 1][i] + line_cost(i, j);
                if i > 0 && !good_break(i) {
                    c += penalty;
                }
                if c < cost[k][j] {
                    cost[k][j] = c;
                    from[k][j] = i;
                }
            }
        }
    }
    let mut breaks = vec![count];
    let mut j = count;
    for k in (1..=lines_needed).rev() {
        j = from[k][j];
        breaks.push(j);
    }
    breaks.reverse();
    breaks
        .windows(2)
        .map(|w| join(&tokens[w[0]..w[1]]))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// A node of the graph (start or state).
    Node(usize),
    /// The label of an edge.
    Label(usize),
    /// A point an edge passes through.
    Point(usize),
}

struct Slot {
    kind: Kind,
    rank: usize,
    /// Extent left and right of `x`, and height.
    left: f64,
    right: f64,
    height: f64,
    up: Vec<(usize, f64)>,
    down: Vec<(usize, f64)>,
}

struct Layout {
    slots: Vec<Slot>,
    x: Vec<f64>,
    rank_y: Vec<f64>,
    rank_h: Vec<f64>,
    /// Per edge, the slots it passes through, top to bottom.
    chains: Vec<Vec<usize>>,
    /// Where an arrow leaves (`down`) or enters (`up`) a node, by (node slot, neighbour slot).
    ports: BTreeMap<(usize, usize), f64>,
    width: f64,
    height: f64,
}

impl Layout {
    fn compute(g: &Graph, c: &Content) -> Layout {
        let n = g.codes.len();
        let mut slots: Vec<Slot> = (0..n)
            .map(|v| {
                let b = &c.boxes[v];
                let panel_w = b.panel.as_ref().map_or(0.0, |p| LOOP_W + p.w);
                let panel_h = b.panel.as_ref().map_or(0.0, |p| p.h);
                Slot {
                    kind: Kind::Node(v),
                    rank: 2 * g.layer[v],
                    left: b.w / 2.0,
                    right: b.w / 2.0 + panel_w,
                    height: b.h.max(panel_h),
                    up: Vec::new(),
                    down: Vec::new(),
                }
            })
            .collect();
        let mut chains = Vec::new();
        for (ei, e) in g.edges.iter().enumerate() {
            let (a, b) = e.ends();
            let (ra, rb) = (2 * g.layer[a], 2 * g.layer[b]);
            let label_rank = if e.back { rb - 1 } else { ra + 1 };
            let mut chain = Vec::new();
            for r in ra + 1..rb {
                let (kind, half, height) = if r == label_rank {
                    (Kind::Label(ei), c.labels[ei].w / 2.0, c.labels[ei].h)
                } else {
                    (Kind::Point(ei), 0.0, 0.0)
                };
                chain.push(slots.len());
                slots.push(Slot {
                    kind,
                    rank: r,
                    left: half,
                    right: half,
                    height,
                    up: Vec::new(),
                    down: Vec::new(),
                });
            }
            let mut prev = a;
            for &s in chain.iter().chain(std::iter::once(&b)) {
                let weight = match (slots[prev].kind, slots[s].kind) {
                    (Kind::Node(_), _) | (_, Kind::Node(_)) => 1.0,
                    _ => 8.0,
                };
                slots[prev].down.push((s, weight));
                slots[s].up.push((prev, weight));
                prev = s;
            }
            chains.push(chain);
        }
        let rank_count = slots.iter().map(|s| s.rank).max().unwrap_or(0) + 1;

        // Initial order: depth-first from the start, following the definition's order.
        let mut ranks: Vec<Vec<usize>> = vec![Vec::new(); rank_count];
        let mut seen = vec![false; slots.len()];
        let mut roots: Vec<usize> = (0..slots.len()).collect();
        roots.sort_by_key(|&s| (slots[s].rank, s));
        for root in roots {
            let mut stack = vec![root];
            while let Some(s) = stack.pop() {
                if std::mem::replace(&mut seen[s], true) {
                    continue;
                }
                ranks[slots[s].rank].push(s);
                stack.extend(slots[s].down.iter().rev().map(|(d, _)| *d));
            }
        }
        let ranks = order(&slots, ranks);
        let x = position(&slots, &ranks);

        // Ports: arrows leave a box's bottom and enter its top spread out, in the order of the
        // slots they go to.
        let mut ports = BTreeMap::new();
        for (v, slot) in slots.iter().enumerate().take(n) {
            let usable = if v == 0 {
                0.0
            } else {
                (c.boxes[v].w - 28.0).max(0.0)
            };
            for list in [&slot.down, &slot.up] {
                let mut ends: Vec<usize> = list.iter().map(|(s, _)| *s).collect();
                ends.sort_by(|a, b| x[*a].total_cmp(&x[*b]).then(a.cmp(b)));
                let k = ends.len();
                let step = if k > 1 {
                    (usable / (k - 1) as f64).min(16.0)
                } else {
                    0.0
                };
                for (i, s) in ends.into_iter().enumerate() {
                    ports.insert((v, s), x[v] + (i as f64 - (k as f64 - 1.0) / 2.0) * step);
                }
            }
        }
        let exit_x = |s: usize, to: usize| ports.get(&(s, to)).copied().unwrap_or(x[s]);

        // Rows: as tall as their tallest slot; the gap below a row grows with how far its
        // arrows travel sideways, so that they do not run flat.
        let rank_h: Vec<f64> = ranks
            .iter()
            .map(|r| r.iter().map(|s| slots[*s].height).fold(8.0, f64::max))
            .collect();
        let mut rank_y = vec![0.0; rank_count];
        for r in 1..rank_count {
            let travel = ranks[r - 1]
                .iter()
                .flat_map(|&s| slots[s].down.iter().map(move |(d, _)| (s, *d)))
                .map(|(s, d)| (exit_x(s, d) - exit_x(d, s)).abs())
                .fold(0.0, f64::max);
            let gap = (GAP_MIN + 0.2 * travel).min(GAP_MAX);
            rank_y[r] = rank_y[r - 1] + rank_h[r - 1] + gap;
        }
        let height = rank_y[rank_count - 1] + rank_h[rank_count - 1];
        let left = slots
            .iter()
            .enumerate()
            .map(|(s, slot)| x[s] - slot.left)
            .fold(f64::INFINITY, f64::min);
        let right = slots
            .iter()
            .enumerate()
            .map(|(s, slot)| x[s] + slot.right)
            .fold(f64::NEG_INFINITY, f64::max);
        let x: Vec<f64> = x.iter().map(|v| v - left).collect();
        let ports = ports.into_iter().map(|(k, v)| (k, v - left)).collect();
        Layout {
            slots,
            x,
            rank_y,
            rank_h,
            chains,
            ports,
            width: right - left,
            height,
        }
    }

    fn port(&self, node: usize, neighbour: usize) -> f64 {
        self.ports
            .get(&(node, neighbour))
            .copied()
            .unwrap_or(self.x[node])
    }

    /// The top of a slot (a node's box, a label's rectangle, a point's row).
    fn top(&self, s: usize) -> f64 {
        let slot = &self.slots[s];
        match slot.kind {
            Kind::Label(_) => self.rank_y[slot.rank] + (self.rank_h[slot.rank] - slot.height) / 2.0,
            _ => self.rank_y[slot.rank],
        }
    }
}

/// Orders each rank to reduce crossings (barycentre sweeps), keeping the best order seen.
fn order(slots: &[Slot], mut ranks: Vec<Vec<usize>>) -> Vec<Vec<usize>> {
    let mut pos = vec![0.0; slots.len()];
    let index = |ranks: &Vec<Vec<usize>>, pos: &mut Vec<f64>| {
        for r in ranks {
            for (i, s) in r.iter().enumerate() {
                pos[*s] = i as f64;
            }
        }
    };
    index(&ranks, &mut pos);
    let mut best = ranks.clone();
    let mut best_crossings = crossings(slots, &ranks, &pos);
    for sweep in 0..24 {
        let down = sweep % 2 == 0;
        let order: Vec<usize> = if down {
            (1..ranks.len()).collect()
        } else {
            (0..ranks.len().saturating_sub(1)).rev().collect()
        };
        for r in order {
            let keys: Vec<(usize, f64)> = ranks[r]
                .iter()
                .map(|&s| {
                    let nbrs = if down { &slots[s].up } else { &slots[s].down };
                    let key = if nbrs.is_empty() {
                        pos[s]
                    } else {
                        nbrs.iter().map(|(t, _)| pos[*t]).sum::<f64>() / nbrs.len() as f64
                    };
                    (s, key)
                })
                .collect();
            let mut sorted = keys;
            sorted.sort_by(|a, b| a.1.total_cmp(&b.1));
            ranks[r] = sorted.into_iter().map(|(s, _)| s).collect();
            for (i, s) in ranks[r].iter().enumerate() {
                pos[*s] = i as f64;
            }
        }
        transpose(slots, &mut ranks, &mut pos);
        let c = crossings(slots, &ranks, &pos);
        if c < best_crossings {
            best_crossings = c;
            best = ranks.clone();
        }
    }
    best
}

/// Swaps neighbours in a rank while that removes crossings.
fn transpose(slots: &[Slot], ranks: &mut [Vec<usize>], pos: &mut [f64]) {
    // Crossings between the segments of u and of v when u is left of v.
    let pair = |u: usize, v: usize, pos: &[f64]| {
        let mut c = 0;
        for (nu, nv) in [
            (&slots[u].up, &slots[v].up),
            (&slots[u].down, &slots[v].down),
        ] {
            for (a, _) in nu {
                c += nv.iter().filter(|(b, _)| pos[*a] > pos[*b]).count();
            }
        }
        c
    };
    for _ in 0..8 {
        let mut improved = false;
        for rank in ranks.iter_mut() {
            for i in 1..rank.len() {
                let (u, v) = (rank[i - 1], rank[i]);
                if pair(v, u, pos) < pair(u, v, pos) {
                    rank.swap(i - 1, i);
                    pos[u] = i as f64;
                    pos[v] = (i - 1) as f64;
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
}

fn crossings(slots: &[Slot], ranks: &[Vec<usize>], pos: &[f64]) -> usize {
    let mut total = 0;
    for r in ranks {
        let segs: Vec<(f64, f64)> = r
            .iter()
            .flat_map(|&s| slots[s].down.iter().map(move |(d, _)| (pos[s], pos[*d])))
            .collect();
        for (i, a) in segs.iter().enumerate() {
            for b in &segs[i + 1..] {
                if (a.0 - b.0) * (a.1 - b.1) < 0.0 {
                    total += 1;
                }
            }
        }
    }
    total
}

/// Horizontal positions: repeatedly moves each rank's slots towards their neighbours'
/// weighted mean, as close as the rank's spacing allows (a weighted isotonic regression).
fn position(slots: &[Slot], ranks: &[Vec<usize>]) -> Vec<f64> {
    let sep = |a: &Slot, b: &Slot| {
        let gap = match (a.kind, b.kind) {
            (Kind::Point(_), _) | (_, Kind::Point(_)) => DUMMY_SEP,
            (Kind::Label(_), _) | (_, Kind::Label(_)) => LABEL_SEP,
            _ => NODE_SEP,
        };
        a.right + gap + b.left
    };
    let mut x = vec![0.0; slots.len()];
    for r in ranks {
        let mut at = 0.0;
        for (i, &s) in r.iter().enumerate() {
            if i > 0 {
                at += sep(&slots[r[i - 1]], &slots[s]);
            }
            x[s] = at;
        }
    }
    const SWEEPS: usize = 40;
    for sweep in 0..SWEEPS {
        let both = sweep >= SWEEPS - 10;
        let down: Vec<usize> = (1..ranks.len()).collect();
        let up: Vec<usize> = (0..ranks.len().saturating_sub(1)).rev().collect();
        for (r, use_up) in down
            .into_iter()
            .map(|r| (r, true))
            .chain(up.into_iter().map(|r| (r, false)))
        {
            let rank = &ranks[r];
            let mut desired = Vec::with_capacity(rank.len());
            let mut weight = Vec::with_capacity(rank.len());
            for &s in rank {
                let nbrs: Vec<&(usize, f64)> = if both {
                    slots[s].up.iter().chain(&slots[s].down).collect()
                } else if use_up {
                    slots[s].up.iter().collect()
                } else {
                    slots[s].down.iter().collect()
                };
                let w: f64 = nbrs.iter().map(|(_, w)| w).sum();
                if w > 0.0 {
                    desired.push(nbrs.iter().map(|(t, w)| w * x[*t]).sum::<f64>() / w);
                    weight.push(w);
                } else {
                    desired.push(x[s]);
                    weight.push(0.05);
                }
            }
            let gaps: Vec<f64> = rank
                .windows(2)
                .map(|p| sep(&slots[p[0]], &slots[p[1]]))
                .collect();
            for (s, v) in rank.iter().zip(place(&desired, &weight, &gaps)) {
                x[*s] = v;
            }
        }
    }

    // Straighten long arrows: put all the points an edge passes through at one x, where every
    // rank they are in has room for it.
    let mut chains: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (s, slot) in slots.iter().enumerate() {
        if let Kind::Point(e) = slot.kind {
            chains.entry(e).or_default().push(s);
        }
    }
    let mut at = vec![(0, 0); slots.len()];
    for (r, rank) in ranks.iter().enumerate() {
        for (i, s) in rank.iter().enumerate() {
            at[*s] = (r, i);
        }
    }
    for _ in 0..3 {
        for points in chains.values().filter(|p| p.len() > 1) {
            let mut xs: Vec<f64> = points.iter().map(|s| x[*s]).collect();
            xs.sort_by(f64::total_cmp);
            let candidates = [xs[xs.len() / 2], x[points[0]], x[points[points.len() - 1]]];
            for candidate in candidates {
                let fits = points.iter().all(|&s| {
                    let (r, i) = at[s];
                    let rank = &ranks[r];
                    let left_ok = i == 0
                        || candidate - x[rank[i - 1]] >= sep(&slots[rank[i - 1]], &slots[s]) - 1e-6;
                    let right_ok = i + 1 == rank.len()
                        || x[rank[i + 1]] - candidate >= sep(&slots[s], &slots[rank[i + 1]]) - 1e-6;
                    left_ok && right_ok
                });
                if fits {
                    for &s in points {
                        x[s] = candidate;
                    }
                    break;
                }
            }
        }
    }
    x
}

/// Minimises Σ wᵢ(xᵢ − dᵢ)² subject to xᵢ₊₁ − xᵢ ≥ gapᵢ (pool-adjacent-violators).
fn place(desired: &[f64], weight: &[f64], gaps: &[f64]) -> Vec<f64> {
    let mut offset = Vec::with_capacity(desired.len());
    let mut acc = 0.0;
    for i in 0..desired.len() {
        if i > 0 {
            acc += gaps[i - 1];
        }
        offset.push(acc);
    }
    // Blocks of (weight, weighted sum of targets, count).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::new();
    for ((d, w), o) in desired.iter().zip(weight).zip(&offset) {
        blocks.push((*w, w * (d - o), 1));
        while blocks.len() > 1 {
            let (w2, s2, c2) = blocks[blocks.len() - 1];
            let (w1, s1, c1) = blocks[blocks.len() - 2];
            if s1 / w1 <= s2 / w2 {
                break;
            }
            blocks.pop();
            let last = blocks.len() - 1;
            blocks[last] = (w1 + w2, s1 + s2, c1 + c2);
        }
    }
    blocks
        .into_iter()
        .flat_map(|(w, s, c)| std::iter::repeat_n(s / w, c))
        .zip(&offset)
        .map(|(y, o)| y + o)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

fn render(d: &Definition, g: &Graph, c: &Content, l: &Layout, english: bool) -> String {
    let name = d.name.get(english);
    let title = if english {
        format!("Flowchart: {name}")
    } else {
        format!("{name}流程图")
    };
    let basis = if d.basis.is_empty() {
        String::new()
    } else if english {
        format!(" · Basis: {}", d.basis)
    } else {
        format!(" · 依据：{}", d.basis)
    };
    let subtitle = if english {
        format!(
            "Version {}, in force from {}{basis}",
            d.version, d.effective
        )
    } else {
        format!("{}版，{}起施行{basis}", d.version, d.effective)
    };
    let footer = if english {
        format!(
            "Drawn by the system from the procedure definition {} (version {}): it is the procedure the system runs.",
            d.code, d.version
        )
    } else {
        format!(
            "本图由系统根据程序定义“{}”（{}版）自动生成，与系统实际执行的办理流程一致。",
            d.code, d.version
        )
    };

    // Legend items, only for what the chart shows.
    let mut legend: Vec<(LegendMark, &str)> = vec![
        (LegendMark::Box, if english { "Stage" } else { "办理环节" }),
        (
            LegendMark::End,
            if english {
                "End of the procedure"
            } else {
                "办结（流程终点）"
            },
        ),
        (
            LegendMark::Arrow,
            if english {
                "Action leading to the next stage"
            } else {
                "办理事项（进入下一环节）"
            },
        ),
    ];
    if g.edges.iter().any(|e| e.back) {
        legend.push((
            LegendMark::Back,
            if english {
                "Back to an earlier stage"
            } else {
                "回到此前的环节"
            },
        ));
    }
    if g.loops.iter().any(|l| !l.is_empty()) {
        legend.push((
            LegendMark::Loop,
            if english {
                "Actions that keep the stage"
            } else {
                "不改变环节的事项"
            },
        ));
    }
    if c.boxes.iter().any(|b| !b.clocks.is_empty()) {
        legend.push((
            LegendMark::Clock,
            if english {
                "Time limit starting on entering the stage"
            } else {
                "进入该环节时起算的期限"
            },
        ));
    }
    let legend_w: f64 = legend
        .iter()
        .map(|(_, t)| 40.0 + text_width(t, ACTION_SIZE) + 22.0)
        .sum();

    let content_w = l
        .width
        .max(text_width(&title, TITLE_SIZE))
        .max(legend_w.min(720.0))
        .max(480.0);
    let sub_lines = wrap(&subtitle, SUBTITLE_SIZE, content_w);
    let foot_lines = wrap(&footer, SUBTITLE_SIZE, content_w);
    // Legend rows.
    let mut legend_rows: Vec<Vec<usize>> = vec![Vec::new()];
    let mut row_w = 0.0;
    for (i, (_, t)) in legend.iter().enumerate() {
        let w = 40.0 + text_width(t, ACTION_SIZE) + 22.0;
        if row_w + w > content_w && !legend_rows[legend_rows.len() - 1].is_empty() {
            legend_rows.push(Vec::new());
            row_w = 0.0;
        }
        let last = legend_rows.len() - 1;
        legend_rows[last].push(i);
        row_w += w;
    }

    let width = (content_w + 2.0 * MARGIN).ceil();
    let graph_top = MARGIN + TITLE_SIZE + 10.0 + sub_lines.len() as f64 * SUBTITLE_LINE + 22.0;
    let graph_left = MARGIN + (content_w - l.width) / 2.0;
    let legend_top = graph_top + l.height + 30.0;
    let footer_top = legend_top + legend_rows.len() as f64 * 26.0 + 6.0;
    let height = (footer_top + foot_lines.len() as f64 * SUBTITLE_LINE + MARGIN).ceil();

    let mut o = String::with_capacity(64 * 1024);
    let id = |what: &str| format!("fc-{}-{what}", d.code);
    let _ = write!(
        o,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{t} {dd}" xml:lang="{lang}" font-family="{FONT_FAMILY}">"#,
        w = num(width),
        h = num(height),
        t = id("title"),
        dd = id("desc"),
        lang = if english { "en" } else { "zh-CN" },
    );
    let _ = write!(
        o,
        r#"<title id="{}">{}</title><desc id="{}">{}</desc>"#,
        id("title"),
        esc(&title),
        id("desc"),
        esc(&description(d, g, english))
    );
    let _ = write!(o, "<defs>");
    for (what, colour, size) in [("arrow", EDGE, 9), ("back", BACK, 9), ("small", EDGE, 7)] {
        let _ = write!(
            o,
            r#"<marker id="{}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="{size}" markerHeight="{size}" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,1 L10,5 L0,9 z" fill="{colour}"/></marker>"#,
            id(what)
        );
    }
    let _ = write!(o, "</defs>");
    let _ = write!(
        o,
        r##"<rect x="0" y="0" width="{}" height="{}" fill="#ffffff"/>"##,
        num(width),
        num(height)
    );

    // Header.
    let _ = write!(
        o,
        r#"<g class="header"><text x="{x}" y="{y}" font-size="{TITLE_SIZE}" font-weight="700" fill="{INK}">{t}</text>"#,
        x = num(MARGIN),
        y = num(MARGIN + TITLE_SIZE * 0.88),
        t = esc(&title)
    );
    text_block(
        &mut o,
        MARGIN,
        MARGIN + TITLE_SIZE + 10.0,
        &sub_lines,
        SUBTITLE_SIZE,
        SUBTITLE_LINE,
        "start",
        MUTED,
        "",
    );
    let _ = write!(o, "</g>");

    let _ = write!(
        o,
        r#"<g class="flowchart" transform="translate({} {})">"#,
        num(graph_left),
        num(graph_top)
    );
    // Arrows with their labels.
    for (ei, e) in g.edges.iter().enumerate() {
        draw_edge(&mut o, d, g, c, l, ei, e, &id, english);
    }
    // Nodes.
    for v in 0..g.codes.len() {
        draw_node(&mut o, d, c, l, v, &id, english);
    }
    let _ = write!(o, "</g>");

    // Legend and footer.
    let _ = write!(o, r#"<g class="legend">"#);
    for (ri, row) in legend_rows.iter().enumerate() {
        let y = legend_top + ri as f64 * 26.0;
        let mut x = MARGIN;
        for &i in row {
            let (mark, text) = legend[i];
            draw_legend_mark(&mut o, mark, x, y, &id);
            let _ = write!(
                o,
                r#"<text x="{}" y="{}" font-size="{ACTION_SIZE}" fill="{INK}">{}</text>"#,
                num(x + 40.0),
                num(y + 4.0 + ACTION_SIZE * 0.88),
                esc(text)
            );
            x += 40.0 + text_width(text, ACTION_SIZE) + 22.0;
        }
    }
    let _ = write!(o, "</g>");
    let _ = write!(o, r#"<g class="footer">"#);
    text_block(
        &mut o,
        MARGIN,
        footer_top,
        &foot_lines,
        SUBTITLE_SIZE,
        SUBTITLE_LINE,
        "start",
        MUTED,
        "",
    );
    let _ = write!(o, "</g></svg>");
    o
}

#[derive(Clone, Copy)]
enum LegendMark {
    Box,
    End,
    Arrow,
    Back,
    Loop,
    Clock,
}

fn draw_legend_mark(o: &mut String, mark: LegendMark, x: f64, y: f64, id: &dyn Fn(&str) -> String) {
    let (x1, y1) = (num(x), num(y + 4.0));
    match mark {
        LegendMark::Box => {
            let _ = write!(
                o,
                r#"<rect x="{x1}" y="{y1}" width="32" height="16" rx="4" fill="{STATE_FILL}" stroke="{STATE_STROKE}" stroke-width="1.4"/>"#
            );
        }
        LegendMark::End => {
            let _ = write!(
                o,
                r#"<rect x="{x1}" y="{y1}" width="32" height="16" rx="4" fill="{END_FILL}" stroke="{END_STROKE}" stroke-width="1.4"/><rect x="{}" y="{}" width="26" height="10" rx="2" fill="none" stroke="{END_STROKE}" stroke-width="1"/>"#,
                num(x + 3.0),
                num(y + 7.0)
            );
        }
        LegendMark::Arrow | LegendMark::Back => {
            let (colour, marker) = match mark {
                LegendMark::Back => (BACK, id("back")),
                _ => (EDGE, id("arrow")),
            };
            let _ = write!(
                o,
                r#"<path d="M{} {} H{}" fill="none" stroke="{colour}" stroke-width="1.4" marker-end="url(#{marker})"/>"#,
                num(x),
                num(y + 12.0),
                num(x + 32.0)
            );
        }
        LegendMark::Loop => {
            let _ = write!(
                o,
                r#"<rect x="{x1}" y="{y1}" width="18" height="18" rx="3" fill="{STATE_FILL}" stroke="{STATE_STROKE}" stroke-width="1.4"/><path d="M{} {} C{} {} {} {} {} {}" fill="none" stroke="{EDGE}" stroke-width="1.4" marker-end="url(#{})"/>"#,
                num(x + 18.0),
                num(y + 8.0),
                num(x + 34.0),
                num(y + 2.0),
                num(x + 34.0),
                num(y + 24.0),
                num(x + 18.0),
                num(y + 18.0),
                id("small")
            );
        }
        LegendMark::Clock => clock_icon(o, x + 14.0, y + 12.0, 1.4),
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_edge(
    o: &mut String,
    d: &Definition,
    g: &Graph,
    c: &Content,
    l: &Layout,
    ei: usize,
    e: &Edge,
    id: &dyn Fn(&str) -> String,
    english: bool,
) {
    let (a, b) = e.ends();
    let chain = &l.chains[ei];
    let box_bottom = |v: usize| l.rank_y[l.slots[v].rank] + c.boxes[v].h;
    // Points top to bottom.
    let first = chain.first().copied().unwrap_or(b);
    let last = chain.last().copied().unwrap_or(a);
    let mut points = vec![(l.port(a, first), box_bottom(a))];
    for &s in chain {
        let slot = &l.slots[s];
        let (top, bottom) = match slot.kind {
            Kind::Label(_) => (l.top(s), l.top(s) + slot.height),
            _ => (
                l.rank_y[slot.rank],
                l.rank_y[slot.rank] + l.rank_h[slot.rank],
            ),
        };
        points.push((l.x[s], top));
        points.push((l.x[s], bottom));
    }
    points.push((l.port(b, last), l.rank_y[l.slots[b].rank]));
    if e.back {
        points.reverse();
    }
    let mut path = format!("M{} {}", num(points[0].0), num(points[0].1));
    for p in points.windows(2) {
        let ((x0, y0), (x1, y1)) = (p[0], p[1]);
        if (x0 - x1).abs() < 0.05 {
            let _ = write!(path, " L{} {}", num(x1), num(y1));
        } else {
            let ym = (y0 + y1) / 2.0;
            let _ = write!(
                path,
                " C{} {} {} {} {} {}",
                num(x0),
                num(ym),
                num(x1),
                num(ym),
                num(x1),
                num(y1)
            );
        }
    }
    let (colour, marker) = if e.back {
        (BACK, id("back"))
    } else {
        (EDGE, id("arrow"))
    };
    let _ = write!(
        o,
        r#"<g class="edge{}" data-from="{}" data-to="{}"><path d="{path}" fill="none" stroke="{colour}" stroke-width="1.4" marker-end="url(#{marker})"/>"#,
        if e.back { " back" } else { "" },
        esc(&g.codes[e.from]),
        esc(&g.codes[e.to]),
    );
    // The label.
    let label = &c.labels[ei];
    let Some(&ls) = chain
        .iter()
        .find(|s| matches!(l.slots[**s].kind, Kind::Label(_)))
    else {
        let _ = write!(o, "</g>");
        return;
    };
    let (lx, ly) = (l.x[ls] - label.w / 2.0, l.top(ls));
    let _ = write!(
        o,
        r##"<rect class="label-bg" x="{}" y="{}" width="{}" height="{}" rx="3" fill="#ffffff" fill-opacity="0.94"/>"##,
        num(lx),
        num(ly),
        num(label.w),
        num(label.h)
    );
    let mut y = ly + LABEL_PAD_Y;
    for (i, (ai, lines)) in label.items.iter().enumerate() {
        if i > 0 {
            let _ = write!(
                o,
                r##"<path d="M{} {} H{}" stroke="#d1d5db" stroke-width="1"/>"##,
                num(lx + 6.0),
                num(y + LABEL_DIVIDER / 2.0),
                num(lx + label.w - 6.0)
            );
            y += LABEL_DIVIDER;
        }
        let a = &d.actions[*ai];
        let _ = write!(
            o,
            r#"<g class="action" data-action="{}" data-from="{}" data-to="{}">"#,
            esc(&a.code),
            esc(&g.codes[e.from]),
            esc(&g.codes[e.to])
        );
        action_title(o, d, *ai, english);
        text_block(
            o,
            l.x[ls],
            y,
            lines,
            ACTION_SIZE,
            ACTION_LINE,
            "middle",
            if e.back { BACK } else { INK },
            "",
        );
        let _ = write!(o, "</g>");
        y += lines.len() as f64 * ACTION_LINE;
    }
    let _ = write!(o, "</g>");
}

fn action_title(o: &mut String, d: &Definition, ai: usize, english: bool) {
    let a = &d.actions[ai];
    let mut t = a.label.get(english).to_string();
    if !a.basis.is_empty() {
        if english {
            let _ = write!(t, " ({})", a.basis);
        } else {
            let _ = write!(t, "（{}）", a.basis);
        }
    }
    let _ = write!(o, "<title>{}</title>", esc(&t));
}

#[allow(clippy::too_many_arguments)]
fn draw_node(
    o: &mut String,
    d: &Definition,
    c: &Content,
    l: &Layout,
    v: usize,
    id: &dyn Fn(&str) -> String,
    english: bool,
) {
    let cx = l.x[v];
    let top = l.rank_y[l.slots[v].rank];
    let b = &c.boxes[v];
    if v == 0 {
        let _ = write!(
            o,
            r##"<g class="start" data-node="{}"><circle cx="{}" cy="{}" r="{START_R}" fill="{INK}"/>"##,
            NEW_STATE,
            num(cx),
            num(top + START_R)
        );
        let size = if b.label[0].is_ascii() { 11.0 } else { 12.0 };
        let _ = write!(
            o,
            r##"<text x="{}" y="{}" font-size="{size}" font-weight="700" text-anchor="middle" fill="#ffffff">{}</text></g>"##,
            num(cx),
            num(top + START_R + size * 0.36),
            esc(&b.label[0])
        );
        return;
    }
    let state = &d.states[v - 1];
    let (x0, x1) = (cx - b.w / 2.0, cx + b.w / 2.0);
    let (fill, stroke) = if b.terminal {
        (END_FILL, END_STROKE)
    } else {
        (STATE_FILL, STATE_STROKE)
    };
    let _ = write!(
        o,
        r#"<g class="state{}" data-state="{}"><title>{}</title><rect class="box" x="{}" y="{}" width="{}" height="{}" rx="8" fill="{fill}" stroke="{stroke}" stroke-width="1.6"/>"#,
        if b.terminal { " terminal" } else { "" },
        esc(&state.code),
        esc(&format!(
            "{}{}",
            state.label.get(english),
            match (b.terminal, english) {
                (false, _) => "",
                (true, false) => "（办结）",
                (true, true) => " (end)",
            }
        )),
        num(x0),
        num(top),
        num(b.w),
        num(b.h)
    );
    if b.terminal {
        let _ = write!(
            o,
            r#"<rect x="{}" y="{}" width="{}" height="{}" rx="5" fill="none" stroke="{stroke}" stroke-width="1"/>"#,
            num(x0 + 3.5),
            num(top + 3.5),
            num(b.w - 7.0),
            num(b.h - 7.0)
        );
    }
    let mut y = top + BOX_PAD_Y;
    text_block(
        o,
        cx,
        y,
        &b.label,
        STATE_SIZE,
        STATE_LINE,
        "middle",
        INK,
        r#" font-weight="700" class="label""#,
    );
    y += b.label.len() as f64 * STATE_LINE;
    if !b.clocks.is_empty() {
        y += 3.0;
        let _ = write!(
            o,
            r#"<path d="M{} {} H{}" stroke="{stroke}" stroke-opacity="0.35" stroke-width="1"/>"#,
            num(x0 + 8.0),
            num(y),
            num(x1 - 8.0)
        );
        y += 4.0;
        // One column: the icons aligned, the block centred in the box.
        let w = b
            .clocks
            .iter()
            .flatten()
            .map(|l| text_width(l, CLOCK_SIZE))
            .fold(0.0, f64::max);
        let start = (cx - (CLOCK_ICON + w) / 2.0).max(x0 + BOX_PAD_X / 2.0);
        for lines in &b.clocks {
            clock_icon(o, start + 5.0, y + CLOCK_LINE / 2.0, 1.0);
            text_block(
                o,
                start + CLOCK_ICON,
                y,
                lines,
                CLOCK_SIZE,
                CLOCK_LINE,
                "start",
                CLOCK_INK,
                r#" class="clock""#,
            );
            y += lines.len() as f64 * CLOCK_LINE;
        }
    }
    let _ = write!(o, "</g>");

    // Actions that keep the state: a loop on the box's right and a panel listing them.
    if let Some(p) = &b.panel {
        let (ya, yb) = (top + b.h * 0.3, top + b.h * 0.7);
        let _ = write!(
            o,
            r#"<g class="loops" data-state="{code}"><path d="M{x1} {ya} C{xc} {yc0} {xc} {yc1} {x1} {yb}" fill="none" stroke="{EDGE}" stroke-width="1.4" marker-end="url(#{m})"/>"#,
            code = esc(&state.code),
            x1 = num(x1),
            xc = num(x1 + LOOP_W - 4.0),
            ya = num(ya),
            yb = num(yb),
            yc0 = num(ya - 10.0),
            yc1 = num(yb + 10.0),
            m = id("small"),
        );
        let px = x1 + LOOP_W;
        let _ = write!(
            o,
            r##"<rect class="panel" x="{}" y="{}" width="{}" height="{}" rx="6" fill="#f9fafb" stroke="#d1d5db" stroke-width="1"/>"##,
            num(px),
            num(top),
            num(p.w),
            num(p.h)
        );
        let mut y = top + PANEL_PAD - 2.0;
        text_block(
            o,
            px + PANEL_PAD,
            y,
            std::slice::from_ref(&p.heading),
            PANEL_HEAD_SIZE,
            PANEL_HEAD_LINE,
            "start",
            MUTED,
            "",
        );
        y += PANEL_HEAD_LINE;
        for (ai, lines) in &p.items {
            let a = &d.actions[*ai];
            let _ = write!(
                o,
                r#"<g class="action" data-action="{}" data-from="{code}" data-to="{code}">"#,
                esc(&a.code),
                code = esc(&state.code)
            );
            action_title(o, d, *ai, english);
            let _ = write!(
                o,
                r#"<circle cx="{}" cy="{}" r="2" fill="{EDGE}"/>"#,
                num(px + PANEL_PAD + 3.0),
                num(y + ACTION_LINE / 2.0)
            );
            text_block(
                o,
                px + PANEL_PAD + 10.0,
                y,
                lines,
                ACTION_SIZE,
                ACTION_LINE,
                "start",
                INK,
                "",
            );
            let _ = write!(o, "</g>");
            y += lines.len() as f64 * ACTION_LINE;
        }
        let _ = write!(o, "</g>");
    }
}

/// A small clock face centred on (x, y), `scale` 1 for 10 px across.
fn clock_icon(o: &mut String, x: f64, y: f64, scale: f64) {
    let r = 4.6 * scale;
    let _ = write!(
        o,
        r##"<g class="clock-icon"><circle cx="{cx}" cy="{cy}" r="{r}" fill="#ffffff" stroke="{CLOCK_INK}" stroke-width="1.1"/><path d="M{cx} {cy} V{top} M{cx} {cy} H{right}" stroke="{CLOCK_INK}" stroke-width="1.1" stroke-linecap="round" fill="none"/></g>"##,
        cx = num(x),
        cy = num(y),
        r = num(r),
        top = num(y - r * 0.65),
        right = num(x + r * 0.55),
    );
}

/// Lines of text starting at `top`, one `<text>` with a `<tspan>` per line.
#[allow(clippy::too_many_arguments)]
fn text_block(
    o: &mut String,
    x: f64,
    top: f64,
    lines: &[String],
    size: f64,
    line: f64,
    anchor: &str,
    fill: &str,
    extra: &str,
) {
    let baseline = top + (line - size) / 2.0 + size * 0.88;
    let _ = write!(
        o,
        r#"<text x="{x}" y="{y}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"{extra}>"#,
        x = num(x),
        y = num(baseline)
    );
    for (i, t) in lines.iter().enumerate() {
        if i == 0 {
            let _ = write!(o, "<tspan x=\"{}\">{}</tspan>", num(x), esc(t));
        } else {
            let _ = write!(
                o,
                "<tspan x=\"{}\" dy=\"{}\">{}</tspan>",
                num(x),
                num(line),
                esc(t)
            );
        }
    }
    let _ = write!(o, "</text>");
}

/// A text description for screen readers: every action, from where to where.
fn description(d: &Definition, g: &Graph, english: bool) -> String {
    let label = |v: usize| {
        if v == 0 {
            start_label(english).to_string()
        } else {
            d.states[v - 1].label.get(english).to_string()
        }
    };
    let terminal: Vec<String> = d
        .states
        .iter()
        .filter(|s| s.terminal)
        .map(|s| s.label.get(english).to_string())
        .collect();
    let mut out = if english {
        format!(
            "{} (version {}): {} stages and {} actions. It ends in: {}. ",
            d.name.get(true),
            d.version,
            d.states.len(),
            d.actions.len(),
            terminal.join("; ")
        )
    } else {
        format!(
            "{}（{}版）：共{}个环节、{}项办理事项，办结于：{}。",
            d.name.zh,
            d.version,
            d.states.len(),
            d.actions.len(),
            terminal.join("、")
        )
    };
    for a in &d.actions {
        let froms: Vec<String> = a
            .from
            .iter()
            .filter_map(|f| g.codes.iter().position(|c| c == f))
            .map(label)
            .collect();
        let to: Vec<String> = a
            .targets()
            .into_iter()
            .filter_map(|t| g.codes.iter().position(|c| c == t))
            .map(label)
            .collect();
        let to = to.join(if english { " or " } else { "或" });
        if english {
            let _ = write!(
                out,
                "{}: from {} to {}. ",
                a.label.get(true),
                froms.join(" or "),
                to
            );
        } else {
            let _ = write!(out, "{}：{} → {}；", a.label.zh, froms.join("或"), to);
        }
    }
    out.trim_end().to_string()
}

/// A coordinate with at most one decimal.
fn num(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_chinese_between_characters_keeping_brackets() {
        let lines = wrap("登记二审应诉案件（一审未在本系统登记）", 12.0, 136.0);
        assert!(lines.len() == 2, "{lines:?}");
        assert_eq!(lines.concat(), "登记二审应诉案件（一审未在本系统登记）");
        assert!(lines.iter().all(|l| !l.starts_with('）')));
    }

    #[test]
    fn wraps_at_punctuation_when_it_can() {
        assert_eq!(
            wrap("异议经核实同意，交还材料", 12.0, 136.0),
            vec!["异议经核实同意，", "交还材料"]
        );
        assert_eq!(wrap("短标签", 12.0, 136.0), vec!["短标签"]);
    }

    #[test]
    fn wraps_english_between_words() {
        let lines = wrap("Request a supplement, once and for all", 12.0, 120.0);
        assert!(lines.len() >= 2, "{lines:?}");
        assert_eq!(lines.join(" "), "Request a supplement, once and for all");
    }

    #[test]
    fn place_respects_gaps_and_pulls_towards_targets() {
        let x = place(&[0.0, 0.0, 0.0], &[1.0, 1.0, 1.0], &[10.0, 10.0]);
        assert_eq!(x, vec![-10.0, 0.0, 10.0]);
        let x = place(&[0.0, 100.0], &[1.0, 1.0], &[10.0]);
        assert_eq!(x, vec![0.0, 100.0]);
    }
}
