// deck playground: the page talks to the JSON API of package web. The
// server keeps no games; the page holds the source and the schedule and
// asks for the position after each move.
"use strict";

const $ = (id) => document.getElementById(id);
const el = (tag, attrs, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const k of kids) if (k != null) e.append(k);
  return e;
};

const game = {
  examples: [],
  example: null, // the level being played, or null
  source: "",
  ok: false, // the source compiles
  schedule: "",
  state: null,
  playback: null, // {title, schedule, total, pos}
  won: false,
  place: "", // deck's --place (the file's place lines apply too)
  net: "ordered", // deck's --net
};

async function api(path, body) {
  // Every POST carries the placement and the network, as the flags would.
  if (body !== undefined) body = Object.assign({ place: game.place, net: game.net }, body);
  const opt = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const r = await fetch(path, opt);
  let data;
  try { data = await r.json(); } catch (e) { data = { error: "bad answer from the server (" + r.status + ")" }; }
  return { status: r.status, data };
}

// ---------- the editor ----------

function renderGutter(errors) {
  const n = game.source.split("\n").length;
  const bad = new Map();
  for (const e of errors || []) if (e.line) bad.set(e.line, (bad.get(e.line) ? bad.get(e.line) + "\n" : "") + e.line + ":" + e.col + ": " + e.msg);
  const g = $("gutter");
  g.textContent = "";
  for (let i = 1; i <= n; i++) {
    const s = el("span", bad.has(i) ? { class: "err", title: bad.get(i) } : {}, String(i));
    g.append(s, "\n");
  }
}

function showErrors(errors) {
  const box = $("errors");
  box.textContent = "";
  const lines = game.source.split("\n");
  for (const e of errors || []) {
    let text = e.msg;
    if (e.line) {
      const src = lines[e.line - 1] || "";
      const caret = (e.pad || "") + "^"; // the server counts bytes and wide characters
      text = src + "\n" + caret;
    }
    const d = el("div", { class: "error", onclick: () => goTo(e.line, e.col) }, el("b", {}, (e.line ? e.line + ":" + e.col + ": " : "") + e.msg), "\n", e.line ? text : "");
    box.append(d);
  }
  renderGutter(errors);
}

function goTo(line, col) {
  if (!line) return;
  const ta = $("src");
  const lines = game.source.split("\n");
  let off = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) off += lines[i].length + 1;
  off += Math.max(0, col - 1);
  ta.focus();
  ta.setSelectionRange(off, off + 1);
  ta.scrollTop = Math.max(0, (line - 4) * 18);
}

function showCards(procs) {
  const box = $("cards");
  box.textContent = "";
  for (const p of procs || []) {
    box.append(el("div", { class: "proc" }, "proc " + p.name + (p.node ? " (on " + p.node + ")" : "")));
    const t = el("table");
    for (const c of p.cards) {
      t.append(el("tr", {},
        el("td", {}, c.number),
        el("td", { class: "dim" }, c.line + ":" + c.col),
        el("td", { class: c.sync ? "sync" : "" }, c.label + (c.sync ? "  (sync)" : "")),
        el("td", { class: "touch" }, c.touches || "")));
    }
    box.append(t);
  }
}

let compileTimer = null;
function onEdit() {
  game.source = $("src").value;
  if (game.example && game.example.source !== game.source) {
    // An edited example is the user's own program: no goal to win.
    game.example = null;
    $("example").value = "";
    $("goal").textContent = "";
    $("solution").disabled = true;
  }
  renderGutter([]);
  clearTimeout(compileTimer);
  compileTimer = setTimeout(() => load(""), 350);
}

// load compiles the source and starts the game at schedule.
async function load(schedule) {
  const { data } = await api("/api/compile", { source: game.source });
  game.ok = !!data.ok;
  $("export").disabled = !game.ok;
  showErrors(data.errors || (data.error ? [{ msg: data.error }] : []));
  showCards(data.procs);
  $("nodes").textContent = data.nodes ? "nodes: " + data.nodes.join(", ") + " · network: " + data.net : "all on one machine (home)";
  stopPlayback();
  $("checkres").textContent = "";
  if (!game.ok) {
    game.state = null;
    game.schedule = "";
    setStatus("The program does not compile: see the errors under the editor.", "broken");
    for (const id of ["moves", "stacks", "shared", "inflight", "output", "steps"]) $(id).textContent = "";
    $("schedule").textContent = "";
    $("inflightbox").hidden = $("outputbox").hidden = true;
    renderSource();
    return;
  }
  await show({ schedule });
}

// ---------- nodes and the network ----------

