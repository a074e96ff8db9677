// A live control (ui/common/live.py): a slider whose every position was run by the engine on
// the server and sent once.  While the thumb moves (mouse, touch, arrow keys) it swaps those
// precomputed paths and curves into the page's own Plotly charts, one redraw per display
// frame, with no message to the server; on release (or 300 ms after the last key) it reports
// the value once, and Python reruns once.  No optimizer here: only numbers the engine made.
//
// Streamlit calls this function again with new data after every rerun, on the same
// parentElement, so the control is built once and kept on that element.

const KEY_PAUSE_MS = 300;
const ANIMATE = { mode: "immediate", transition: { duration: 0 }, frame: { duration: 0, redraw: false } };

function decode(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

function getPath(obj, dotted) {
  return dotted.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);
}

function chartDiv(key) {
  return document.querySelector(`.st-key-${CSS.escape(key)} .js-plotly-plot`);
}

function build(root) {
  const box = document.createElement("div");
  box.className = "live";
  box.innerHTML = `
    <div class="live-head"><span class="live-label"></span><span class="live-value"></span></div>
    <div class="live-track" role="slider" tabindex="0">
      <div class="live-rail"></div><div class="live-fill"></div><div class="live-marks"></div>
      <div class="live-thumb"></div>
    </div>
    <div class="live-readout" aria-live="off"></div>`;
  root.appendChild(box);
  const s = {
    box,
    track: box.querySelector(".live-track"),
    fill: box.querySelector(".live-fill"),
    thumb: box.querySelector(".live-thumb"),
    marks: box.querySelector(".live-marks"),
    label: box.querySelector(".live-label"),
    valueEl: box.querySelector(".live-value"),
    readout: box.querySelector(".live-readout"),
    data: null, index: 0, committed: 0, dragging: false, frame: 0, keyTimer: 0,
    decoded: new Map(), setTrigger: null, times: [],
  };
  box.__live = s;  // the benchmark reads s.times

  const fromX = (clientX) => {
    const r = s.track.getBoundingClientRect();
    const f = Math.min(1, Math.max(0, (clientX - r.left) / Math.max(1, r.width)));
    return Math.round(f * (s.data.values.length - 1));
  };
  const down = (e) => {
    if (!s.data || e.button > 0) return;
    e.preventDefault();
    s.track.focus();
    s.track.setPointerCapture(e.pointerId);
    s.dragging = true;
    move(s, fromX(e.clientX));
  };
  const drag = (e) => { if (s.dragging) move(s, fromX(e.clientX)); };
  const up = (e) => {
    if (!s.dragging) return;
    s.dragging = false;
    if (s.track.hasPointerCapture(e.pointerId)) s.track.releasePointerCapture(e.pointerId);
    commit(s);
  };
  const key = (e) => {
    if (!s.data) return;
    const n = s.data.values.length;
    const by = { ArrowLeft: -1, ArrowDown: -1, ArrowRight: 1, ArrowUp: 1, PageDown: -10, PageUp: 10 }[e.key];
    let to = null;
    if (by !== undefined) to = s.index + by;
    else if (e.key === "Home") to = 0;
    else if (e.key === "End") to = n - 1;
    if (to === null) return;
    e.preventDefault();
    move(s, Math.min(n - 1, Math.max(0, to)));
    clearTimeout(s.keyTimer);
    s.keyTimer = setTimeout(() => commit(s), KEY_PAUSE_MS);
  };
  s.track.addEventListener("pointerdown", down);
  s.track.addEventListener("pointermove", drag);
  s.track.addEventListener("pointerup", up);
  s.track.addEventListener("pointercancel", up);
  s.track.addEventListener("keydown", key);
  s.destroy = () => {
    clearTimeout(s.keyTimer);
    cancelAnimationFrame(s.frame);
    box.remove();
  };
  return s;
}

