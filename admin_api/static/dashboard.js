// The staff dashboard: a thin client of /api/v1. The key lives in sessionStorage (this tab
// only); every text from the server is inserted with textContent, never as HTML.
"use strict";

const API = "/api/v1";
const $ = (id) => document.getElementById(id);
let entries = [];
let editing = null; // {entry, etag}

function key() { return sessionStorage.getItem("im-key"); }

async function api(path, options = {}) {
  const headers = { Authorization: `Bearer ${key()}`, ...(options.headers || {}) };
  const res = await fetch(API + path, { ...options, headers });
  const body = res.headers.get("content-type")?.includes("json") ? await res.json() : null;
  if (!res.ok) {
    const err = new Error(body?.error?.message || `HTTP ${res.status}`);
    err.status = res.status;
    err.problems = body?.error?.details?.problems || [];
    throw err;
  }
  return { body, etag: res.headers.get("ETag") };
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text ?? "";
  row.appendChild(td);
  return td;
}

function button(label, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.addEventListener("click", onClick);
  return b;
}

function showError(section, err) {
  const tbody = section.querySelector("tbody") || section.querySelector(".cards");
  const msg = err.status === 403 ? "Your key's role cannot see this." : err.message;
  tbody.replaceChildren();
  const p = document.createElement("p");
  p.className = "error";
  p.textContent = msg;
  tbody.appendChild(p);
  if (err.status === 401) logout();
}

async function loadSummary() {
  const { body } = await api("/stats/summary");
  const cards = [["Questions", body.questions], ["Answered", body.answered],
    ["Suggested", body.suggested], ["Unmatched", body.unmatched],
    ["Answer rate", `${Math.round(body.answer_rate * 100)}%`],
    ["People", body.distinct_users], ["👍", body.feedback_up], ["👎", body.feedback_down]];
  $("summary").replaceChildren(...cards.map(([label, value]) => {
    const div = document.createElement("div");
    div.className = "card";
    const b = document.createElement("b");
    b.textContent = value;
    div.append(b, label);
    return div;
  }));
}

async function loadTop() {
  const { body } = await api("/stats/entries?limit=10");
  $("top").replaceChildren(...body.entries.map((e) => {
    const tr = document.createElement("tr");
    cell(tr, e.question ? `${e.id}: ${e.question}` : e.id);
    cell(tr, e.answers); cell(tr, e.up); cell(tr, e.down);
    return tr;
  }));
}

async function loadInbox() {
  const { body } = await api("/inbox");
  $("inbox").replaceChildren(...body.clusters.slice(0, 20).map((c) => {
    const tr = document.createElement("tr");
    cell(tr, c.count);
    cell(tr, c.examples.join(" · "));
    const best = c.candidates[0];
    cell(tr, best ? `${best.id} (${best.score})` : "none");
    const actions = cell(tr, "");
    if (best) {
      actions.appendChild(button(`Add to ${best.id}`, () => inboxAction(c, "attach", best.id)));
    }
    actions.appendChild(button("Dismiss", () => inboxAction(c, "dismiss")));
    return tr;
  }));
}

async function inboxAction(cluster, action, entryId) {
  const options = { method: "POST", headers: { "Content-Type": "application/json" } };
  if (action === "attach") options.body = JSON.stringify({ entry: entryId });
  try {
    await api(`/inbox/${encodeURIComponent(cluster.id)}/${action}`, options);
    $("status").textContent = action === "attach"
      ? `Added the wordings to ${entryId}.` : "Dismissed.";
  } catch (err) {
    $("status").textContent = err.message;
  }
  loadInbox().catch((err) => showError($("inbox-section"), err));
}

async function loadEntries() {
  const q = $("search").value.trim();
  const { body } = await api(`/faq?limit=200${q ? `&q=${encodeURIComponent(q)}` : ""}`);
  entries = body.items;
  $("entries").replaceChildren(...entries.map((e) => {
    const tr = document.createElement("tr");
    cell(tr, e.id); cell(tr, e.status); cell(tr, e.version);
    const first = e.translations.es || Object.values(e.translations)[0];
    cell(tr, first ? first.question : "");
    cell(tr, "").appendChild(button("Edit answer", () => openEditor(e.id)));
    return tr;
  }));
}

async function openEditor(id) {
  const { body, etag } = await api(`/faq/${encodeURIComponent(id)}`);
  editing = { entry: body, etag };
  $("edit-id").textContent = body.id;
  $("edit-version").textContent = body.version;
  $("edit-lang").replaceChildren(...Object.keys(body.translations).map((lang) => {
    const o = document.createElement("option");
    o.value = lang; o.textContent = lang;
    return o;
  }));
  $("edit-answer").value = body.translations[$("edit-lang").value].answer;
  $("edit-result").textContent = "";
  $("editor").hidden = false;
  $("editor").scrollIntoView();
}

async function saveAnswer() {
  const entry = structuredClone(editing.entry);
  entry.translations[$("edit-lang").value].answer = $("edit-answer").value;
  const result = $("edit-result");
  try {
    const { body, etag } = await api(`/faq/${encodeURIComponent(entry.id)}`, {
      method: "PUT",
      headers: { "Content-Type": "application/json", "If-Match": editing.etag },
      body: JSON.stringify(entry),
    });
    editing = { entry: body, etag };
    $("edit-version").textContent = body.version;
    result.className = "ok";
    result.textContent = `Saved as version ${body.version}. The bots answer with it now.`;
    loadEntries();
  } catch (err) {
    result.className = "error";
    const details = err.problems.map((p) => `${p.field}: ${p.message}`).join("; ");
    result.textContent = details ? `${err.message} (${details})` : err.message;
  }
}

function loadAll() {
  const parts = [[loadSummary, "summary-section"], [loadTop, "top-section"],
    [loadInbox, "inbox-section"], [loadEntries, "entries-section"]];
  for (const [load, section] of parts) load().catch((err) => showError($(section), err));
}

function logout() {
  sessionStorage.removeItem("im-key");
  $("main").hidden = true;
  $("login").hidden = false;
  $("logout").hidden = true;
}

function start() {
  $("login").hidden = true;
  $("main").hidden = false;
  $("logout").hidden = false;
  loadAll();
}

document.addEventListener("DOMContentLoaded", () => {
  $("login").addEventListener("submit", (ev) => {
    ev.preventDefault();
    sessionStorage.setItem("im-key", $("key").value.trim());
    $("key").value = "";
    start();
  });
  $("logout").addEventListener("click", logout);
  $("edit-save").addEventListener("click", saveAnswer);
  $("edit-cancel").addEventListener("click", () => { $("editor").hidden = true; });
  $("edit-lang").addEventListener("change", () => {
    $("edit-answer").value = editing.entry.translations[$("edit-lang").value].answer;
  });
  let timer;
  $("search").addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => loadEntries().catch((err) => showError($("entries-section"), err)), 250);
  });
  if (key()) start();
});