function netString() {
  let s = $("net").value;
  if ($("lossy").checked) s += ",lossy";
  if ($("dup").checked) s += ",dup";
  return s;
}

// setNet shows a placement and a network in the fields.
function setNet(place, net) {
  game.place = place || "";
  const parts = (net || "ordered").split(",");
  $("place").value = game.place;
  $("net").value = parts.includes("unordered") ? "unordered" : "ordered";
  $("lossy").checked = parts.includes("lossy");
  $("dup").checked = parts.includes("dup");
  game.net = netString();
}

let placeTimer = null;
function onNetEdit() {
  game.place = $("place").value.trim();
  game.net = netString();
  clearTimeout(placeTimer);
  placeTimer = setTimeout(() => load(""), 300);
}
$("place").addEventListener("input", onNetEdit);
for (const id of ["net", "lossy", "dup"]) $(id).addEventListener("change", onNetEdit);

// ---------- the game ----------

async function show(req) {
  const { status, data } = await api("/api/state", Object.assign({ source: game.source }, req));
  if (status !== 200) {
    setStatus(data.error || "the server refused that", "broken");
    return false;
  }
  game.state = data;
  game.schedule = data.schedule;
  render();
  return true;
}

function setStatus(text, cls) {
  const s = $("status");
  s.textContent = text;
  s.className = "status " + (cls || "");
}

function render() {
  const st = game.state;
  setStatus(st.message, st.status);
  if (st.status === "broken" && st.violation) {
    const v = st.violation;
    $("status").append(el("div", { style: "font-weight:normal;font-size:14px" }, v.kind + ": " + v.message + (v.pos ? " at " + shortPos(v.at || v.pos) : "")));
    if (game.example && game.example.kind === v.kind && !game.won) {
      game.won = true;
      $("goal").textContent = "✔ " + game.example.goal + " Done! Check shows the shortest way.";
      $("goal").classList.add("won");
    }
  }
  $("schedule").textContent = st.schedule || "(no cards dealt yet)";
  $("undo").disabled = st.moves === 0;
  // The moves possible now.
  const mv = $("moves");
  mv.textContent = "";
  for (const c of st.choices) {
    mv.append(el("button", {
      class: "move" + (c.kind !== "stack" ? " net " + c.kind : ""), "data-move": c.move, title: "move " + c.move,
      onclick: () => { stopPlayback(); show({ schedule: game.schedule, move: c.move }); },
    }, (c.kind === "stack" ? c.stack + " " : "") + c.label));
  }
  // Stacks.
  const tb = $("stacks");
  tb.textContent = "";
  for (const s of st.stacks) {
    let where;
    if (s.finished) where = el("span", { class: "done" }, "finished" + (s.return ? " = " + s.return : ""));
    else {
      where = el("span", {}, "card " + s.card + " (" + s.line + ":" + s.col + ") " + s.label);
      if (s.waits) where.append(el("div", { class: "waits" }, "waits: " + s.waits));
    }
    const locals = (s.locals || []).map((l) => l.name + "=" + l.value).join(" ");
    tb.append(el("tr", { "data-stack": s.id },
      el("td", { class: "mono" }, String(s.id)),
      el("td", {}, s.name + (s.node ? " @" + s.node : "")),
      el("td", {}, where, locals ? el("div", { class: "locals" }, locals) : null),
      el("td", { class: "dim" }, s.taken + " card" + (s.taken === 1 ? "" : "s"))));
  }
  // Shared state.
  const sh = $("shared");
  sh.textContent = "";
  for (const g of st.shared) {
    const val = g.array ? "[" + g.values.join(", ") + "]" : g.values[0];
    sh.append(el("tr", {}, el("td", { class: "mono" }, g.name), el("td", { class: "dim" }, g.kind + (g.node ? " @" + g.node : "")), el("td", { class: "mono", "data-var": g.name }, val)));
  }
  const inf = $("inflight");
  inf.textContent = "";
  $("inflightbox").hidden = !(st.inflight && st.inflight.length);
  for (const m of st.inflight || []) {
    inf.append(el("tr", {}, el("td", { class: "mono" }, "m" + m.n), el("td", {}, m.from + "→" + m.to), el("td", {}, m.what), el("td", { class: "waits" }, m.can || "waits")));
  }
  $("outputbox").hidden = st.output.length === 0;
  $("output").textContent = st.output.join("\n");
  // Cards dealt.
  const ol = $("steps");
  ol.textContent = "";
  for (const s of st.steps) {
    const eff = [];
    for (const [k, v] of Object.entries(s.reads || {})) eff.push("read " + k + "=" + v);
    for (const [k, v] of Object.entries(s.writes || {})) eff.push("wrote " + k + "=" + v);
    for (const [k, v] of Object.entries(s.sets || {})) eff.push(k + "=" + v);
    if (s.value) eff.push((/(^|= )recv /.test(s.text) ? "received " : "sent ") + s.value);
    for (const [k, v] of Object.entries(s.objects || {})) eff.push(k + ": " + v);
    const tested = Object.entries(s.tested || {}).map(([k, v]) => k + "=" + v);
    if (tested.length) eff.push("tested " + tested.join(" "));
    ol.append(el("li", { class: s.failed ? "failed" : "" }, s.stack + (s.card ? " card " + s.card : "") + ": " + s.text, eff.length ? el("span", { class: "eff" }, "   " + eff.join(", ")) : null));
  }
  ol.scrollTop = ol.scrollHeight;
  renderSource();
  renderPlayback();
}

