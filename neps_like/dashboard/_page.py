"""The dashboard's single page: HTML, CSS and JavaScript inline, nothing fetched elsewhere.

The script polls ``/api/status`` and ``/api/trials`` and rebuilds the tables and an SVG
chart of the incumbent trace, so the page needs neither matplotlib nor a network.
User data (configs, error messages) is inserted with ``textContent``, never as HTML.
"""

from __future__ import annotations

import html

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
header{background:#1d2330;color:#fff;padding:10px 18px;display:flex;gap:18px;align-items:center}
header h1{font-size:17px;margin:0}header code{color:#b8c4ff}
#conn{margin-left:auto;font-size:12px}#conn.bad{color:#ff8a80}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:14px;padding:14px}
section{background:#fff;border-radius:8px;padding:10px 14px;box-shadow:0 1px 2px #0002;
overflow:auto}
section.wide{grid-column:1/-1}h2{font-size:15px;margin:2px 0 8px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #e6e8ec;white-space:nowrap}
th{color:#5b6375;font-weight:600}.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:2px 9px;border-radius:10px;margin:0 6px 6px 0;
background:#e8ebf2}
.success{background:#d7f5dd}.failed,.crashed{background:#ffd9d6}.evaluating{background:#dbe7ff}
.pending,.paused{background:#fff1c7}.live{color:#168a3a}.silent{color:#b36b00}.stopped{color:#888}
.big{font-size:28px;font-weight:700}.muted{color:#7a8294;font-size:12px}
svg text{font-size:11px;fill:#5b6375}
"""

_BODY = """
<header><h1>neps_like dashboard</h1><code id="root"></code>
<span id="conn">connecting...</span></header>
<main>
<section><h2>Trials</h2><div><span id="n-trials" class="big">-</span> trials</div>
<div id="counts"></div><div id="message" class="muted"></div></section>
<section><h2>Best</h2><div id="best" class="muted">none yet</div>
<table id="best-config"><tbody></tbody></table></section>
<section class="wide"><h2>Incumbent trace
<select id="xaxis"><option value="evaluations">by evaluation</option>
<option value="time">by wall time</option><option value="cost">by cost</option></select>
<label class="muted"><input type="checkbox" id="logy"> log y</label>
<span id="plots" class="muted"></span></h2><div id="chart"></div>
<div id="legend" class="muted"></div></section>
<section><h2>Evaluating now</h2><table id="running"><thead><tr><th>trial</th><th>worker</th>
<th class="num">for [s]</th><th>attempt</th><th>config</th></tr></thead><tbody></tbody></table>
</section>
<section><h2>Workers</h2><table id="workers"><thead><tr><th>worker</th><th>state</th>
<th class="num">heartbeat [s]</th><th>trial</th><th>host</th><th>pid</th></tr></thead>
<tbody></tbody></table></section>
<section class="wide"><h2>Recent errors <span id="n-errors" class="muted"></span></h2>
<table id="errors"><thead><tr><th>when</th><th>trial</th><th>worker</th><th>error</th></tr>
</thead><tbody></tbody></table></section>
<section class="wide"><h2>Latest trials</h2><table id="trials"><thead><tr><th>trial</th>
<th>state</th><th class="num">objective</th><th class="num">cost</th><th>worker</th>
<th>ended</th><th>config</th></tr></thead><tbody></tbody></table></section>
</main>
"""

_JS = """
const POLL = __POLL_MS__, LIMIT = 50;
const $ = (id) => document.getElementById(id);
let last = null, polls = 0;
const fmt = (v) => v === null || v === undefined ? "" :
  typeof v === "number" ? String(Number.isInteger(v) ? v : parseFloat(v.toPrecision(5)))
  : String(v);
const when = (t) => t ? new Date(t * 1000).toLocaleTimeString() : "";
const cfg = (c) => Object.entries(c || {}).map(([k, v]) => k + "=" + fmt(v)).join(", ");
function row(cells, cls) {
  const tr = document.createElement("tr");
  cells.forEach((c, i) => { const td = document.createElement("td"); td.textContent = fmt(c);
    if (cls && cls[i]) td.className = cls[i]; tr.appendChild(td); });
  return tr;
}
function fill(id, rows, cls) {
  const body = $(id).tBodies[0]; body.replaceChildren(...rows.map((r) => row(r, cls)));
}
function renderStatus(s) {
  $("root").textContent = s.root;
  if (s.error) { $("message").textContent = "Waiting for the study: " + s.error; return; }
  $("message").textContent = "updated " + when(s.time);
  $("n-trials").textContent = s.n_trials;
  $("counts").replaceChildren(...Object.entries(s.counts).map(([k, n]) => {
    const b = document.createElement("span"); b.className = "badge " + k;
    b.textContent = k + " " + n; return b; }));
  $("best").textContent = s.best ? "trial " + s.best.id + ": " + fmt(s.best.objective) +
    (s.objective_index === null ? "" : " (objective " + s.objective_index + ")") : "none yet";
  fill("best-config", s.best ? Object.entries(s.best.config) : []);
  fill("running", s.running.map((r) => [r.id, r.worker, r.seconds, r.attempt, cfg(r.config)]),
    [0, 0, "num"]);
  fill("workers", s.workers.map((w) => [w.id, w.state, w.heartbeat_age, w.trial, w.host, w.pid]),
    [0, "", "num"]);
  $("workers").tBodies[0].querySelectorAll("tr").forEach((tr, i) => {
    tr.cells[1].className = s.workers[i].state; });
  $("n-errors").textContent = "(" + s.errors.total + " in all)";
  fill("errors", s.errors.latest.map((e) => [when(e.time), e.trial_id, e.worker_id,
    e.type + ": " + e.message]));
  $("plots").textContent = "";
  (s.plots || []).forEach((p) => { const a = document.createElement("a");
    a.href = "/plot/" + p + ".png"; a.target = "_blank"; a.textContent = p + ".png ";
    $("plots").appendChild(a); });
  drawChart(s.trace);
}
function renderTrials(rows) {
  fill("trials", rows.map((t) => [t.id, t.state, t.objective, t.cost, t.worker,
    when(t.time_ended), cfg(t.config)]), [0, "", "num", "num"]);
  $("trials").tBodies[0].querySelectorAll("tr").forEach((tr, i) => {
    tr.cells[1].className = rows[i].state; });
}
function ticks(lo, hi, n) {
  const step = Math.pow(10, Math.floor(Math.log10((hi - lo) / n || 1)));
  const mult = [1, 2, 5, 10].find((m) => (hi - lo) / (step * m) <= n) || 10;
  const out = []; for (let v = Math.ceil(lo / (step * mult)) * step * mult; v <= hi + 1e-12;
    v += step * mult) out.push(v); return out;
}
function svg(tag, attrs, parent) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (parent) parent.appendChild(el); return el;
}
function drawChart(tr) {
  const W = 900, H = 260, L = 60, R = 12, T = 10, B = 30, xs = $("xaxis").value;
  const root = svg("svg", {viewBox: `0 0 ${W} ${H}`, width: "100%", id: "chart-svg"});
  const n = tr.incumbent.length, X = xs === "evaluations" ? tr.incumbent.map((_, i) => i + 1)
    : tr[xs];
  const pts = [], inc = [];
  for (let i = 0; i < n; i++) { if (tr.objective[i] !== null) pts.push([X[i], tr.objective[i]]);
    if (tr.incumbent[i] !== null) inc.push([X[i], tr.incumbent[i]]); }
  if (!inc.length) { svg("text", {x: L, y: H / 2}, root).textContent = "no successful trial yet";
    $("chart").replaceChildren(root); return; }
  const logy = $("logy").checked && pts.every((p) => p[1] > 0);
  const f = (y) => logy ? Math.log10(y) : y;
  const ys = pts.map((p) => f(p[1])).sort((a, b) => a - b);
  let y0 = f(inc[inc.length - 1][1]), y1 = Math.max(f(inc[0][1]), ys[Math.floor(0.9 * ys.length)]);
  if (y1 <= y0) y1 = y0 + 1; const pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad;
  const x0 = Math.min(...X), x1 = Math.max(...X) > x0 ? Math.max(...X) : x0 + 1;
  const sx = (x) => L + (x - x0) / (x1 - x0) * (W - L - R);
  const sy = (y) => T + (1 - (f(y) - y0) / (y1 - y0)) * (H - T - B);
  for (const v of ticks(y0, y1, 5)) { svg("line", {x1: L, x2: W - R, y1: sy(logy ? 10 ** v : v),
    y2: sy(logy ? 10 ** v : v), stroke: "#e6e8ec"}, root);
    svg("text", {x: L - 6, y: sy(logy ? 10 ** v : v) + 4, "text-anchor": "end"}, root)
      .textContent = fmt(logy ? 10 ** v : v); }
  const xt = ticks(x0, x1, 8).filter((v) => xs !== "evaluations" || Number.isInteger(v));
  for (const v of xt) svg("text", {x: sx(v), y: H - 10, "text-anchor": "middle"},
    root).textContent = fmt(v);
  for (const [x, y] of pts) if (f(y) <= y1) svg("circle", {cx: sx(x), cy: sy(y), r: 3,
    fill: "#9aa3b5", "fill-opacity": 0.7}, root);
  let d = "M" + sx(inc[0][0]) + "," + sy(inc[0][1]);
  for (let i = 1; i < inc.length; i++) d += "H" + sx(inc[i][0]) + "V" + sy(inc[i][1]);
  d += "H" + sx(x1); svg("path", {d, fill: "none", stroke: "#d3402b", "stroke-width": 2}, root);
  $("legend").textContent = "red: best so far; grey: each successful evaluation (" +
    pts.length + " of " + n + ")" + (pts.some((p) => f(p[1]) > y1) ? ", outliers above" : "");
  $("chart").replaceChildren(root);
}
async function poll() {
  try {
    const [s, t] = await Promise.all([fetch("/api/status"), fetch("/api/trials?limit=" + LIMIT)]);
    last = await s.json(); renderStatus(last); renderTrials((await t.json()).trials || []);
    polls += 1; document.body.dataset.polls = polls;
    $("conn").textContent = "live, every " + POLL / 1000 + " s"; $("conn").className = "";
  } catch (err) { $("conn").textContent = "disconnected: " + err; $("conn").className = "bad"; }
  setTimeout(poll, POLL);
}
$("xaxis").onchange = $("logy").onchange = () => last && !last.error && drawChart(last.trace);
poll();
"""


def render_page(title: str, poll_seconds: float) -> str:
    """The complete HTML page; ``title`` is escaped for HTML."""
    safe_title = html.escape(title)
    script = _JS.replace("__POLL_MS__", str(max(200, int(poll_seconds * 1000))))
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{safe_title} - neps_like</title><style>{_CSS}</style></head>"
        f"<body>{_BODY}<script>{script}</script></body></html>\n"
    )