function load(s, data) {
  const fresh = s.data === null || s.data.token !== data.token;
  s.data = data;
  if (fresh) s.decoded = new Map();
  s.label.textContent = data.label;
  s.track.setAttribute("data-live", data.param);
  s.track.setAttribute("aria-label", data.label);
  s.track.setAttribute("aria-valuemin", String(data.values[0]));
  s.track.setAttribute("aria-valuemax", String(data.values[data.values.length - 1]));
  s.box.style.setProperty("--live-font", `${data.font}px`);
  s.marks.innerHTML = "";
  for (const m of data.marks || []) {
    const el = document.createElement("span");
    el.className = "live-mark";
    el.style.left = `${100 * m.at}%`;
    el.textContent = m.text;
    s.marks.appendChild(el);
  }
  if (!s.dragging) {  // a rerun that arrives mid-drag does not pull the thumb back
    s.index = data.index;
    s.committed = data.index;
    show(s);
  }
}

function show(s) {
  const d = s.data, i = s.index, n = d.values.length;
  const f = n > 1 ? i / (n - 1) : 0;
  s.thumb.style.left = `${100 * f}%`;
  s.fill.style.width = `${100 * f}%`;
  s.valueEl.textContent = d.shown[i];
  s.readout.textContent = d.readouts[i];
  s.readout.classList.toggle("live-bad", !!d.bad[i]);
  s.track.setAttribute("aria-valuenow", String(d.values[i]));
  s.track.setAttribute("aria-valuetext", `${d.shown[i]} · ${d.readouts[i]}`);
}

function move(s, i) {
  if (i === s.index) return;
  if (s.since === undefined) s.since = performance.now();  // the first input this frame waits for
  s.index = i;
  show(s);
  if (!s.frame) s.frame = requestAnimationFrame(() => { s.frame = 0; draw(s); });
}

function commit(s) {
  if (s.index === s.committed || !s.setTrigger) return;
  s.committed = s.index;
  s.setTrigger("value", s.data.values[s.index]);
}

function arr(s, b64) {
  let a = s.decoded.get(b64);
  if (a === undefined) { a = decode(b64); s.decoded.set(b64, a); }
  return a;
}

// The SVG of a drawn Plotly chart: each scatter trace is a `g.trace.scatter` whose d3 datum
// is its calcdata (cd[0].trace.index = its index in gd.data); a line is its `path.js-line`, a
// marker its `path.point`, in pixels of its subplot (`axis.c2p`).
function traceNodes(gd) {
  const map = new Map();
  for (const el of gd.querySelectorAll("g.trace.scatter")) {
    const cd = el.__data__;
    const tr = cd && cd[0] && cd[0].trace;
    if (tr && tr.index !== undefined) map.set(tr.index, { el, trace: tr });
  }
  return map;
}

function axisOf(gd, id) {
  return gd._fullLayout && gd._fullLayout[`${id.charAt(0)}axis${id.slice(1)}`];
}

function lineD(xa, ya, X, Y) {
  let d = "", pen = false;
  for (let k = 0; k < X.length; k++) {
    const px = xa.c2p(X[k]), py = ya.c2p(Y[k]);
    if (!Number.isFinite(px) || !Number.isFinite(py)) { pen = false; continue; }
    d += `${pen ? "L" : "M"}${px.toFixed(1)},${py.toFixed(1)}`;
    pen = true;
  }
  return d || "M-9999,-9999";
}

// Move one trace in place: its line's path or its marker's position.  False when the chart
// is not drawn the way this expects (then the caller asks Plotly).
function moveTrace(gd, node, X, Y) {
  const xa = axisOf(gd, node.trace.xaxis || "x"), ya = axisOf(gd, node.trace.yaxis || "y");
  if (!xa || !ya || !xa.c2p || !ya.c2p) return false;
  const line = node.el.querySelector("path.js-line");
  const point = node.el.querySelector("path.point");
  if (line) line.setAttribute("d", lineD(xa, ya, X, Y));
  else if (point && X.length) {
    const px = xa.c2p(X[0]), py = ya.c2p(Y[0]);
    if (Number.isFinite(px) && Number.isFinite(py)) point.setAttribute("transform", `translate(${px},${py})`);
  } else return false;
  return true;
}

