// Shared by the three consoles: sign-in, API calls, the live socket, safe DOM building.

const TOKEN_KEY = "resq.session";

export const session = {
  get current() {
    try {
      return JSON.parse(sessionStorage.getItem(TOKEN_KEY)) || null;
    } catch {
      return null;
    }
  },
  save(answer) {
    const expires = Date.now() + answer.expires_in * 1000;
    sessionStorage.setItem(TOKEN_KEY, JSON.stringify({ ...answer, expires }));
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// The API's error envelope is {"error": {"message": ...}}; show that message as it is.
export async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  const token = session.current?.access_token;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = data.error;
    const message = typeof error === "string" ? error : error?.message;
    // An expired session: sign in again. (A wrong password has no session to end.)
    if (response.status === 401 && token) signOut();
    throw new ApiError(response.status, message || `${response.status} ${response.statusText}`);
  }
  return data;
}

// h("li", {class: "x", onclick: f}, "text", child): text is always text, never HTML.
export function h(tag, attrs = {}, ...children) {
  const node = tag === "svg" || attrs.svg ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false || key === "svg") continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function svg(tag, attrs = {}, ...children) {
  return h(tag, { ...attrs, svg: true }, ...children);
}

export function clock(iso) {
  return iso ? new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" }) : "";
}

export function say(region, text, kind = "info") {
  region.textContent = text;
  region.dataset.kind = kind;
}

export function signOut() {
  session.clear();
  location.reload();
}

// The sign-in form of each page: resolves with the session once a user of an allowed role is in.
export function signIn(roles) {
  const existing = session.current;
  if (existing && existing.expires > Date.now() + 5000 && roles.includes(existing.role)) {
    return Promise.resolve(existing);
  }
  session.clear();
  const form = document.getElementById("sign-in");
  const status = document.getElementById("sign-in-status");
  form.hidden = false;
  form.querySelector("input").focus();
  return new Promise((resolve) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const fields = new FormData(form);
      try {
        const answer = await api("/api/auth/token/", {
          method: "POST",
          body: { username: fields.get("username"), password: fields.get("password") },
        });
        if (!roles.includes(answer.role)) {
          say(status, `This page is for ${roles.join(" or ")} accounts; ${answer.username} is a ${answer.role}.`, "error");
          return;
        }
        session.save(answer);
        form.hidden = true;
        resolve(session.current);
      } catch (error) {
        say(status, error.message, "error");
      }
    });
  });
}

// The header shows who is signed in, the socket's state and a sign-out button.
export function showUser(user) {
  const who = document.getElementById("who");
  who.replaceChildren(
    h("span", {}, `${user.username} (${user.role})`),
    h("button", { type: "button", class: "quiet", onclick: signOut }, "Sign out"),
  );
  document.body.classList.add("signed-in");
}

// /ws with the token; reconnects with backoff. Events are best effort: on every (re)connect
// onOpen runs so the page re-reads the API, which is the record.
export function live(onEvent, onOpen) {
  const badge = document.getElementById("live");
  let delay = 500;
  const connect = () => {
    const token = session.current?.access_token;
    if (!token) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws?token=${encodeURIComponent(token)}`);
    socket.addEventListener("message", (message) => {
      const event = JSON.parse(message.data);
      if (event.type === "ready") {
        delay = 500;
        badge.textContent = "live";
        badge.dataset.kind = "ok";
        onOpen();
      } else if (event.type !== "pong") {
        onEvent(event);
      }
    });
    socket.addEventListener("close", (closed) => {
      badge.textContent = "reconnecting";
      badge.dataset.kind = "warn";
      if (closed.code === 4401) return signOut();
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    });
  };
  connect();
}

// One conversation at a time: the list, a form to send, new messages from the socket.
export class Chat {
  constructor(root) {
    this.root = root;
    this.list = root.querySelector("ol");
    this.form = root.querySelector("form");
    this.status = root.querySelector("[role=status]");
    this.incidentId = null;
    this.seen = new Set();
    this.form.addEventListener("submit", (event) => this.send(event));
  }

  async show(incidentId) {
    if (incidentId === this.incidentId) return this.refresh();
    this.incidentId = incidentId;
    this.seen.clear();
    this.list.replaceChildren();
    this.root.hidden = !incidentId;
    if (incidentId) await this.refresh();
  }

  async refresh() {
    if (!this.incidentId) return;
    let after = 0;
    for (;;) {
      const page = await api(`/api/incidents/${this.incidentId}/messages/?after=${after}&limit=100`);
      page.items.forEach((message) => this.add(message));
      if (page.next_after === null) break;
      after = page.next_after;
    }
  }

  add(message) {
    if (this.seen.has(message.id)) return;
    this.seen.add(message.id);
    this.list.append(
      h("li", { class: `message ${message.sender_role}` },
        h("span", { class: "sender" }, `${message.sender} (${message.sender_role})`),
        h("time", { datetime: message.created_at }, clock(message.created_at)),
        h("p", {}, message.body)),
    );
    this.list.scrollTop = this.list.scrollHeight;
  }

  onEvent(event) {
    if (event.type === "message.created" && event.data.incident_id === this.incidentId) this.add(event.data);
  }

  async send(event) {
    event.preventDefault();
    const input = this.form.querySelector("input");
    const body = input.value.trim();
    if (!body || !this.incidentId) return;
    try {
      this.add(await api(`/api/incidents/${this.incidentId}/messages/`, { method: "POST", body: { body } }));
      input.value = "";
      say(this.status, "");
    } catch (error) {
      say(this.status, error.message, "error");
    }
  }
}
