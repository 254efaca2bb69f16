// The campus drawn from beacon coordinates: buildings, beacons, guards and open incidents.
import { svg } from "./common.js";

const WIDTH = 640;
const PAD = 70;

function projection(beacons) {
  const placed = beacons.filter((b) => b.latitude !== null && b.longitude !== null);
  const lats = placed.map((b) => b.latitude);
  const lons = placed.map((b) => b.longitude);
  const [minLat, maxLat, minLon, maxLon] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
  // Equirectangular: near enough over a campus, and keeps north up.
  const squeeze = Math.cos(((minLat + maxLat) / 2) * Math.PI / 180);
  const spanX = Math.max((maxLon - minLon) * squeeze, 1e-6);
  const spanY = Math.max(maxLat - minLat, 1e-6);
  const scale = (WIDTH - 2 * PAD) / Math.max(spanX, spanY);
  const height = Math.round(spanY * scale + 2 * PAD);
  const at = (b) => [
    PAD + (b.longitude - minLon) * squeeze * scale + b.floor * 7,
    PAD + (maxLat - b.latitude) * scale - b.floor * 7,
  ];
  return { placed, height, at };
}

function byBuilding(placed, at) {
  const groups = new Map();
  for (const b of placed) {
    const [x, y] = at(b);
    const box = groups.get(b.building) || { x0: x, y0: y, x1: x, y1: y };
    groups.set(b.building, { x0: Math.min(box.x0, x), y0: Math.min(box.y0, y), x1: Math.max(box.x1, x), y1: Math.max(box.y1, y) });
  }
  return groups;
}

export function drawCampus(beacons, guards, incidents, detail) {
  const { placed, height, at } = projection(beacons);
  const where = new Map(placed.map((b) => [b.beacon_id, at(b)]));
  const root = svg("svg", { class: "campus", viewBox: `0 0 ${WIDTH} ${height}`, role: "img", "aria-label": "Campus map with beacons, guards and open incidents" });
  for (const [name, box] of byBuilding(placed, at)) {
    root.append(
      svg("rect", { class: "building", x: box.x0 - 16, y: box.y0 - 16, width: box.x1 - box.x0 + 32, height: box.y1 - box.y0 + 32, rx: 8 }),
      // Labels near the right edge end at the box instead of running off the map.
      box.x0 > WIDTH * 0.7
        ? svg("text", { class: "building-label", x: box.x1 + 16, y: box.y0 - 20, "text-anchor": "end" }, name)
        : svg("text", { class: "building-label", x: box.x0 - 14, y: box.y0 - 20 }, name),
    );
  }
  for (const b of placed) {
    const [x, y] = at(b);
    root.append(svg("circle", { class: "beacon", cx: x, cy: y, r: 3.5 }, svg("title", {}, `${b.location_name} (floor ${b.floor})`)));
  }
  for (const incident of incidents) {
    const point = where.get(incident.beacon_id);
    if (!point) continue;
    root.append(svg("circle", { class: `incident ${incident.priority}`, cx: point[0], cy: point[1], r: 18, "data-incident-id": incident.id },
      svg("title", {}, `${incident.priority} ${incident.status} at ${incident.location_name}`)));
  }
  const alerted = new Set((detail?.alerts || []).filter((a) => a.status === "SENT" || a.status === "ACKNOWLEDGED").map((a) => a.guard));
  const assigned = detail?.assignment?.guard;
  const crowd = new Map();
  for (const guard of guards) {
    const point = where.get(guard.current_beacon_id);
    if (!point) continue;
    const n = crowd.get(guard.current_beacon_id) || 0;
    crowd.set(guard.current_beacon_id, n + 1);
    const [x, y] = [point[0] + 9 * Math.cos(n * 1.3), point[1] + 9 * Math.sin(n * 1.3)];
    const role = guard.name === assigned ? "assigned" : alerted.has(guard.name) ? "alerted" : "";
    if (role === "assigned") {
      const target = where.get(detail.beacon_id);
      if (target) root.append(svg("line", { class: "route", x1: x, y1: y, x2: target[0], y2: target[1] }));
    }
    root.append(svg("circle", { class: `guard ${guard.on_duty ? "on" : "off"} ${role}`, cx: x, cy: y, r: 6, "data-guard": guard.name },
      svg("title", {}, `${guard.name}, ${guard.on_duty ? "on duty" : "off duty"}${role ? `, ${role}` : ""}`)));
  }
  return root;
}