// Every chart named in the data: find its traces (by attributes the figure gave them) and
// redraw them with this position's arrays.  Plotly itself is too slow here: on the surface
// chart (a contour and its animation) a restyle takes ~0.3-0.6 s and an animate without
// redraw ~0.15-0.3 s on this machine, so the traces' SVG paths are rewritten directly, in
// the chart's own pixel mapping (~1 ms).  Hover texts and legend names stay those of the
// drawn value until the rerun after release redraws the charts from the server; the readout
// names the value meanwhile.  Charts not drawn as expected fall back to Plotly.animate.
function draw(s) {
  const P = window.Plotly;  // the instance Streamlit's own chart element loaded
  if (!s.data) return;
  const i = s.index;
  const t0 = performance.now();
  const waits = [];
  for (const chart of s.data.charts) {
    const gd = chartDiv(chart.key);
    if (!gd || !gd.data) continue;
    const nodes = traceNodes(gd);
    const slow = [], frame = [];
    for (const tr of chart.traces) {
      const at = gd.data.findIndex((t) => Object.entries(tr.match).every(([k, v]) => getPath(t, k) === v));
      if (at < 0) continue;
      const X = arr(s, tr.x[i]), Y = arr(s, tr.y[i]);
      const node = nodes.get(at);
      if (node && moveTrace(gd, node, X, Y)) continue;
      slow.push(at);
      frame.push({ x: X, y: Y });
    }
    if (slow.length && P) waits.push(P.animate(gd, { data: frame, traces: slow }, ANIMATE));
  }
  // input → charts redrawn and painted, for the browser benchmark (tests/load/live_bench.py)
  const since = s.since;
  s.since = undefined;
  Promise.allSettled(waits).then(() => requestAnimationFrame(() => {
    s.times.push(performance.now() - since);
    if (s.times.length > 2000) s.times.shift();
  }));
  s.box.dataset.drawn = String(i);  // for tests and the browser benchmark: what the charts show
  s.box.dataset.drawMs = (performance.now() - t0).toFixed(1);
}

// A live control's data arrives as the UTF-8 bytes of its JSON (encoded once on the server and
// shared by every session: ui/common/live.py `Shared`); a hover source's as JSON itself.
const utf8 = new TextDecoder();
function decoded(data) {
  return ArrayBuffer.isView(data) ? JSON.parse(utf8.decode(data)) : data;
}

export default function (component) {
  const { parentElement, setTriggerValue } = component;
  const data = decoded(component.data);
  if (data && data.mode === "hover") return hoverMount(component);
  let s = parentElement.__live;
  if (!s) {
    s = build(parentElement);
    parentElement.__live = s;
  }
  s.setTrigger = setTriggerValue;
  load(s, data);
  return () => {
    s.destroy();
    parentElement.__live = undefined;
  };
}

// A hover source (ui/common/live.py `hover_source`): hovering a grid point of one chart (a sweep
// map) draws that point's precomputed path into another chart (the selected cell's trajectory)
// at once, in the browser, and reports nothing; leaving the chart puts back what it drew.
function hoverCell(h, e) {
  const gd = chartDiv(h.data.source);
  const L = gd && gd._fullLayout;
  if (!L || !gd.contains(e.target)) return -1;
  const xa = L.xaxis, ya = L.yaxis, r = gd.getBoundingClientRect();
  if (!xa || !ya || !xa.p2c) return -1;
  const px = e.clientX - r.left - xa._offset, py = e.clientY - r.top - ya._offset;
  if (px < 0 || py < 0 || px > xa._length || py > ya._length) return -1;
  const near = (vals, v) => vals.reduce((best, w, k) => (Math.abs(w - v) < Math.abs(vals[best] - v) ? k : best), 0);
  return near(h.data.ys, ya.p2c(py)) * h.data.xs.length + near(h.data.xs, xa.p2c(px));
}