function shortPos(pos) {
  const m = /:(\d+):(\d+)$/.exec(pos);
  return m ? m[1] + ":" + m[2] : pos;
}

// renderSource shows the program with a tag on the line of each stack's
// next card.
function renderSource() {
  const box = $("source");
  box.textContent = "";
  const lines = game.source.split("\n");
  const tags = new Map();
  const st = game.state;
  if (st) {
    for (const s of st.stacks) {
      if (s.finished || !s.line) continue;
      if (!tags.has(s.line)) tags.set(s.line, []);
      tags.get(s.line).push(s);
    }
  }
  let failLine = 0;
  if (st && st.violation && st.violation.pos) failLine = +(/:(\d+):\d+$/.exec(st.violation.pos) || [0, 0])[1];
  lines.forEach((text, i) => {
    const n = i + 1;
    const here = tags.get(n);
    const d = el("div", { class: "ln" + (here ? " here" : "") + (n === failLine ? " fail" : "") }, el("span", { class: "no" }, String(n)), text);
    for (const s of here || []) d.append(el("span", { class: "tag" + (s.enabled ? "" : " blocked"), title: s.waits || "can move" }, s.id + " " + s.name));
    box.append(d);
  });
  // Bring the first stack (or the failed card) into view.
  const first = box.querySelector(".ln.fail") || box.querySelector(".ln.here");
  if (first) box.scrollTop = Math.max(0, first.offsetTop - box.offsetTop - box.clientHeight / 3);
}

$("undo").onclick = () => { stopPlayback(); show({ schedule: game.schedule, undo: true }); };
$("restart").onclick = () => { stopPlayback(); show({ schedule: "" }); };

// ---------- the checker and playback ----------

async function runCheck() {
  const box = $("checkres");
  box.textContent = "checking every shuffle…";
  const { status, data } = await api("/api/check", { source: game.source });
  if (status !== 200) {
    box.textContent = data.error || "the program does not compile";
    return null;
  }
  box.textContent = "";
  box.append(el("div", {}, el("span", { class: "verdict " + data.verdict, id: "verdict" }, "verdict: " + data.verdict),
    el("span", { class: "dim" }, "  " + data.states + " states, " + data.elapsed + (data.incomplete ? " — " + data.incomplete : ""))));
  if (data.ignore_prints) {
    box.append(el("div", { class: "dim", id: "ignoreprints" }, "A stack prints inside a loop that can go on forever, so every state it reaches was new and the search could not end. This check left printed lines out of the states (deck check --ignore-prints): the outcomes differ in their variables, each shown with the lines of one shuffle."));
  }
  if (data.violations.length) {
    const ul = el("ul");
    for (const v of data.violations) {
      const n = v.trace ? v.trace.length : 0;
      ul.append(el("li", {}, v.kind + ": " + v.message + " ", el("span", { class: "dim" }, "(" + n + " cards: "), el("code", {}, v.schedule), el("span", { class: "dim" }, ") "),
        el("button", { class: "playback-btn", onclick: () => startPlayback("shortest " + v.kind, v.schedule) }, "Play back")));
    }
    box.append(el("div", {}, "shortest counterexamples:"), ul);
  }
  const ul = el("ul");
  for (const o of data.outcomes) {
    ul.append(el("li", {}, el("code", {}, o.key || "(nothing)"), " ", el("button", { onclick: () => startPlayback("outcome " + o.key, o.schedule) }, "Play back")));
  }
  box.append(el("div", {}, "outcomes of the finished runs:" + (data.outcomes.length ? "" : " none")), ul);
  if (data.outcomes_found) {
    box.append(el("div", { class: "dim" }, "… and " + (data.outcomes_found - data.outcomes.length) + " more (the first " + data.outcomes.length + " are listed)"));
  }
  return data;
}
$("check").onclick = runCheck;

