// Halo's page: report, see the classification, and the incidents and patterns around the place.
/* global L */
const $ = (id) => document.getElementById(id);
const SEVERITY_COLOURS = { 1: "#2e6b30", 2: "#2e6b30", 3: "#8a6d00", 4: "#c25400", 5: "#b3261e" };
const RADIUS_KM = 5;

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children.flat()) node.append(child instanceof Node ? child : document.createTextNode(String(child ?? "")));
  return node;
}

// Error envelopes: {"error": {"message"}}; validation details name the field to fix.
async function api(path, options = {}) {
  const response = await fetch(path, { headers: { Accept: "application/json", ...(options.body ? { "Content-Type": "application/json" } : {}) }, ...options });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = data.error || {};
    const details = Array.isArray(error.details) ? error.details.map((d) => d.message || d.msg).filter(Boolean).join("; ") : "";
    throw new Error(details || error.message || `${response.status} ${response.statusText}`);
  }
  return data;
}

const config = await api("/web/config");
const map = L.map("map").setView([config.latitude, config.longitude], 13);
if (config.tiles_url) {
  L.tileLayer(config.tiles_url, { attribution: config.tiles_attribution, maxZoom: 19 }).addTo(map);
} else {
  $("map-note").textContent = "No map tiles configured (HALO_MAP_TILES_URL): incidents and patterns are drawn on a plain background.";
}
const incidents = L.layerGroup().addTo(map);
const patterns = L.layerGroup().addTo(map);
let marker = null;

function place(lat, lon, pan = false) {
  $("latitude").value = lat.toFixed(5);
  $("longitude").value = lon.toFixed(5);
  if (marker) marker.setLatLng([lat, lon]);
  else marker = L.circleMarker([lat, lon], { radius: 9, color: "#0b57d0", weight: 3, fillOpacity: 0.1 }).addTo(map);
  if (pan) map.setView([lat, lon]);
  refreshNearby(lat, lon);
}

map.on("click", (event) => place(event.latlng.lat, event.latlng.lng));
$("locate").addEventListener("click", () => {
  navigator.geolocation?.getCurrentPosition(
    (position) => place(position.coords.latitude, position.coords.longitude, true),
    (error) => { $("report-status").textContent = `Location unavailable: ${error.message}`; },
  );
});

$("report").addEventListener("submit", async (event) => {
  event.preventDefault();
  const status = $("report-status");
  status.textContent = "Sending…";
  status.dataset.kind = "info";
  try {
    const incident = await api("/api/v1/incidents", {
      method: "POST",
      body: JSON.stringify({
        description: $("description").value,
        latitude: Number($("latitude").value),
        longitude: Number($("longitude").value),
      }),
    });
    status.textContent = "Thank you: your report is stored.";
    showClassification(incident);
    refreshNearby(incident.latitude, incident.longitude);
  } catch (error) {
    status.textContent = error.message;
    status.dataset.kind = "error";
  }
});

function showClassification(incident) {
  const atlas = incident.atlas_classification?.classification || incident.atlas_classification || {};
  $("result").hidden = false;
  $("r-category").textContent = incident.category.replace("_", " ");
  $("r-subcategory").textContent = atlas.threat_subcategory ? `(${atlas.threat_subcategory.replaceAll("_", " ")})` : "";
  $("r-severity-meter").value = incident.severity;
  $("r-severity").textContent = `${incident.severity} of 5`;
  $("r-confidence").textContent = `${Math.round(incident.confidence * 100)}%`;
  const source = incident.classification_source;
  $("r-source").replaceChildren(
    h("span", { class: `badge ${source}` }, source === "atlas" ? "Atlas" : "Halo fallback"),
    source === "atlas" ? "" : ` (${FALLBACK_REASONS[incident.fallback_reason] || "not classified by Atlas"})`,
  );
  $("r-polisen").textContent = atlas.product_mappings?.polisen_type || "—";
}

// Only atlas_unavailable is synced later: the page promises nothing else.
const FALLBACK_REASONS = {
  atlas_unavailable: "Atlas unavailable: it will be classified again when Atlas is back",
  atlas_not_configured: "this Halo is not connected to Atlas",
  atlas_rejected: "Atlas refused Halo's request",
  rollout: "not sent to Atlas",
};

async function refreshNearby(lat, lon) {
  const query = `lat=${lat}&lon=${lon}&radius_km=${RADIUS_KM}`;
  const [recent, nearby] = await Promise.allSettled([
    api(`/api/v1/incidents?${query}&limit=100`),
    api(`/api/v1/intelligence/patterns?${query}`),
  ]);
  if (recent.status === "fulfilled") drawIncidents(recent.value.items);
  if (nearby.status === "fulfilled") await drawPatterns(nearby.value);
  else $("patterns-status").textContent = `Patterns unavailable: ${nearby.reason.message}`;
}

function drawIncidents(items) {
  incidents.clearLayers();
  for (const incident of items) {
    const popup = h("div", {}, h("strong", {}, `${incident.category} (${incident.severity}/5)`), h("br"), incident.description);
    L.circleMarker([incident.latitude, incident.longitude], {
      radius: 6, color: SEVERITY_COLOURS[incident.severity], fillOpacity: 0.8, weight: 1,
    }).bindPopup(popup).addTo(incidents);
  }
  $("recent").replaceChildren(...items.slice(0, 10).map((incident) =>
    h("li", {}, `${new Date(incident.created_at).toLocaleString()}: ${incident.category}, severity ${incident.severity}, `, h("q", {}, incident.description))));
}

async function drawPatterns(answer) {
  patterns.clearLayers();
  const cells = [...new Set(answer.patterns.flatMap((p) => p.cells || []))].slice(0, 200);
  const outlines = cells.length ? await api(`/web/cells?${cells.map((c) => `cell=${encodeURIComponent(c)}`).join("&")}`) : {};
  for (const pattern of answer.patterns) {
    const style = { color: "#6a1b9a", weight: 1, fillOpacity: 0.15 + 0.5 * pattern.significance };
    const shapes = (pattern.cells || []).filter((c) => outlines[c]).map((c) => L.polygon(outlines[c], style));
    if (!shapes.length) shapes.push(L.circle([pattern.latitude, pattern.longitude], { ...style, radius: pattern.radius_m }));
    shapes.forEach((shape) => shape.bindPopup(h("div", {}, pattern.description)).addTo(patterns));
  }
  const some = answer.patterns.length > 0;
  $("patterns-status").textContent = answer.stale
    ? (some ? "Atlas is unavailable: these are the last patterns it gave." : "Atlas is unavailable right now: no patterns to show.")
    : (some ? "" : "No significant patterns near here.");
  $("patterns").replaceChildren(...answer.patterns.map((p) =>
    h("li", {}, `${p.type.replace("_", " ")}: ${p.description} (significance ${p.significance.toFixed(2)})`)));
  $("recommendations").replaceChildren(...answer.recommendations.map((r) => h("li", {}, r.text)));
  $("advice").hidden = !answer.recommendations.length;
}

place(config.latitude, config.longitude);
