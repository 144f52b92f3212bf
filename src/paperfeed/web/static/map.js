// The corpus map: every paper a dot on a canvas; drag or arrows to move, wheel, pinch or
// +/- to zoom; hover shows a title, click opens the paper. Points come from /map/data.json
// (quantised, see web/mapdata.py); an overlay (/map/overlay.json) highlights some papers.
"use strict";
(() => {
  const canvas = document.getElementById("map-canvas");
  if (!canvas || !canvas.getContext || !window.fetch) return;
  const figure = document.getElementById("map-figure");
  const tip = document.getElementById("map-tip");
  const status = document.getElementById("map-status");
  const ctx = canvas.getContext("2d");
  const BG = 0xff20140f; // #0f1420 as little-endian RGBA
  const DIM = 0xff4a3d38;
  const CELL = 8; // hover buckets, in device pixels
  let data = null, dpr = 1, mode = "cluster", marked = null, markedCount = 0, hover = -1;
  let cx = 0, cy = 0, zoom = 1, frame = 0;
  let head = null, next = null, cols = 0, rows = 0;
  const titles = new Map();
  const palettes = {};

  const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const words = (b64) => {
    const b = bytes(b64), view = new DataView(b.buffer), out = new Uint16Array(b.length >> 1);
    for (let i = 0; i < out.length; i++) out[i] = view.getUint16(2 * i, true);
    return out;
  };
  const rgba = (r, g, b) => (0xff000000 | (b << 16) | (g << 8) | r) >>> 0;
  function hsl(h, s, l) {
    const a = s * Math.min(l, 1 - l);
    const f = (n) => { const k = (n + h / 30) % 12; return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1)))); };
    return rgba(f(0), f(8), f(4));
  }
  const wheel = (count) => Array.from({ length: count }, (_, i) => hsl((i * 137.508) % 360, 0.7, 0.62));

  function decode(raw) {
    const n = raw.n, qx = words(raw.x), qy = words(raw.y), day = words(raw.day);
    const w = raw.box[2] - raw.box[0] || 1, h = raw.box[3] - raw.box[1] || 1;
    const x = new Float32Array(n), y = new Float32Array(n);
    for (let i = 0; i < n; i++) { x[i] = qx[i] / 65535 * w; y[i] = (1 - qy[i] / 65535) * h; }
    const ids = raw.ids ? raw.ids.split("\n") : [];
    const index = new Map(ids.map((id, i) => [id, i]));
    const clusters = raw.clusters.map((c) => ({ ...c, x: c.x / 65535 * w, y: (1 - c.y / 65535) * h }));
    const names = new Map(clusters.map((c) => [c.id, c.label]));
    return { n, x, y, w, h, ids, index, day, cluster: bytes(raw.cluster), category: bytes(raw.category),
             categories: raw.categories, clusters: clusters.sort((a, b) => b.size - a.size), names };
  }

  function colours() {
    if (palettes[mode]) return palettes[mode];
    const d = data, out = new Uint32Array(d.n);
    if (mode === "date") { // rank by day: the newest tenth glows
      const order = Array.from(d.day.keys()).sort((a, b) => d.day[a] - d.day[b]);
      order.forEach((i, r) => {
        const t = Math.pow(r / Math.max(1, d.n - 1), 6);
        out[i] = rgba(40 + 215 * t, 70 + 150 * t, 140 - 60 * t);
      });
    } else {
      const codes = mode === "cluster" ? d.cluster : d.category, pal = wheel(256);
      for (let i = 0; i < d.n; i++) out[i] = codes[i] === 255 && mode === "category" ? DIM : pal[codes[i]];
    }
    palettes[mode] = out;
    return out;
  }

  const scale = () => Math.min(canvas.width / data.w, canvas.height / data.h) * 0.94 * zoom;
  const toScreen = (wx, wy, s) => [(wx - cx) * s + canvas.width / 2, (wy - cy) * s + canvas.height / 2];

  function draw() {
    frame = 0;
    const W = canvas.width, H = canvas.height, s = scale(), d = data, col = colours();
    const img = ctx.createImageData(W, H), buf = new Uint32Array(img.data.buffer);
    buf.fill(BG);
    cols = Math.ceil(W / CELL); rows = Math.ceil(H / CELL);
    head = new Int32Array(cols * rows).fill(-1); next = new Int32Array(d.n);
    const base = d.n < 1000 ? 4 : d.n < 10000 ? 2.5 : 1.4; // fewer points, larger dots
    const size = Math.max(1, Math.round(dpr * base * Math.min(3, 1 + Math.log2(Math.max(1, zoom)) / 2)));
    const plot = (px, py, c, r) => {
      for (let yy = py; yy < py + r && yy < H; yy++) for (let xx = px; xx < px + r && xx < W; xx++) buf[yy * W + xx] = c;
    };
    for (let pass = 0; pass < 2; pass++) { // marked points last, larger, on top
      for (let i = 0; i < d.n; i++) {
        const on = marked !== null && marked[i] === 1;
        if ((pass === 1) !== on) continue;
        const [sx, sy] = toScreen(d.x[i], d.y[i], s);
        if (sx < 0 || sy < 0 || sx >= W || sy >= H) continue;
        const px = sx | 0, py = sy | 0, cell = ((py / CELL) | 0) * cols + ((px / CELL) | 0);
        next[i] = head[cell]; head[cell] = i;
        plot(px, py, marked === null || on ? col[i] : DIM, on ? size + 2 * dpr : size);
      }
    }
    ctx.putImageData(img, 0, 0);
    labels(s);
    if (hover >= 0) ring(hover, s);
  }

  function labels(s) { // largest clusters first; one that would overlap a shown label is left out
    const placed = [], limit = Math.max(6, Math.round(8 * zoom * zoom));
    ctx.font = `${Math.round(13 * dpr)}px system-ui, sans-serif`;
    ctx.textAlign = "center"; ctx.textBaseline = "middle"; ctx.lineWidth = 3 * dpr;
    ctx.strokeStyle = "rgba(15,20,32,.9)"; ctx.fillStyle = "#fff";
    for (const c of data.clusters) {
      if (placed.length >= limit) break;
      const [sx, sy] = toScreen(c.x, c.y, s), w = ctx.measureText(c.label).width + 8 * dpr, h = 18 * dpr;
      const box = [sx - w / 2, sy - h / 2, sx + w / 2, sy + h / 2];
      if (box[2] < 0 || box[3] < 0 || box[0] > canvas.width || box[1] > canvas.height) continue;
      if (placed.some((b) => b[0] < box[2] && box[0] < b[2] && b[1] < box[3] && box[1] < b[3])) continue;
      placed.push(box);
      ctx.strokeText(c.label, sx, sy); ctx.fillText(c.label, sx, sy);
    }
  }

  function ring(i, s) {
    const [sx, sy] = toScreen(data.x[i], data.y[i], s);
    ctx.beginPath(); ctx.arc(sx, sy, 6 * dpr, 0, 2 * Math.PI);
    ctx.strokeStyle = "#fff"; ctx.lineWidth = 2 * dpr; ctx.stroke();
  }

  const redraw = () => { if (data && !frame) frame = requestAnimationFrame(draw); };

  function nearest(px, py) { // the point within 8 px of (px, py) on screen, or -1
    if (!head) return -1;
    const s = scale(), cxl = (px / CELL) | 0, cyl = (py / CELL) | 0, reach = 8 * dpr;
    let best = -1, bestD = reach * reach;
    for (let yy = cyl - 1; yy <= cyl + 1; yy++) for (let xx = cxl - 1; xx <= cxl + 1; xx++) {
      if (xx < 0 || yy < 0 || xx >= cols || yy >= rows) continue;
      for (let i = head[yy * cols + xx]; i >= 0; i = next[i]) {
        const [sx, sy] = toScreen(data.x[i], data.y[i], s), dd = (sx - px) ** 2 + (sy - py) ** 2;
        if (dd < bestD && (marked === null || marked[i] === 1 || best < 0 || marked[best] !== 1)) { best = i; bestD = dd; }
      }
    }
    return best;
  }

  const paperUrl = (id) => "/papers/" + encodeURIComponent(id).replace(/%2F/g, "/").replace(/%3A/g, ":");

  async function showTip(i, clientX, clientY) {
    hover = i; redraw();
    if (i < 0) { tip.hidden = true; return; }
    const id = data.ids[i], cluster = data.names.get(data.cluster[i]) || "";
    if (!titles.has(id)) {
      titles.set(id, "…");
      try {
        const r = await fetch("/map/point.json?id=" + encodeURIComponent(id));
        titles.set(id, r.ok ? (await r.json()).title : id);
      } catch (e) { titles.set(id, id); }
    }
    if (hover !== i) return;
    tip.textContent = `${titles.get(id)} — ${cluster}`;
    const box = canvas.getBoundingClientRect();
    tip.style.left = Math.min(clientX - box.left + 12, box.width - 200) + "px";
    tip.style.top = (clientY - box.top + 12) + "px";
    tip.hidden = false;
  }

  function zoomAt(factor, px, py) {
    const s = scale(), wx = (px - canvas.width / 2) / s + cx, wy = (py - canvas.height / 2) / s + cy;
    zoom = Math.min(400, Math.max(0.5, zoom * factor));
    const s2 = scale();
    cx = wx - (px - canvas.width / 2) / s2; cy = wy - (py - canvas.height / 2) / s2;
    redraw();
  }

  const pointers = new Map();
  let moved = 0, pinch = 0;
  const local = (e) => { const b = canvas.getBoundingClientRect(); return [(e.clientX - b.left) * dpr, (e.clientY - b.top) * dpr]; };
  canvas.addEventListener("pointerdown", (e) => {
    canvas.setPointerCapture(e.pointerId); pointers.set(e.pointerId, local(e)); moved = 0; pinch = 0;
  });
  canvas.addEventListener("pointermove", (e) => {
    const p = local(e), before = pointers.get(e.pointerId);
    if (!before) { const i = nearest(p[0], p[1]); if (i !== hover) showTip(i, e.clientX, e.clientY); return; }
    pointers.set(e.pointerId, p);
    if (pointers.size === 1) {
      const s = scale(); cx -= (p[0] - before[0]) / s; cy -= (p[1] - before[1]) / s;
      moved += Math.abs(p[0] - before[0]) + Math.abs(p[1] - before[1]); redraw();
    } else if (pointers.size === 2) {
      const [a, b] = [...pointers.values()], dist = Math.hypot(a[0] - b[0], a[1] - b[1]);
      if (pinch) zoomAt(dist / pinch, (a[0] + b[0]) / 2, (a[1] + b[1]) / 2);
      pinch = dist; moved += 10;
    }
  });
  const release = (e) => {
    const p = pointers.get(e.pointerId);
    pointers.delete(e.pointerId);
    if (p && moved < 5 * dpr && e.type === "pointerup") {
      const i = nearest(p[0], p[1]);
      if (i >= 0) window.location.href = paperUrl(data.ids[i]);
    }
  };
  canvas.addEventListener("pointerup", release);
  canvas.addEventListener("pointercancel", release);
  canvas.addEventListener("pointerleave", () => { if (!pointers.size) showTip(-1); });
  canvas.addEventListener("wheel", (e) => {
    e.preventDefault(); const p = local(e); zoomAt(Math.exp(-e.deltaY * 0.0015), p[0], p[1]);
  }, { passive: false });
  canvas.addEventListener("keydown", (e) => {
    const step = 60 / scale();
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (moves[e.key]) { cx += moves[e.key][0]; cy += moves[e.key][1]; redraw(); }
    else if (e.key === "+" || e.key === "=") zoomAt(1.5, canvas.width / 2, canvas.height / 2);
    else if (e.key === "-") zoomAt(1 / 1.5, canvas.width / 2, canvas.height / 2);
    else if (e.key === "Enter" && hover >= 0) window.location.href = paperUrl(data.ids[hover]);
    else return;
    e.preventDefault();
  });
  const button = (id, fn) => { const b = document.getElementById(id); if (b) b.addEventListener("click", fn); };
  button("map-zoom-in", () => zoomAt(1.5, canvas.width / 2, canvas.height / 2));
  button("map-zoom-out", () => zoomAt(1 / 1.5, canvas.width / 2, canvas.height / 2));
  button("map-reset", () => { zoom = 1; cx = data.w / 2; cy = data.h / 2; redraw(); });
  const select = document.getElementById("map-colour");
  if (select) select.addEventListener("change", () => { mode = select.value; redraw(); });

  function mark(ids) {
    if (ids === null) { marked = null; markedCount = 0; }
    else {
      marked = new Uint8Array(data.n); markedCount = 0;
      for (const id of ids) { const i = data.index.get(id); if (i !== undefined && !marked[i]) { marked[i] = 1; markedCount++; } }
    }
    say(); redraw();
  }
  const say = () => {
    status.textContent = `${data.n.toLocaleString()} papers` + (marked ? `, ${markedCount.toLocaleString()} highlighted` : "") +
      ". Drag to move, scroll or pinch to zoom; click a dot to open its paper.";
  };
  async function overlay(url) {
    try { const r = await fetch(url, { credentials: "same-origin" }); return r.ok ? (await r.json()).ids : []; }
    catch (e) { return []; }
  }
  const pageOverlay = () => canvas.dataset.overlay ? overlay(canvas.dataset.overlay).then(mark) : mark(null);
  const mine = [["map-saved", "saved"], ["map-foryou", "foryou"]]
    .map(([id, kind]) => [document.getElementById(id), kind]).filter(([box]) => box);
  for (const [box, kind] of mine) {
    box.addEventListener("change", () => {
      for (const [other] of mine) if (other !== box) other.checked = false;
      box.checked ? overlay(`/map/overlay.json?mine=${kind}`).then(mark) : pageOverlay();
    });
  }

  function resize() {
    dpr = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, Math.round(canvas.clientWidth * dpr));
    canvas.height = Math.max(1, Math.round(canvas.clientHeight * dpr));
    redraw();
  }

  figure.hidden = false;
  fetch(canvas.dataset.src).then((r) => r.json()).then((raw) => {
    data = decode(raw); cx = data.w / 2; cy = data.h / 2;
    resize(); say();
    new ResizeObserver(resize).observe(canvas);
    pageOverlay();
    canvas.dataset.ready = String(data.n);
  }).catch(() => { status.textContent = "The map could not be loaded."; });
})();
