// nerkit annotate: the page. Vanilla JS, no build step.
// Data is only ever put into the page as text (textContent / createElement), never as HTML.
// Answers go to a local outbox (memory + localStorage) first and leave it only once the
// server says they are committed; failed sends are retried with backoff.
"use strict";
(function () {
  const params = new URLSearchParams(location.search);
  const token = params.get("token") || sessionStorage.getItem("nerkit-token") || "";
  if (params.get("token")) sessionStorage.setItem("nerkit-token", token);
  const wantedSession = params.get("session") || "";
  const outboxKey = "nerkit-outbox:" + location.host + ":" + (wantedSession || "default");
  const $ = (id) => document.getElementById(id);
  const OTHER_COLOR = "#c9ced6"; // a label the session does not annotate (review, teach)

  const state = {
    config: null, session: wantedSession || "default", queue: [], current: null, spans: [],
    history: [], outbox: [], exhausted: false, fetching: false, flushing: false,
    inflight: null, offline: false, retryDelay: 500, retryTimer: null,
    sel: null, cursor: -1, anchor: -1, activeLabel: null, lastLabel: null,
    editing: false, modelVersion: null, modelTimer: null,
  };

  // -- helpers ----------------------------------------------------------------------------

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function uid() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function headers(extra) {
    return Object.assign({ "X-Nerkit-Token": token }, extra || {});
  }

  async function api(path) {
    const res = await fetch(path, { headers: headers(), cache: "no-store" });
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      const err = new Error(body.error || "HTTP " + res.status);
      err.status = res.status;
      throw err;
    }
    return res.json();
  }

  function showError(message) {
    const box = $("error");
    box.textContent = message;
    box.hidden = !message;
  }

  function editable() {
    const r = state.config && state.config.recipe;
    return r === "manual" || r === "correct" || r === "review" || teachEditing();
  }

  // One order and one colour per label, decided by the server (nerkit.display.label_order
  // and label_colors) for every recipe and the entity view alike.
  function labelColor(label) {
    const colors = (state.config && state.config.colors) || {};
    return Object.prototype.hasOwnProperty.call(colors, label) ? colors[label] : OTHER_COLOR;
  }

  // -- the outbox ---------------------------------------------------------------------------

  function loadOutbox() {
    try {
      const saved = JSON.parse(localStorage.getItem(outboxKey) || "[]");
      if (Array.isArray(saved)) state.outbox = saved;
    } catch (_) {
      state.outbox = [];
    }
  }

  function persist() {
    try {
      localStorage.setItem(outboxKey, JSON.stringify(state.outbox));
    } catch (_) { /* storage full or blocked: the in-memory outbox still holds them */ }
    renderUnsaved();
  }

  function dropFromOutbox(clientId) {
    state.outbox = state.outbox.filter((p) => p.client_id !== clientId);
    persist();
  }

  function goOffline(reason) {
    state.offline = true;
    if (reason) showError(reason);
    renderUnsaved();
    clearTimeout(state.retryTimer);
    state.retryTimer = setTimeout(flush, state.retryDelay);
    state.retryDelay = Math.min(state.retryDelay * 2, 10000);
  }

  function goOnline() {
    if (state.offline) showError("");
    state.offline = false;
    state.retryDelay = 500;
    renderUnsaved();
  }

  async function flush() {
    if (state.flushing) return;
    state.flushing = true;
    clearTimeout(state.retryTimer);
    try {
      while (state.outbox.length) {
        const item = state.outbox[0];
        let res;
        state.inflight = item.client_id;
        try {
          res = await fetch("/api/answer", {
            method: "POST",
            headers: headers({ "Content-Type": "application/json" }),
            body: JSON.stringify(item),
            cache: "no-store",
          });
        } catch (_) {
          goOffline();
          return;
        } finally {
          state.inflight = null;
        }
        if (res.ok) {
          const data = await res.json().catch(() => ({}));
          dropFromOutbox(item.client_id);
          goOnline();
          if (data.progress) renderProgress(data.progress);
          continue;
        }
        const body = await res.json().catch(() => ({}));
        if (res.status === 401) {
          goOffline("The server refused the token: open the URL nerkit annotate printed. " +
            "Unsaved answers are kept.");
          return;
        }
        if (res.status >= 500 || res.status === 408 || res.status === 429) {
          goOffline();
          return;
        }
        // Any other 4xx cannot succeed on a retry: drop it and say why.
        dropFromOutbox(item.client_id);
        showError("An answer was refused: " + (body.error || "HTTP " + res.status));
      }
    } finally {
      state.flushing = false;
      renderUnsaved();
      if (state.queue.length < 3) fetchTasks();
    }
  }

  // -- tasks ----------------------------------------------------------------------------------

  function knownIds() {
    const ids = new Set(state.queue.map((t) => t.id));
    if (state.current) ids.add(state.current.id);
    for (const p of state.outbox) ids.add(p.example_id);
    for (const h of state.history.slice(-200)) ids.add(h.task.id);
    return ids;
  }

  async function fetchTasks() {
    if (state.fetching || state.exhausted || !state.config) return;
    state.fetching = true;
    try {
      const known = knownIds();
      const exclude = Array.from(known).slice(-1000).join(",");
      const q = "/api/tasks?n=10&session=" + encodeURIComponent(state.session) +
        "&exclude=" + exclude;
      const data = await api(q);
      const fresh = data.tasks.filter((t) => !known.has(t.id));
      tagModelVersion(fresh, data.progress);
      state.queue.push(...fresh);
      if (!data.tasks.length) state.exhausted = true;
      renderProgress(data.progress);
    } catch (err) {
      if (err.status === 401) showError("The server refused the token: open the URL nerkit annotate printed.");
      setTimeout(fetchTasks, 3000);
    } finally {
      state.fetching = false;
    }
    if (!state.current) advance();
  }

  function advance() {
    state.current = state.queue.shift() || null;
    state.spans = state.current ? state.current.spans.map((s) => Object.assign({}, s)) : [];
    state.editing = false;
    clearSelection();
    render();
    if (state.queue.length < 3) fetchTasks();
  }

  function answer(kind) {
    const task = state.current;
    if (!task) return;
    const teach = state.config.recipe === "teach";
    const spans = teach && !state.editing ? [task.suggestion] : state.spans;
    const payload = {
      client_id: uid(),
      example_id: task.id,
      session: state.session,
      answer: kind,
      spans: spans.map((s) => ({ start: s.start, end: s.end, label: s.label })),
    };
    if (teach) {
      payload.suggestion = { start: task.suggestion.start, end: task.suggestion.end, label: task.suggestion.label };
      const modelScore = "model_score" in task.suggestion ? task.suggestion.model_score : task.suggestion.score;
      if (typeof modelScore === "number") payload.score = modelScore; // the model's, as stored
      if (state.editing) payload.kind = "complete"; // the whole text, edited (key e)
    }
    state.outbox.push(payload);
    persist();
    state.history.push({ task: task, spans: state.spans.map((s) => Object.assign({}, s)), payload: payload, editing: state.editing });
    advance();
    flush();
  }

  function undo() {
    const last = state.history.pop();
    if (!last) return;
    // Not sent yet: take it back. Already saved: answering again stores a newer answer.
    if (state.inflight !== last.payload.client_id) dropFromOutbox(last.payload.client_id);
    if (state.current) state.queue.unshift(state.current);
    state.current = last.task;
    state.spans = last.spans;
    state.editing = !!last.editing;
    clearSelection();
    render();
  }

  // -- spans and selection ------------------------------------------------------------------

  function clearSelection() {
    state.sel = null;
    state.anchor = -1;
    state.cursor = -1;
  }

  // The first index in [0, n) where the monotone test ``ok`` holds (n if none).
  function lowerBound(n, ok) {
    let lo = 0, hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ok(mid)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  // The tokens a span covers, [first, last] (any token it overlaps), or [-1, -1].
  function tokenRange(toks, span) {
    const a = lowerBound(toks.length, (i) => toks[i][1] > span.start);
    const b = lowerBound(toks.length, (i) => toks[i][0] >= span.end) - 1;
    return a <= b ? [a, b] : [-1, -1];
  }

  function addSpan(label) {
    if (!state.sel || !editable()) return false;
    const toks = state.current.tokens;
    const start = toks[state.sel[0]][0], end = toks[state.sel[1]][1];
    state.spans = state.spans.filter((s) => s.end <= start || s.start >= end);
    state.spans.push({ start: start, end: end, label: label, source: "user" });
    state.spans.sort((x, y) => x.start - y.start);
    state.lastLabel = label;
    // The keyboard cursor stays after the new span, ready to go on from there.
    state.cursor = state.sel[1];
    state.anchor = state.cursor;
    state.sel = null;
    render();
    return true;
  }

  function pickLabel(label) {
    if (!addSpan(label)) {
      state.activeLabel = state.activeLabel === label ? null : label;
      renderLabels();
    }
  }

  function removeSpan(span) {
    const i = state.spans.indexOf(span);
    if (i >= 0) state.spans.splice(i, 1);
    render();
  }

  function onMouseSelect() {
    const sel = window.getSelection();
    if (!editable() || !state.current || !sel || sel.isCollapsed || !sel.rangeCount) return;
    const range = sel.getRangeAt(0);
    const box = $("text");
    if (!box.contains(range.commonAncestorContainer) || view.task !== state.current) return;
    // The tokens the range meets, found by binary search over the token elements (in
    // document order), not by testing each of them: a long text has tens of thousands.
    const toks = view.toks, n = toks.length;
    let a = lowerBound(n, (i) => range.comparePoint(toks[i], toks[i].childNodes.length) >= 0);
    let b = lowerBound(n, (i) => range.comparePoint(toks[i], 0) > 0) - 1;
    // A boundary that only touches a token (0 characters of it) does not select it.
    const sc = range.startContainer, ec = range.endContainer;
    if (a < n && toks[a].contains(sc) && sc.nodeType === Node.TEXT_NODE && range.startOffset >= sc.length) a++;
    if (b >= 0 && toks[b].contains(ec) && range.endOffset === 0) b--;
    sel.removeAllRanges();
    if (a > b) return;
    state.sel = [a, b];
    state.anchor = a;
    state.cursor = b;
    if (state.activeLabel) addSpan(state.activeLabel);
    else render();
  }

  function moveCursor(step, extend) {
    const n = state.current ? state.current.tokens.length : 0;
    if (!n) return;
    if (state.cursor < 0) {
      state.cursor = step > 0 ? 0 : n - 1;
      state.anchor = state.cursor;
    } else {
      state.cursor = Math.max(0, Math.min(n - 1, state.cursor + step));
      if (!extend) state.anchor = state.cursor;
    }
    state.sel = [Math.min(state.anchor, state.cursor), Math.max(state.anchor, state.cursor)];
    render();
  }

  // -- rendering ------------------------------------------------------------------------------

  // The text is one element per token (class "tok"), entities as <mark> around their
  // tokens. The main text is kept between renders: a selection or cursor move only changes
  // the classes of the tokens concerned, and a changed span rebuilds only the tokens from
  // the first to the last one the change touches, so a long text stays responsive.
  const view = { task: null, toks: [], spans: new Map(), sel: null, cursor: -1 };

  function spanKey(s) {
    return s.start + ":" + s.end + ":" + s.label + ":" + (s.source || "") + ":" + (s.score ?? "");
  }

  // owner[i]: the index in ``spans`` of the span over token i (-1: none); spans that would
  // overlap one placed before them are left out.
  function placeSpans(toks, spans) {
    const owner = new Int32Array(toks.length).fill(-1);
    const ranges = spans.map((s, k) => {
      const [a, b] = tokenRange(toks, s);
      for (let i = a; a >= 0 && i <= b; i++) if (owner[i] >= 0) return [-1, -1];
      for (let i = a; a >= 0 && i <= b; i++) owner[i] = k;
      return [a, b];
    });
    return { owner: owner, ranges: ranges };
  }

  // Nodes of tokens from..to (and the whitespace between them) into ``parent``.
  function buildTokens(parent, task, spans, placed, from, to, opts) {
    const text = task.text, toks = task.tokens, owner = placed.owner;
    let into = parent, open = -1;
    for (let i = from; i <= to; i++) {
      const k = owner[i];
      if (i > from && toks[i][0] > toks[i - 1][1]) {
        const gap = document.createTextNode(text.slice(toks[i - 1][1], toks[i][0]));
        (k >= 0 && k === open ? into : parent).appendChild(gap);
      }
      if (k >= 0 && k !== open) {
        const span = spans[k];
        const mark = el("mark", "ent src-" + (span.source || "user"));
        mark.style.setProperty("--c", labelColor(span.label));
        mark.dataset.label = span.label;
        if (opts.editable) mark.title = "click to remove";
        if (opts.marks) opts.marks.set(mark, span);
        parent.appendChild(mark);
        into = mark;
        open = k;
      }
      const tok = el("span", "tok", text.slice(toks[i][0], toks[i][1]));
      tok.dataset.i = i;
      if (opts.toks) opts.toks[i] = tok;
      into.appendChild(tok);
      if (open >= 0 && i === placed.ranges[open][1]) {
        const span = spans[open];
        const tag = el("span", "ent-label", span.label);
        if (typeof span.score === "number") tag.appendChild(el("span", "score", span.score.toFixed(2)));
        into.appendChild(tag);
        into = parent;
        open = -1;
      }
    }
  }

  // A whole text with its spans: the review versions, and the main text of a new task. With
  // ``opts.chunks`` the tokens go in blocks ("chunk") of at least CHUNK_TOKENS tokens, each
  // ending after a line break outside any span, so the text looks the same, and the browser
  // lays out and paints only the blocks on screen (content-visibility in style.css).
  const CHUNK_TOKENS = 40;

  function renderTokens(box, task, spans, opts) {
    const toks = task.tokens, text = task.text, n = toks.length;
    const placed = placeSpans(toks, spans), owner = placed.owner;
    const frag = document.createDocumentFragment();
    const head = n ? toks[0][0] : text.length;
    let parent = frag, from = 0;
    for (let i = 0; i < n; i++) {
      const last = i === n - 1;
      // A line break in the token (ours: a whitespace token) or in the gap after it.
      const cut = last || (opts.chunks && i - from + 1 >= CHUNK_TOKENS &&
        text.slice(toks[i][0], toks[i + 1][0]).includes("\n") &&
        (owner[i] < 0 || owner[i] !== owner[i + 1]));
      if (!cut) continue;
      if (opts.chunks) parent = frag.appendChild(el("div", "chunk"));
      if (from === 0 && head > 0) parent.appendChild(document.createTextNode(text.slice(0, head)));
      buildTokens(parent, task, spans, placed, from, i, opts);
      const gapEnd = last ? text.length : toks[i + 1][0];
      if (gapEnd > toks[i][1]) parent.appendChild(document.createTextNode(text.slice(toks[i][1], gapEnd)));
      from = i + 1;
    }
    if (!n && text) frag.appendChild(document.createTextNode(text));
    box.replaceChildren(frag);
  }

  // The node of the main text that token i sits in at the top (of its chunk): the token, or
  // the mark around it.
  function topNode(i) {
    const tok = view.toks[i];
    return tok.parentNode.tagName === "MARK" ? tok.parentNode : tok;
  }

  function renderText(task, spans) {
    const box = $("text"), toks = task.tokens;
    const keyed = new Map(spans.map((s) => [spanKey(s), s]));
    const rebuild = () => {
      view.task = task;
      view.toks = new Array(toks.length);
      view.marks = new WeakMap();
      view.sel = null;
      view.cursor = -1;
      renderTokens(box, task, spans, {
        editable: editable(), toks: view.toks, marks: view.marks, chunks: true,
      });
    };
    if (view.task !== task) {
      rebuild();
    } else {
      // The token range the changed spans (added or gone) cover, widened to whole spans.
      let a = toks.length, b = -1;
      const widen = (s) => {
        const [x, y] = tokenRange(toks, s);
        if (x >= 0) { a = Math.min(a, x); b = Math.max(b, y); }
      };
      for (const [k, s] of view.spans) if (!keyed.has(k)) widen(s);
      for (const [k, s] of keyed) if (!view.spans.has(k)) widen(s);
      if (b >= 0) {
        const placed = placeSpans(toks, spans);
        for (let grew = true; grew;) {
          grew = false;
          for (const i of [a, b]) {
            const mark = topNode(i);
            if (mark.tagName === "MARK") { // an old span: its tokens go too
              const all = mark.querySelectorAll(".tok");
              const first = Number(all[0].dataset.i), last = Number(all[all.length - 1].dataset.i);
              if (first < a || last > b) { a = Math.min(a, first); b = Math.max(b, last); grew = true; }
            }
            const k = placed.owner[i];
            if (k >= 0) { // a new span: all of its tokens
              const [x, y] = placed.ranges[k];
              if (x < a || y > b) { a = Math.min(a, x); b = Math.max(b, y); grew = true; }
            }
          }
        }
        const first = topNode(a), last = topNode(b);
        if (first.parentNode !== last.parentNode) {
          rebuild(); // a span across two chunks: chunks are cut again around it
        } else {
          const range = document.createRange();
          range.setStartBefore(first);
          range.setEndAfter(last);
          range.deleteContents();
          const frag = document.createDocumentFragment();
          buildTokens(frag, task, spans, placed, a, b, {
            editable: editable(), toks: view.toks, marks: view.marks,
          });
          range.insertNode(frag); // showSelection sets the rebuilt tokens' classes again
        }
      }
    }
    view.spans = keyed;
    showSelection();
  }

  // The selection and cursor classes, changed only on the tokens whose state changed.
  function showSelection() {
    const toks = view.toks, old = view.sel, sel = state.sel;
    if (old) for (let i = old[0]; i <= old[1]; i++) toks[i].classList.remove("sel");
    if (sel) for (let i = sel[0]; i <= sel[1]; i++) toks[i].classList.add("sel");
    if (view.cursor >= 0 && view.cursor < toks.length) toks[view.cursor].classList.remove("cursor");
    if (state.cursor >= 0 && state.cursor < toks.length) toks[state.cursor].classList.add("cursor");
    view.sel = sel ? sel.slice() : null;
    view.cursor = state.cursor;
  }

  function onTextClick(e) {
    const mark = e.target.closest && e.target.closest("mark.ent");
    if (!mark || !editable() || !view.marks) return;
    const sel = window.getSelection();
    if (sel && !sel.isCollapsed) return;
    const span = view.marks.get(mark);
    if (span) removeSpan(span);
  }

  function renderLabels() {
    const bar = $("labels");
    bar.replaceChildren();
    if (!state.config || !editable()) {
      bar.hidden = true;
      return;
    }
    bar.hidden = false;
    state.config.labels.forEach((label, i) => {
      const b = el("button", "label-btn");
      b.type = "button";
      b.style.setProperty("--c", labelColor(label));
      if (i < 9) b.appendChild(el("kbd", "", String(i + 1)));
      b.appendChild(el("span", "", label));
      const active = state.activeLabel === label;
      b.classList.toggle("active", active);
      b.setAttribute("aria-pressed", active ? "true" : "false");
      if (active) b.title = "every selection gets " + label + " (click or Esc to stop)";
      b.addEventListener("mousedown", (e) => e.preventDefault()); // keep the token selection
      b.addEventListener("click", () => pickLabel(label));
      bar.appendChild(b);
    });
  }

  let versionsOf = null;

  function renderVersions(task) {
    if (versionsOf === task) return; // drawn once per task, not on every selection
    versionsOf = task;
    const box = $("versions");
    box.replaceChildren();
    const versions = task.versions || [];
    box.hidden = state.config.recipe !== "review";
    if (box.hidden) return;
    versions.forEach((v) => {
      const row = el("div", "version");
      const head = el("div", "version-head");
      head.appendChild(el("b", "", v.session));
      head.appendChild(el("span", "answer answer-" + v.answer, v.answer));
      const use = el("button", "use", "Use this version");
      use.type = "button";
      use.addEventListener("click", () => {
        state.spans = v.spans.map((s) => Object.assign({ source: "review" }, s));
        render();
      });
      head.appendChild(use);
      row.appendChild(head);
      const body = el("div", "text small");
      renderTokens(body, task, v.spans, { editable: false });
      row.appendChild(body);
      box.appendChild(row);
    });
    box.appendChild(el("div", "final-title", "Final version (edit below, then accept):"));
  }

  function renderProgress(p) {
    if (!p) return;
    const pct = p.total ? Math.round((100 * p.done) / p.total) : 0;
    $("bar-fill").style.width = pct + "%";
    $("progress-text").textContent = p.done + " / " + p.total;
    $("session-count").textContent = String(p.session_count);
    renderModel(p.model);
  }

  function renderUnsaved() {
    const n = state.outbox.length;
    $("unsaved").hidden = n === 0;
    $("unsaved-count").textContent = String(n);
    $("offline").hidden = !(state.offline && n > 0);
    $("offline-count").textContent = String(n);
  }

  function render() {
    renderLabels();
    const task = state.current;
    $("done").hidden = !!task || (!state.exhausted && state.fetching);
    $("card").hidden = !task;
    const prompt = $("prompt");
    prompt.replaceChildren();
    prompt.hidden = true;
    if (!task) {
      $("versions").hidden = true;
      versionsOf = null;
      return;
    }
    renderVersions(task);
    if (teachEditing()) {
      renderEditPrompt(prompt);
    } else if (state.config.recipe === "teach" && task.suggestion) {
      prompt.hidden = false;
      prompt.appendChild(document.createTextNode("Is this a "));
      const lab = el("b", "", task.suggestion.label);
      prompt.appendChild(lab);
      prompt.appendChild(document.createTextNode("?"));
      if (typeof task.suggestion.score === "number") {
        prompt.appendChild(el("span", "score", scoreText(task.suggestion)));
      }
    }
    const spans = state.config.recipe === "teach" && !teachEditing() ? [task.suggestion] : state.spans;
    renderText(task, spans);
    const meta = $("meta");
    meta.replaceChildren();
    Object.entries(task.meta || {}).forEach(([k, v]) => {
      const item = el("span", "meta-item");
      item.appendChild(el("b", "", k));
      item.appendChild(document.createTextNode(" " + (typeof v === "string" ? v : JSON.stringify(v))));
      meta.appendChild(item);
    });
  }

  // -- teach: edit the whole text (key e) ---------------------------------------------------

  function teachEditing() {
    return !!(state.config && state.config.recipe === "teach" && state.editing);
  }

  // e: the text in the manual editor with the suggestion pre-filled; accepting stores a
  // complete answer (all the text's entities). e again: back to the yes/no question.
  function toggleEdit() {
    if (!state.current || state.config.recipe !== "teach") return;
    state.editing = !state.editing;
    state.spans = state.current.spans.map((s) => Object.assign({}, s));
    clearSelection();
    for (const node of document.querySelectorAll(".edit-keys")) node.hidden = !editable();
    $("edit").classList.toggle("active", state.editing);
    view.task = null; // drawn anew: editable now, or not
    render();
  }

  // The teach score, and what moved it from the model's: earlier answers about the phrase.
  function scoreText(s) {
    if (!s.answered) return "model score " + s.score.toFixed(2);
    const said = [];
    if (s.answered.accept) said.push(s.answered.accept + " accepted");
    if (s.answered.reject) said.push(s.answered.reject + " rejected");
    return "score " + s.score.toFixed(2) + " (model " + s.model_score.toFixed(2) +
      "; this phrase before: " + said.join(", ") + ")";
  }

  function renderEditPrompt(prompt) {
    prompt.hidden = false;
    prompt.appendChild(document.createTextNode("Mark every entity of this text, then accept "));
    prompt.appendChild(el("kbd", "", "a"));
    prompt.appendChild(document.createTextNode(" (stored as a complete answer) \u00b7 "));
    prompt.appendChild(el("kbd", "", "e"));
    prompt.appendChild(document.createTextNode(" back to the question"));
  }

  // -- the model in use (--retrain-every) -------------------------------------------------------

  function tagModelVersion(tasks, progress) {
    const v = progress && progress.model ? progress.model.version : null;
    for (const t of tasks) t.modelVersion = v;
  }

  // The model's version and dev F1; when a retrained model comes in, the queued tasks of the
  // old one are dropped and fetched again (the text on screen stays as it is).
  function renderModel(info) {
    const box = $("model-info");
    box.hidden = !info;
    if (!info) return;
    const f1 = typeof info.dev_f1 === "number"
      ? "dev F1 " + info.dev_f1.toFixed(3) + (info.dev_texts ? " on " + info.dev_texts + " texts" : "")
      : "dev F1 not measured yet";
    $("model-version").textContent = "model " + info.name + " \u00b7 " + f1;
    box.title = "The model in use and its F1 on the dev texts (complete answers), measured at the last retraining";
    $("model-status").textContent = info.retrain ? info.retrain.message : "";
    const changed = state.modelVersion !== null && info.version !== state.modelVersion;
    state.modelVersion = info.version;
    if (changed) {
      state.queue = state.queue.filter((t) => t.modelVersion === info.version);
      state.exhausted = false;
      setTimeout(fetchTasks, 0);
    }
    // While a model trains, ask how it went now and then (answers also bring the news).
    clearTimeout(state.modelTimer);
    if (info.retrain && info.retrain.running !== null) state.modelTimer = setTimeout(pollModel, 3000);
  }

  async function pollModel() {
    try {
      renderProgress(await api("/api/progress?session=" + encodeURIComponent(state.session)));
    } catch (_) {
      state.modelTimer = setTimeout(pollModel, 10000);
    }
  }

  // -- input ----------------------------------------------------------------------------------

  function onKey(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA")) return;
    const k = e.key;
    let handled = true;
    if (editable() && state.current && (k === "ArrowRight" || k === "ArrowLeft")) {
      moveCursor(k === "ArrowRight" ? 1 : -1, e.shiftKey);
    } else if (editable() && /^[1-9]$/.test(k)) {
      const label = state.config.labels[Number(k) - 1];
      if (label) pickLabel(label);
    } else if (editable() && k === "Enter") {
      const label = state.activeLabel || state.lastLabel || state.config.labels[0];
      addSpan(label);
    } else if (k === "Escape") {
      clearSelection();
      state.activeLabel = null;
      render();
    } else if (k === "a") answer("accept");
    else if (k === "x") answer("reject");
    else if (k === " " || k === "i") answer("ignore");
    else if (k === "z" || k === "Backspace") undo();
    else if (k === "e" && state.config && state.config.recipe === "teach") toggleEdit();
    else handled = false;
    if (handled) e.preventDefault();
  }

  function setup() {
    loadOutbox();
    renderUnsaved();
    $("text").addEventListener("mouseup", () => setTimeout(onMouseSelect, 0));
    $("text").addEventListener("touchend", () => setTimeout(onMouseSelect, 0));
    $("text").addEventListener("click", onTextClick);
    document.addEventListener("keydown", onKey);
    $("accept").addEventListener("click", () => answer("accept"));
    $("reject").addEventListener("click", () => answer("reject"));
    $("ignore").addEventListener("click", () => answer("ignore"));
    $("undo").addEventListener("click", undo);
    $("edit").addEventListener("click", toggleEdit);
    $("retry").addEventListener("click", () => { state.retryDelay = 500; flush(); });
    window.addEventListener("online", flush);
    init();
  }

  async function init() {
    try {
      state.config = await api("/api/config?session=" + encodeURIComponent(wantedSession));
    } catch (err) {
      showError(err.status === 401
        ? "The server refused the token: open the URL nerkit annotate printed."
        : "Cannot reach the server; retrying.");
      setTimeout(init, 3000);
      return;
    }
    state.session = state.config.session;
    $("recipe").textContent = state.config.recipe;
    $("dataset").textContent = state.config.dataset;
    $("session").textContent = state.config.answer_session;
    document.body.dataset.recipe = state.config.recipe;
    for (const node of document.querySelectorAll(".edit-keys")) node.hidden = !editable();
    for (const node of document.querySelectorAll(".teach-only")) node.hidden = state.config.recipe !== "teach";
    render();
    flush();
    fetchTasks();
  }

  setup();
})();