async function startPlayback(title, schedule) {
  const { status, data } = await api("/api/state", { source: game.source, schedule });
  if (status !== 200) return;
  game.playback = { title, schedule, total: data.moves, pos: 0 };
  $("playback").hidden = false;
  await seek(0);
}

async function seek(pos) {
  const pb = game.playback;
  if (!pb) return;
  pb.pos = Math.max(0, Math.min(pb.total, pos));
  await show({ schedule: pb.schedule, upto: pb.pos });
}

function renderPlayback() {
  const pb = game.playback;
  if (!pb) return;
  $("pbtitle").textContent = "Playing back " + pb.title + ":";
  $("pbpos").textContent = "card " + pb.pos + " of " + pb.total;
  $("pbprev").disabled = $("pbfirst").disabled = pb.pos === 0;
  $("pbnext").disabled = $("pblast").disabled = pb.pos === pb.total;
}

function stopPlayback() {
  game.playback = null;
  $("playback").hidden = true;
}
$("pbfirst").onclick = () => seek(0);
$("pbprev").onclick = () => seek(game.playback.pos - 1);
$("pbnext").onclick = () => seek(game.playback.pos + 1);
$("pblast").onclick = () => seek(game.playback.total);

$("solution").onclick = async () => {
  const data = await runCheck();
  if (!data) return;
  const kind = game.example && game.example.kind;
  const v = data.violations.find((v) => v.kind === kind) || data.violations[0];
  if (!v) {
    $("checkres").prepend(el("div", {}, "No shuffle breaks this program: there is nothing to solve."));
    return;
  }
  startPlayback("the shortest solution (" + v.kind + ")", v.schedule);
};

// ---------- pictures ----------

// exportSVG downloads the run on the board (or, during a playback, the
// whole shuffle played back) as the SVG picture deck run --svg draws.
async function exportSVG() {
  const schedule = game.playback ? game.playback.schedule : game.schedule;
  const name = game.example && game.example.source === game.source ? game.example.name : "play";
  const r = await fetch("/api/svg", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ place: game.place, net: game.net, source: game.source, file: name + ".deck", schedule }),
  });
  if (!r.ok) {
    let msg = "the server could not draw this run (" + r.status + ")";
    try { const d = await r.json(); if (d.error) msg = d.error; } catch (e) { /* keep the status */ }
    setStatus(msg, "broken");
    return;
  }
  const blob = await r.blob();
  const a = el("a", { href: URL.createObjectURL(blob), download: name + ".svg" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 60000);
  document.body.dataset.exported = name + ".svg";
}
$("export").onclick = exportSVG;

// ---------- examples and shared positions ----------

function pickExample(name, schedule, keepNet) {
  const ex = game.examples.find((e) => e.name === name) || null;
  game.example = ex;
  game.won = false;
  $("example").value = ex ? ex.name : "";
  $("goal").classList.remove("won");
  $("goal").textContent = ex ? "Goal: " + ex.goal : "";
  $("solution").disabled = !ex || !ex.kind;
  if (ex) {
    game.source = ex.source;
    $("src").value = ex.source;
  }
  if (!keepNet) setNet(ex ? ex.place : "", ex ? ex.net : "");
  return load(schedule || "");
}

$("example").onchange = (e) => pickExample(e.target.value);
$("src").addEventListener("input", onEdit);
$("src").addEventListener("scroll", () => { $("gutter").scrollTop = $("src").scrollTop; });

$("share").onclick = () => {
  const p = new URLSearchParams();
  if (game.example && game.example.source === game.source) p.set("example", game.example.name);
  else p.set("source", btoa(unescape(encodeURIComponent(game.source))));
  if (game.place) p.set("place", game.place);
  if (game.net && game.net !== "ordered") p.set("net", game.net);
  if (game.schedule) p.set("schedule", game.schedule);
  location.hash = p.toString();
};

async function init() {
  const { data } = await api("/api/examples");
  game.examples = data || [];
  const sel = $("example");
  for (const e of game.examples) sel.append(el("option", { value: e.name }, e.name + (e.kind ? " — " + e.goal : "")));
  const p = new URLSearchParams(location.hash.slice(1));
  const shared = p.has("place") || p.has("net");
  if (shared) setNet(p.get("place"), p.get("net"));
  if (p.get("source")) {
    try { game.source = decodeURIComponent(escape(atob(p.get("source")))); } catch (e) { game.source = ""; }
    $("src").value = game.source;
    $("solution").disabled = true;
    await load(p.get("schedule") || "");
  } else {
    await pickExample(p.get("example") || "lost_update", p.get("schedule") || "", shared);
  }
  document.body.dataset.ready = "1";
}
init();
