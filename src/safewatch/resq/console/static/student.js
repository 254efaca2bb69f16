// The student's page: SOS at a beacon, then the incident's status and the chat with security.
import { api, Chat, h, live, say, showUser, signIn } from "./common.js";

const $ = (id) => document.getElementById(id);
const chat = new Chat($("chat"));
const HELP = {
  CREATED: "Security has been alerted and a guard is being found.",
  ASSIGNED: "A guard is on the way.",
  RESOLVED: "This request is closed.",
  CANCELLED: "This request was cancelled.",
};
let current = null;

async function refresh() {
  const page = await api("/api/incidents/?limit=1");
  const latest = page.items[0];
  current = latest ? await api(`/api/incidents/${latest.id}/`) : null;
  $("mine").hidden = !current;
  if (!current) return;
  $("m-priority").textContent = current.priority;
  $("m-priority").className = `priority ${current.priority}`;
  $("m-status").textContent = current.status;
  $("m-location").textContent = current.location_name;
  const arrived = current.assignment?.arrived_at;
  $("m-help").textContent = current.assignment
    ? `${current.assignment.guard} ${arrived ? "is with you." : "accepted and is on the way."}`
    : HELP[current.status];
  await chat.show(current.id);
}

$("sos-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const fields = new FormData(event.target);
  try {
    const answer = await api("/api/sos/", { method: "POST", body: { beacon_id: fields.get("beacon_id"), text: fields.get("text") } });
    say($("sos-status"), `Help requested at ${answer.beacon_location}.`, "ok");
    await refresh();
  } catch (error) {
    say($("sos-status"), error.message, "error");
  }
});

const user = await signIn(["student"]);
showUser(user);
$("console").hidden = false;
const beacons = await api("/api/beacons/");
$("beacon").replaceChildren(...beacons.map((b) => h("option", { value: b.beacon_id }, b.location_name)));
await refresh();
live((event) => {
  if (event.type === "message.created") chat.onEvent(event);
  else refresh();
}, refresh);
