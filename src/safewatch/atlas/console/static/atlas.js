// Atlas's operator page: everything comes from the API with the operator's product key.
const $ = (id) => document.getElementById(id);
const KEY = "atlas.operator";

function h(tag, ...children) {
  const node = document.createElement(tag);
  for (const child of children.flat()) node.append(child instanceof Node ? child : document.createTextNode(String(child ?? "")));
  return node;
}

async function api(path, body) {
  const { product, key } = JSON.parse(sessionStorage.getItem(KEY) || "{}");
  const headers = { Accept: "application/json", "X-Product": product, "X-API-Key": key };
  const init = body === undefined ? { headers } : { method: "POST", headers: { ...headers, "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(data.error?.message || `${response.status}`), { status: response.status });
  return data;
}

const percent = (x) => (x === null || x === undefined ? "—" : `${(100 * x).toFixed(1)}%`);
const when = (iso) => (iso ? new Date(iso).toLocaleString() : "");

function showModels(answer) {
  $("serving").textContent = answer.serving;
  $("models").replaceChildren(...answer.versions.map((m) => {
    const row = h("tr", h("td", m.version), h("td", m.serving ? `${m.status} (serving)` : m.status),
      h("td", m.metrics.validation_macro_f1?.toFixed(4) ?? "—"), h("td", percent(m.metrics.feedback_accuracy)),
      h("td", `${m.trained_on.bundled_rows ?? 0} rows + ${m.trained_on.feedback_rows ?? 0} feedback`),
      h("td", when(m.created_at)), h("td", m.note));
    if (m.serving) row.className = "champion";
    return row;
  }));
}

function showFeedback(stats, product) {
  const mine = stats.products[product] || { feedback: 0, corrections: 0, agreement_rate: null, confusion_pairs: [] };
  $("feedback-product").textContent = product;
  $("feedback-summary").textContent = `${mine.feedback} feedback items, ${mine.corrections} corrections, agreement ${percent(mine.agreement_rate)}; ${stats.feedback_since_champion} since the serving model.`;
  $("confusions").replaceChildren(...(mine.confusion_pairs.length
    ? mine.confusion_pairs.map((p) => h("tr", h("td", p.predicted), h("td", p.actual), h("td", p.count)))
    : [h("tr", h("td", "No corrections yet."))]));
}

function showAnalyses(page) {
  $("analyses").replaceChildren(...(page.items.length ? page.items.map((a) => h("tr",
    h("td", when(a.occurred_at)), h("td", `${a.media_type} (${a.format})`),
    h("td", a.threats.map((t) => `${t.category} ${percent(t.confidence)}`).join(", ") || "none"),
    h("td", a.objects.length), h("td", a.audio_events.map((e) => e.label).join(", ")),
    h("td", a.warnings.join("; ")))) : [h("tr", h("td", "No analyses yet."))]));
}

async function open() {
  const { product } = JSON.parse(sessionStorage.getItem(KEY));
  const [models, stats, analyses] = await Promise.all([api("/api/v1/models"), api("/api/v1/training/stats"), api("/api/v1/analyses?limit=20")]);
  showModels(models);
  showFeedback(stats, product);
  showAnalyses(analyses);
  $("who").textContent = `signed in as ${product}`;
  $("sign-in").hidden = true;
  $("console").hidden = false;
}

// The try box: an operator's test texts are answered, never stored (no threat, no hotspot).
$("try").addEventListener("submit", async (event) => {
  event.preventDefault();
  const status = $("try-status");
  status.textContent = "Classifying…";
  delete status.dataset.kind;
  try {
    const answer = await api("/api/v1/classify/threat", { type: "text", data: $("try-text").value, options: { store: false } });
    const c = answer.classification;
    status.textContent = `${c.threat_category} (${c.threat_subcategory}), severity ${c.severity}, confidence ${percent(c.confidence)}; model ${answer.model_version}; not stored.`;
  } catch (error) {
    status.textContent = error.message;
    status.dataset.kind = "error";
  }
});

$("sign-in").addEventListener("submit", async (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY, JSON.stringify({ product: $("product").value, key: $("key").value }));
  try {
    await open();
  } catch (error) {
    sessionStorage.removeItem(KEY);
    $("sign-in-status").textContent = error.status === 401 || error.status === 403 ? `Not a valid ${$("product").value} key: ${error.message}` : error.message;
    $("sign-in-status").dataset.kind = "error";
  }
});

if (sessionStorage.getItem(KEY)) open().catch(() => sessionStorage.removeItem(KEY));
