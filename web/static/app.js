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
  // Replies come back out of order, and after the board has moved on:
  // epoch counts the programs loaded (a program, placement or network),
  // seq the state requests, and a reply for an older one is dropped.
  epoch: 0,
  seq: 0,
  check: null, // the check under way: {ctl: AbortController, key: progKey()}
  ownHash: "", // the address's hash as the page last set or read it
};

async function api(path, body, signal) {
  // Every POST carries the placement and the network, as the flags would.
  if (body !== undefined) body = Object.assign({ place: game.place, net: game.net }, body);
  const opt = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  opt.signal = signal;
  let r;
  try {
    r = await fetch(path, opt);
  } catch (e) {
    if (e.name === "AbortError") return { status: 0, data: {}, aborted: true };
    return { status: 0, data: { error: "the server did not answer (" + e.message + ")" } };
  }
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
    // An error with a place is a button to it, for the keyboard too.
    const attrs = e.line ? { class: "error", tabindex: "0", role: "button", title: "go to " + e.line + ":" + e.col, onclick: () => goTo(e.line, e.col), onkeydown: (ev) => onKeyPress(ev, () => goTo(e.line, e.col)) } : { class: "error" };
    const d = el("div", attrs, el("b", {}, (e.line ? e.line + ":" + e.col + ": " : "") + e.msg), "\n", e.line ? text : "");
    box.append(d);
  }
  renderGutter(errors);
}

