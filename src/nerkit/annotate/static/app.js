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
  const COLORS = ["#f4a261", "#7ec4cf", "#b5d99c", "#e9a6c9", "#f6d365",
    "#a8b8f0", "#f28f8f", "#9ad1b9", "#d4b3f2"];

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

  function labelColor(label) {
    const labels = (state.config && state.config.labels) || [];
    const i = labels.indexOf(label);
    return COLORS[(i < 0 ? labels.length : i) % COLORS.length];
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

  function tokenRangeOf(span) {
    const toks = state.current.tokens;
    let a = -1, b = -1;
    for (let i = 0; i < toks.length; i++) {
      if (toks[i][1] > span.start && toks[i][0] < span.end) {
        if (a < 0) a = i;
        b = i;
      }
    }
    return [a, b];
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

  function removeSpan(index) {
    state.spans.splice(index, 1);
    render();
  }

  function onMouseSelect() {
    const sel = window.getSelection();
    if (!editable() || !state.current || !sel || sel.isCollapsed || !sel.rangeCount) return;
    const range = sel.getRangeAt(0);
    const box = $("text");
    if (!box.contains(range.commonAncestorContainer)) return;
    const hit = Array.from(box.querySelectorAll(".tok")).filter((t) => range.intersectsNode(t));
    // A boundary that only touches a token (0 characters of it) does not select it.
    if (hit.length) {
      const first = hit[0], sc = range.startContainer;
      if (first.contains(sc) && sc.nodeType === Node.TEXT_NODE && range.startOffset >= sc.length) hit.shift();
    }
    if (hit.length) {
      const last = hit[hit.length - 1], ec = range.endContainer;
      if ((last.contains(ec) || ec === last) && range.endOffset === 0) hit.pop();
    }
    sel.removeAllRanges();
    if (!hit.length) return;
    state.sel = [Number(hit[0].dataset.i), Number(hit[hit.length - 1].dataset.i)];
    state.anchor = state.sel[0];
    state.cursor = state.sel[1];
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

  function renderTokens(box, task, spans, opts) {
    box.replaceChildren();
    const text = task.text, toks = task.tokens;
    const starts = new Map();
    spans.forEach((s, idx) => {
      const [a, b] = tokenRangeOf.call(null, s);
      if (a >= 0) starts.set(a, { span: s, idx: idx, last: b });
    });
    let pos = 0, parent = box, open = null;
    for (let i = 0; i < toks.length; i++) {
      const [s, e] = toks[i];
      const entity = open ? null : starts.get(i);
      if (s > pos) parent.appendChild(document.createTextNode(text.slice(pos, s)));
      if (entity) {
        const mark = el("mark", "ent src-" + (entity.span.source || "user"));
        mark.style.setProperty("--c", labelColor(entity.span.label));
        mark.dataset.label = entity.span.label;
        if (opts.editable) {
          mark.title = "click to remove";
          mark.addEventListener("click", () => {
            const sel = window.getSelection();
            if (sel && !sel.isCollapsed) return;
            removeSpan(entity.idx);
          });
        }
        box.appendChild(mark);
        parent = mark;
        open = entity;
      }
      const tok = el("span", "tok", text.slice(s, e));
      tok.dataset.i = String(i);
      tok.dataset.start = String(s);
      tok.dataset.end = String(e);
      if (opts.sel && i >= opts.sel[0] && i <= opts.sel[1]) tok.classList.add("sel");
      if (opts.cursor === i) tok.classList.add("cursor");
      parent.appendChild(tok);
      pos = e;
      if (open && i === open.last) {
        const tag = el("span", "ent-label", open.span.label);
        if (typeof open.span.score === "number") tag.appendChild(el("span", "score", open.span.score.toFixed(2)));
        parent.appendChild(tag);
        parent = box;
        open = null;
      }
    }
    if (pos < text.length) box.appendChild(document.createTextNode(text.slice(pos)));
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
      if (state.activeLabel === label) b.classList.add("active");
      b.addEventListener("mousedown", (e) => e.preventDefault()); // keep the token selection
      b.addEventListener("click", () => pickLabel(label));
      bar.appendChild(b);
    });
  }

  function renderVersions(task) {
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
    renderTokens($("text"), task, spans, {
      editable: editable(), sel: state.sel, cursor: state.cursor,
    });
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
