// The guard's phone page: duty and position, the incoming alert, the incident I accepted.
import { api, Chat, clock, h, live, say, showUser, signIn } from "./common.js";

const $ = (id) => document.getElementById(id);
const chat = new Chat($("chat"));
const state = { incoming: null, mine: null, seenAlerts: new Set() };

// A short two-tone chime and a buzz: browsers allow sound only after the user has interacted.
function ring() {
  navigator.vibrate?.([300, 120, 300]);
  try {
    const audio = new AudioContext();
    [880, 660].forEach((pitch, i) => {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = pitch;
      gain.gain.value = 0.2;
      tone.connect(gain).connect(audio.destination);
      tone.start(audio.currentTime + i * 0.25);
      tone.stop(audio.currentTime + i * 0.25 + 0.2);
    });
  } catch {
    // No audio device: the vibration and the card are enough.
  }
}

async function loadDuty() {
  const [beacons, me] = await Promise.all([api("/api/beacons/"), api("/api/guards/me/")]);
  $("beacon").replaceChildren(
    h("option", { value: "" }, "Unknown"),
    ...beacons.map((b) => h("option", { value: b.beacon_id, selected: b.beacon_id === me.current_beacon_id }, b.location_name)),
  );
  $("on-duty").value = String(me.on_duty);
}

$("duty-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const me = await api("/api/guards/me/", {
      method: "PATCH",
      body: { on_duty: $("on-duty").value === "true", current_beacon_id: $("beacon").value || null },
    });
    say($("duty-status"), `${me.on_duty ? "On duty" : "Off duty"}${me.location_name ? ` at ${me.location_name}` : ""}.`, "ok");
  } catch (error) {
    say($("duty-status"), error.message, "error");
  }
});

async function refresh() {
  const alerts = await api("/api/alerts/");
  const fresh = alerts.filter((a) => a.status === "SENT" && !state.seenAlerts.has(a.id));
  if (fresh.length && state.seenAlerts.size) ring();
  alerts.forEach((a) => state.seenAlerts.add(a.id));
  state.incoming = alerts.find((a) => a.status === "SENT") || null;
  const accepted = alerts.find((a) => a.status === "ACKNOWLEDGED" && a.incident.status === "ASSIGNED");
  state.mine = accepted ? await api(`/api/incidents/${accepted.incident.id}/`) : null;
  render(alerts);
  await chat.show(state.mine ? state.mine.id : null);
}

function render(alerts) {
  const incoming = state.incoming;
  $("incoming").hidden = !incoming;
  if (incoming) {
    $("in-priority").textContent = incoming.incident.priority;
    $("in-priority").className = `priority ${incoming.incident.priority}`;
    $("in-location").textContent = `${incoming.incident.location_name} (${incoming.incident.building}, floor ${incoming.incident.floor})`;
    $("in-rank").textContent = `You are guard #${incoming.priority_rank} for this incident; alerted ${clock(incoming.created_at)}.`;
  }
  const mine = state.mine;
  $("mine").hidden = !mine;
  if (mine) {
    $("m-priority").textContent = mine.priority;
    $("m-priority").className = `priority ${mine.priority}`;
    $("m-status").textContent = mine.assignment?.arrived_at ? "ON SCENE" : mine.status;
    $("m-location").textContent = mine.location_name;
    $("m-where").textContent = `(${mine.building}, floor ${mine.floor})`;
    $("m-signals").replaceChildren(...mine.signals.map((s) => h("li", {}, `${clock(s.created_at)} ${s.signal_type} ${s.description || ""}`)));
    $("arrived").disabled = Boolean(mine.assignment?.arrived_at);
  }
  $("alerts").replaceChildren(
    ...alerts.map((a) => h("li", {}, `${clock(a.created_at)} ${a.incident.priority} at ${a.incident.location_name}: ${a.status}`)),
  );
}

async function act(path, body, done) {
  try {
    await api(path, { method: "POST", body });
    say($("action-status"), done, "ok");
  } catch (error) {
    say($("action-status"), error.message, "error");
  }
  await refresh();
}

$("accept").addEventListener("click", () => act(`/api/alerts/${state.incoming.id}/acknowledge/`, undefined, "Accepted: it is yours."));
$("decline").addEventListener("click", () => act(`/api/alerts/${state.incoming.id}/decline/`, undefined, "Declined: passed to the next guard."));
$("arrived").addEventListener("click", () => act(`/api/incidents/${state.mine.id}/arrived/`, undefined, "On scene."));
$("resolve-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const fields = new FormData(event.target);
  act(`/api/incidents/${state.mine.id}/resolve/`, { resolution_code: fields.get("resolution_code"), notes: fields.get("notes") }, "Resolved. Thank you.");
});

const user = await signIn(["guard"]);
showUser(user);
$("console").hidden = false;
await loadDuty();
await refresh();
live((event) => {
  if (event.type === "message.created") chat.onEvent(event);
  else refresh();
}, refresh);