// onKeyPress does what a click does on Enter or Space, as a button would.
function onKeyPress(ev, f) {
  if (ev.key !== "Enter" && ev.key !== " ") return;
  ev.preventDefault();
  f();
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
  say("");
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

// load compiles the source and starts the game at schedule; it returns
// the answer to the state request (null when none was made or a newer
// load came first).
async function load(schedule) {
  const epoch = ++game.epoch;
  // The moves on the board are the old program's: none until the new
  // board comes, so that no click sends them with the new source.
  $("moves").textContent = "";
  if (game.check && game.check.key !== progKey()) cancelCheck();
  const { data } = await api("/api/compile", { source: game.source });
  if (epoch !== game.epoch) return null; // another program came since
  game.ok = !!data.ok;
  $("export").disabled = !game.ok;
  showErrors(data.errors || (data.error ? [{ msg: data.error }] : []));
  showCards(data.procs);
  $("nodes").textContent = data.nodes ? "nodes: " + data.nodes.join(", ") + " · network: " + data.net : "all on one machine (home)";
  stopPlayback();
  if (!game.check) $("checkres").textContent = "";
  if (!game.ok) {
    game.state = null;
    game.schedule = "";
    setStatus("The program does not compile: see the errors under the editor.", "broken");
    for (const id of ["moves", "stacks", "shared", "inflight", "output", "steps"]) $(id).textContent = "";
    $("schedule").textContent = "";
    $("inflightbox").hidden = $("outputbox").hidden = true;
    renderSource();
    return null;
  }
  return enqueue(() => show({ schedule }));
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

// show asks for a position and draws it; it returns the answer, or null
// when a newer request or another program made it stale.
async function show(req) {
  const seq = ++game.seq, epoch = game.epoch;
  const r = await api("/api/state", Object.assign({ source: game.source }, req));
  if (seq !== game.seq || epoch !== game.epoch) return null;
  if (r.status !== 200) {
    setStatus(r.data.error || "the server refused that", "broken");
    return r;
  }
  game.state = r.data;
  game.schedule = r.data.schedule;
  render();
  return r;
}

// The dealer's requests run one after another: a move is made on the
// schedule the previous move's answer left (two quick clicks would
// otherwise both build on the position before them), and a request
// queued for a program no longer on the board is dropped.
let queue = Promise.resolve();
function enqueue(f) {
  const epoch = game.epoch;
  const run = queue.then(() => (epoch === game.epoch ? f() : null));
  queue = run.catch((e) => console.error(e));
  return run;
}

// move deals one move (as a schedule writes it) on the board.
function move(mv) {
  say("");
  stopPlayback();
  return enqueue(() => show({ schedule: game.schedule, move: mv }));
}

// say shows a note under the status (a link that did not fit, a copied
// link); "" takes it away.
function say(text) {
  $("note").textContent = text;
  $("note").hidden = !text;
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
    // A lasso can break more than one thing at once (a starved stack and
    // an eventually never met): each counts for the level's goal.
    const vs = [st.violation, ...(st.also || [])];
    vs.forEach((v, i) => {
      $("status").append(el("div", { class: "violation" }, (i ? "and in the same run: " : "") + v.kind + ": " + v.message + (v.pos ? " at " + shortPos(v.at || v.pos) : "")));
    });
    if (game.example && vs.some((v) => v.kind === game.example.kind) && !game.won) {
      game.won = true;
      $("goal").textContent = "✔ " + game.example.goal + " Done! Check shows the shortest way.";
      $("goal").classList.add("won");
    }
  }
  $("schedule").textContent = st.schedule || "(no cards dealt yet)";
  $("undo").disabled = st.moves === 0;
  // The moves possible now.
  const mv = $("moves");
  // A move made with the keyboard keeps the focus on the buttons (on the
  // same place among them), not on the page the old button left.
  const focused = [...mv.querySelectorAll("button.move")].indexOf(document.activeElement);
  mv.textContent = "";
  for (const c of st.choices) {
    mv.append(el("button", {
      class: "move" + (c.kind !== "stack" ? " net " + c.kind : ""), "data-move": c.move, title: "move " + c.move,
      onclick: () => move(c.move),
    }, (c.kind === "stack" ? c.stack + " " : "") + c.label));
  }
  for (const w of st.wide || []) mv.append(wideForm(w));
  if (focused >= 0) {
    const bs = mv.querySelectorAll("button.move");
    (bs[Math.min(focused, bs.length - 1)] || $("undo")).focus();
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

// wideForm lets the learner type the alternative of a choice wider than
// its buttons: a choose's value, or another card's alternative number.
function wideForm(w) {
  const first = w.first === undefined ? null : w.first;
  const lo = first === null ? 0 : first, hi = lo + w.count - 1;
  const input = el("input", { type: "number", min: String(lo), max: String(hi), class: "wideval", "aria-label": "the alternative of stack " + w.stack });
  const pick = (ev) => {
    ev.preventDefault();
    const v = Number(input.value);
    if (input.value === "" || !Number.isInteger(v) || v < lo || v > hi) {
      say("Type a whole number from " + lo + " to " + hi + ".");
      return;
    }
    move(w.stack + ":" + (v - lo)); // the move S:K takes the K-th alternative
  };
  return el("form", { class: "wide", "data-stack": String(w.stack), onsubmit: pick },
    w.stack + " " + w.label + ": " + w.count + " alternatives, more than have buttons; type " +
    (first === null ? "one (0.." + hi + ")" : "its value (" + lo + ".." + hi + ")") + " ", input, " ", el("button", { type: "submit" }, "Deal it"));
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

$("undo").onclick = () => { say(""); stopPlayback(); enqueue(() => show({ schedule: game.schedule, undo: true })); };
$("restart").onclick = () => { say(""); stopPlayback(); enqueue(() => show({ schedule: "" })); };

// ---------- the checker and playback ----------

// progKey names the program on the board with its placement and network:
// a check's answer is for that key only.
function progKey() {
  return [game.source, game.place, game.net].join("\0");
}

// cancelCheck abandons the check under way; the server ends a check whose
// request is abandoned.
function cancelCheck() {
  if (!game.check) return;
  game.check.ctl.abort();
  game.check = null;
  $("check").disabled = false;
  $("checkres").textContent = "";
}

// runCheck checks the program on the board, one check at a time (the
// button is disabled meanwhile), and lists what it found; it returns the
// answer, or null.
async function runCheck() {
  if (game.check) return null;
  const check = { ctl: new AbortController(), key: progKey() };
  game.check = check;
  $("check").disabled = true;
  const box = $("checkres");
  box.textContent = "checking every shuffle…";
  const { status, data } = await api("/api/check", { source: game.source }, check.ctl.signal);
  if (game.check !== check) return null; // cancelled: the board has another program now
  game.check = null;
  $("check").disabled = false;
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
    ul.append(el("li", {}, el("code", {}, o.shown || o.key || "(nothing)"), " ", el("button", { onclick: () => startPlayback("outcome " + o.key, o.schedule) }, "Play back")));
  }
  box.append(el("div", {}, "outcomes of the finished runs:" + (data.outcomes.length ? "" : " none")), ul);
  if (data.outcomes_found) {
    box.append(el("div", { class: "dim" }, "… and " + (data.outcomes_found - data.outcomes.length) + " more (the first " + data.outcomes.length + " are listed)"));
  }
  return data;
}
$("check").onclick = runCheck;

function startPlayback(title, schedule) {
  say("");
  return enqueue(async () => {
    const epoch = game.epoch;
    const { status, data } = await api("/api/state", { source: game.source, schedule });
    if (status !== 200 || epoch !== game.epoch) return;
    game.playback = { title, schedule, total: data.moves, pos: 0 };
    $("playback").hidden = false;
    await show({ schedule, upto: 0 });
  });
}

function seek(pos) {
  const pb = game.playback;
  if (!pb) return null;
  pb.pos = Math.max(0, Math.min(pb.total, pos));
  const upto = pb.pos;
  return enqueue(() => (game.playback === pb ? show({ schedule: pb.schedule, upto }) : null));
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

// setExample puts a level (or, for null, the user's own program) on the
// page, without loading it.
function setExample(ex) {
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
}

function pickExample(name) {
  say("");
  const ex = game.examples.find((e) => e.name === name) || null;
  setExample(ex);
  setNet(ex ? ex.place : "", ex ? ex.net : "");
  return load("");
}

$("example").onchange = (e) => pickExample(e.target.value);
$("src").addEventListener("input", onEdit);
$("src").addEventListener("scroll", () => { $("gutter").scrollTop = $("src").scrollTop; });

// shareParams holds the position on the board as an address's hash: the
// example's name or the source, the placement and network when they are
// not the example's own (a level's lossy network, unticked, must come back
// unticked), and the schedule.
function shareParams() {
  const p = new URLSearchParams();
  const ex = game.example && game.example.source === game.source ? game.example : null;
  if (ex) p.set("example", ex.name);
  else p.set("source", btoa(unescape(encodeURIComponent(game.source))));
  if (game.place !== (ex && ex.place || "")) p.set("place", game.place);
  if (game.net !== (ex && ex.net || "ordered")) p.set("net", game.net);
  if (game.schedule) p.set("schedule", game.schedule);
  return p;
}

$("share").onclick = async () => {
  location.hash = shareParams().toString();
  game.ownHash = location.hash; // so that its hashchange loads nothing
  say((await copyLink(location.href)) ? "Link copied to the clipboard (it is in the address bar too)." : "The link is in the address bar: copy it from there.");
};

// copyLink copies text to the clipboard when the browser lets the page
// (it may refuse, or never answer); it reports whether it did.
async function copyLink(text) {
  if (!navigator.clipboard) return false;
  const late = new Promise((resolve) => setTimeout(() => resolve(false), 1000));
  return Promise.race([navigator.clipboard.writeText(text).then(() => true, () => false), late]);
}

// readSource decodes a shared link's program, or returns null.
function readSource(b64) {
  try {
    return decodeURIComponent(escape(atob(b64)));
  } catch (e) {
    return null;
  }
}

// loadHash loads the position the address's hash names: a shared link,
// opened or pasted, or a step back in the history.
async function loadHash() {
  game.ownHash = location.hash;
  const p = new URLSearchParams(location.hash.slice(1));
  let note = "", ex = null, schedule = p.get("schedule") || "";
  let source = p.has("source") ? readSource(p.get("source")) : null;
  if (p.has("source") && source === null) {
    note = "The link's program could not be read (it is not a program in base64): here is an example instead.";
    schedule = "";
  }
  if (source === null) {
    const name = p.get("example") || "lost_update";
    ex = game.examples.find((e) => e.name === name) || null;
    if (!ex) {
      if (!note) note = "There is no example " + JSON.stringify(name) + ": here is lost_update instead.";
      ex = game.examples.find((e) => e.name === "lost_update") || null;
      schedule = "";
    }
  }
  setExample(ex);
  if (source !== null) {
    game.source = source;
    $("src").value = source;
  }
  // The link's placement and network, over the example's own.
  setNet(p.has("place") ? p.get("place") : ex ? ex.place : "", p.has("net") ? p.get("net") : ex ? ex.net : "");
  say(note);
  const r = await load(schedule);
  if (r && r.status !== 200 && schedule) {
    // The link's schedule does not fit (or does not read): show the moves
    // before the one that does not fit, or the start.
    const fits = r.status === 409 && typeof r.data.fits === "number" ? r.data.fits : 0;
    await enqueue(() => show({ schedule: fits ? schedule : "", upto: fits }));
    say((r.status === 409 ? "Move " + (fits + 1) + " of the link's schedule does not fit" : "The link's schedule could not be read") +
      " (" + r.data.error + "): " + (fits ? "here are the " + fits + " moves before it." : "here is the start."));
  }
}

// A link pasted into this tab, or Back and Forward, changes only the hash.
window.addEventListener("hashchange", () => {
  if (location.hash !== game.ownHash) loadHash();
});

async function init() {
  const { data } = await api("/api/examples");
  game.examples = data || [];
  const sel = $("example");
  for (const e of game.examples) sel.append(el("option", { value: e.name }, e.name + (e.kind ? " — " + e.goal : "")));
  await loadHash();
  document.body.dataset.ready = "1";
}
init();
