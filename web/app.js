// The items client. Every change is a request that answers 202 with a request id; its outcome arrives on the
// one WebSocket of this signed-in tab (every outcome of the user), with the `status` catch-up for requests
// that finished while the socket was not open.
import { completeSignIn, signIn, signOut } from "./auth.js";

const config = await (await fetch("config.json")).json();
const $ = (id) => document.getElementById(id);
$("connection").textContent = `API ${config.restUrl} · notifications ${config.websocketUrl}`;
$("sign-in").addEventListener("click", () => signIn(config.auth));
$("sign-out").addEventListener("click", () => signOut(config.auth));

let session;
try {
  session = await completeSignIn(config.auth);
} catch (error) {
  $("user").textContent = error.message;
}

/** Outcomes by request id: waiting requests, and outcomes that arrived before their 202 did. */
const waiting = new Map();
const early = new Map();
let socket;
let reconnectDelay = 500;

function connect() {
  socket = new WebSocket(`${config.websocketUrl}/?token=${encodeURIComponent(session.accessToken)}`);
  socket.addEventListener("open", () => {
    reconnectDelay = 500;
    $("socket").textContent = "live";
    for (const requestId of waiting.keys()) socket.send(JSON.stringify({ action: "status", requestId }));
  });
  socket.addEventListener("message", (event) => {
    const frame = JSON.parse(event.data);
    if (frame.type !== "notification") return;
    const resolve = waiting.get(frame.requestId);
    if (resolve) {
      waiting.delete(frame.requestId);
      resolve(frame);
    } else early.set(frame.requestId, frame);
  });
  socket.addEventListener("close", () => {
    $("socket").textContent = "reconnecting";
    setTimeout(connect, reconnectDelay);
    reconnectDelay = Math.min(reconnectDelay * 2, 15_000);
  });
}

function outcomeOf(requestId) {
  const arrived = early.get(requestId);
  if (arrived) {
    early.delete(requestId);
    return Promise.resolve(arrived);
  }
  return new Promise((resolve) => {
    waiting.set(requestId, resolve);
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ action: "status", requestId }));
  });
}

async function call(method, path, body) {
  const response = await fetch(`${config.restUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${session.accessToken}`,
      "x-api-key": config.apiKey,
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const answer = await response.json();
  if (response.status !== 202) throw new Error(answer.error ?? `HTTP ${response.status}`);
  return answer.requestId;
}

function track(label, requestId) {
  const entry = document.createElement("li");
  entry.dataset.requestId = requestId;
  entry.className = "pending";
  entry.textContent = `${label} · ${requestId} · pending`;
  $("requests").prepend(entry);
  return outcomeOf(requestId).then((outcome) => {
    entry.className = outcome.status;
    entry.textContent = `${label} · ${requestId} · ${outcome.status}${outcome.error ? `: ${outcome.error.message}` : ""}`;
    return outcome;
  });
}

async function perform(label, method, path, body) {
  try {
    const outcome = await track(label, await call(method, path, body));
    if (outcome.status === "success" && method !== "GET") await refresh();
    return outcome;
  } catch (error) {
    const entry = document.createElement("li");
    entry.className = "error";
    entry.textContent = `${label} · ${error.message}`;
    $("requests").prepend(entry);
    return undefined;
  }
}

async function refresh() {
  const outcome = await perform("list", "GET", "/items?limit=100");
  if (outcome?.status !== "success") return;
  const rows = outcome.result.items.map((item) => {
    const row = document.createElement("tr");
    row.dataset.id = item.id;
    for (const value of [item.name, item.description ?? "", item.updated_at]) {
      const cell = document.createElement("td");
      cell.textContent = value;
      row.append(cell);
    }
    const actions = document.createElement("td");
    const rename = Object.assign(document.createElement("button"), { textContent: "Rename", type: "button" });
    rename.addEventListener("click", () => {
      const name = prompt("New name", item.name);
      if (name) perform(`update ${item.name}`, "PUT", `/items/${item.id}`, { name });
    });
    const remove = Object.assign(document.createElement("button"), { textContent: "Delete", type: "button" });
    remove.addEventListener("click", () => perform(`delete ${item.name}`, "DELETE", `/items/${item.id}`));
    actions.append(rename, remove);
    row.append(actions);
    return row;
  });
  $("items").replaceChildren(...rows);
}

if (session) {
  $("user").textContent = `signed in as ${session.user}`;
  $("signed-out").hidden = true;
  $("signed-in").hidden = false;
  connect();
  $("create-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("name").value.trim();
    const description = $("description").value.trim();
    $("create-form").reset();
    await perform(`create ${name}`, "POST", "/items", description ? { name, description } : { name });
  });
  $("refresh").addEventListener("click", refresh);
  refresh();
}