// A number as Python's f"{v:.4g}" writes it.
function g4(v) {
  if (!Number.isFinite(v) || v === 0) return String(v);
  const e = Math.floor(Math.log10(Math.abs(Number(v.toPrecision(4)))));
  if (e >= -4 && e < 4) return String(Number(v.toPrecision(4)));
  const [m, x] = v.toExponential(3).split("e");
  const mant = m.includes(".") ? m.replace(/0+$/, "").replace(/\.$/, "") : m;
  const n = Math.abs(Number(x));
  return `${mant}e${Number(x) < 0 ? "-" : "+"}${n < 10 ? "0" : ""}${n}`;
}

function hoverText(d, c) {
  const nx = d.xs.length, a = Math.floor(c / nx), b = c % nx;
  return `${d.names[0]} = ${g4(d.values[0][b])}, ${d.names[1]} = ${g4(d.values[1][a])}`;
}

function hoverRestore(h) {
  for (const [el, name, value] of h.saved) el.setAttribute(name, value);
  h.saved = [];
}

function hoverDraw(h) {
  h.frame = 0;
  const d = h.data, c = h.cell;
  h.box.dataset.cell = c < 0 ? "" : String(c);
  h.box.classList.toggle("live-on", c >= 0);
  h.box.textContent = c < 0 ? d.idle : d.shown.replace("{cell}", hoverText(d, c));
  if (c < 0) { hoverRestore(h); return; }
  const gd = chartDiv(d.target);
  if (!gd || !gd.data) return;
  if (!h.all) h.all = decode(d.paths);  // the packed family, decoded once per family
  const P = d.points, X = h.all.subarray(2 * P * c, 2 * P * c + P), Y = h.all.subarray(2 * P * c + P, 2 * P * (c + 1));
  const nodes = traceNodes(gd);
  for (const tr of d.traces) {
    const at = gd.data.findIndex((t) => Object.entries(tr.match).every(([k, v]) => getPath(t, k) === v));
    const node = nodes.get(at);
    if (!node) continue;
    if (!h.saved.some(([el]) => node.el.contains(el))) {  // what the server drew, put back on leave
      for (const el of node.el.querySelectorAll("path.js-line, path.point")) {
        const name = el.classList.contains("point") ? "transform" : "d";
        h.saved.push([el, name, el.getAttribute(name) || ""]);
      }
    }
    if (tr.kind === "head") moveTrace(gd, node, X.subarray(P - 1), Y.subarray(P - 1));
    else moveTrace(gd, node, X, Y);
  }
}

function hoverMount(component) {
  const { data, parentElement } = component;
  let h = parentElement.__hover;
  if (!h) {
    const box = document.createElement("div");
    box.className = "live live-hover";
    parentElement.appendChild(box);
    h = { box, data: null, cell: -1, frame: 0, saved: [], all: null };
    h.move = (e) => {
      const c = hoverCell(h, e);
      if (c === h.cell) return;
      h.cell = c;
      if (!h.frame) h.frame = requestAnimationFrame(() => hoverDraw(h));
    };
    document.addEventListener("pointermove", h.move, { passive: true });
    parentElement.__hover = h;
  }
  if (!h.data || h.data.token !== data.token) h.all = null;
  h.data = data;
  h.saved = [];  // a rerun drew the target afresh
  h.cell = -1;
  h.box.style.setProperty("--live-font", `${data.font}px`);
  hoverDraw(h);
  return () => {
    document.removeEventListener("pointermove", h.move);
    cancelAnimationFrame(h.frame);
    h.box.remove();
    parentElement.__hover = undefined;
  };
}
