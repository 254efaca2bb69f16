// The dispatcher console: open incidents by priority, the campus map, one incident in detail.
import { api, Chat, clock, h, live, say, showUser, signIn } from "./common.js";
import { drawCampus } from "./campus.js";

const RANK = { Critical: 0, High: 1, Medium: 2, Low: 3 };
const state = { beacons: [], guards: [], incidents: [], selected: null, detail: null };
const chat = new Chat(document.getElementById("chat"));
const $ = (id) => document.getElementById(id);

async function loadIncidents() {
  const pages = await Promise.all(
    ["CREATED", "ASSIGNED"].map((status) => api(`/api/incidents/?status=${status}&limit=100`)),
  );
  state.incidents = pages.flatMap((page) => page.items).sort(
    (a, b) => RANK[a.priority] - RANK[b.priority] || b.created_at.localeCompare(a.created_at),
  );
  renderList();
}

function renderList() {
  const count = state.incidents.length;
  $("open-count").textContent = count ? `${count} open` : "No open incidents.";
  $("incidents").replaceChildren(
    ...state.incidents.map((incident) =>
      h("li", {},
        h("button", {
          type: "button",
          "data-incident-id": incident.id,
          "aria-pressed": String(incident.id === state.selected),
          onclick: () => select(incident.id),
        },
        h("span", {}, h("span", { class: `priority ${incident.priority}` }, incident.priority), " ",
          h("span", { class: "status" }, incident.status)),
        h("strong", {}, incident.location_name),
        h("span", { class: "muted" }, `opened ${clock(incident.created_at)}`))),
    ),
  );
}

async function select(incidentId) {
  state.selected = incidentId;
  renderList();
  await loadDetail();
  $("detail").querySelector("h3")?.scrollIntoView({ block: "nearest" });
}

async function loadDetail() {
  if (!state.selected) return;
  try {
    state.detail = await api(`/api/incidents/${state.selected}/`);
  } catch (error) {
    state.detail = null;
    say($("action-status"), error.message, "error");
  }
  renderDetail();
  await chat.show(state.detail ? state.selected : null);
}

function renderDetail() {
  const d = state.detail;
  $("detail").hidden = !d;
  $("detail-empty").hidden = Boolean(d);
  drawMap();
  if (!d) return;
  $("d-priority").textContent = d.priority;
  $("d-priority").className = `priority ${d.priority}`;
  $("d-status").textContent = d.status;
  $("d-location").textContent = d.location_name;
  $("d-where").textContent = `(${d.building}, floor ${d.floor})`;
  $("d-assignment").textContent = d.assignment
    ? `Accepted by ${d.assignment.guard} at ${clock(d.assignment.assigned_at)}` +
      (d.assignment.arrived_at ? `, on scene at ${clock(d.assignment.arrived_at)}` : ", on the way")
    : "Nobody has accepted yet.";
  $("d-alerts").replaceChildren(
    ...d.alerts.map((a) =>
      h("tr", {}, h("td", {}, a.priority_rank), h("td", {}, a.guard), h("td", {}, a.status),
        h("td", {}, a.distance_m === null ? "" : `${Math.round(a.distance_m)} m`))),
  );
  $("d-signals").replaceChildren(
    ...d.signals.map((s) =>
      h("li", {}, `${clock(s.created_at)} ${s.signal_type} ${s.confidence === null ? "" : `(${Math.round(s.confidence * 100)}%)`} ${s.description || ""}`)),
  );
  $("d-signals-more").textContent = d.signal_count > d.signals.length
    ? `The latest ${d.signals.length} of ${d.signal_count} signals.` : "";
  $("d-timeline").replaceChildren(
    ...d.timeline.map((e) =>
      h("li", {}, h("time", { datetime: e.at }, clock(e.at)), ` ${e.kind}`,
        e.actor ? ` by ${e.actor}` : "", e.reason ? `: ${e.reason}` : "")),
  );
  const open = d.status === "CREATED" || d.status === "ASSIGNED";
  for (const form of [$("resolve-form"), $("cancel-form")]) form.hidden = !open;
}

function drawMap() {
  $("map").replaceChildren(drawCampus(state.beacons, state.guards, state.incidents, state.detail));
}

async function act(path, body, done) {
  try {
    await api(`/api/incidents/${state.selected}/${path}/`, { method: "POST", body });
    say($("action-status"), done, "ok");
    await refresh();
  } catch (error) {
    say($("action-status"), error.message, "error");
  }
}

$("resolve-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const fields = new FormData(event.target);
  act("resolve", { resolution_code: fields.get("resolution_code"), notes: fields.get("notes") }, "Resolved.");
});
$("cancel-form").addEventListener("submit", (event) => {
  event.preventDefault();
  act("cancel", { reason: new FormData(event.target).get("reason") }, "Cancelled.");
});

let pending = null;
function refreshSoon() {
  clearTimeout(pending);
  pending = setTimeout(refresh, 150);
}

async function refresh() {
  [state.guards] = await Promise.all([api("/api/guards/"), loadIncidents()]);
  await loadDetail();
  drawMap();
}

const user = await signIn(["dispatcher"]);
showUser(user);
$("console").hidden = false;
state.beacons = await api("/api/beacons/");
await refresh();
live((event) => {
  if (event.type === "message.created") chat.onEvent(event);
  else refreshSoon();
}, refreshSoon);
// Guards move without events: their positions are re-read every 15 s.
setInterval(refreshSoon, 15000);
