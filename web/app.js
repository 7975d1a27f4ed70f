// The items client: every change is a request that answers 202 with a request id; the outcome arrives
// over a WebSocket subscribed to that id (with a `status` catch-up in case it finished first).
const config = await (await fetch("config.json")).json();
const $ = (id) => document.getElementById(id);
$("connection").textContent = `API ${config.restUrl} · notifications ${config.websocketUrl}`;

async function call(method, path, body) {
  const response = await fetch(`${config.restUrl}${path}`, {
    method,
    headers: { "x-api-key": config.apiKey, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const answer = await response.json();
  if (response.status !== 202) throw new Error(answer.error ?? `HTTP ${response.status}`);
  return answer.requestId;
}

/** Resolves with the outcome frame of a request, whether it finishes before or after we subscribe. */
function outcomeOf(requestId) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${config.websocketUrl}/?requestId=${encodeURIComponent(requestId)}`);
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error("no outcome within 30 s"));
    }, 30_000);
    socket.addEventListener("open", () => socket.send(JSON.stringify({ action: "status" })));
    socket.addEventListener("message", (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type !== "notification") return;
      clearTimeout(timer);
      socket.close();
      resolve(frame);
    });
    socket.addEventListener("error", () => reject(new Error("notification socket failed")));
  });
}

function track(label, requestId) {
  const entry = document.createElement("li");
  entry.dataset.requestId = requestId;
  entry.className = "pending";
  entry.textContent = `${label} · ${requestId} · pending`;
  $("requests").prepend(entry);
  return outcomeOf(requestId).then(
    (outcome) => {
      entry.className = outcome.status;
      entry.textContent = `${label} · ${requestId} · ${outcome.status}${outcome.error ? `: ${outcome.error.message}` : ""}`;
      return outcome;
    },
    (error) => {
      entry.className = "error";
      entry.textContent = `${label} · ${requestId} · ${error.message}`;
      throw error;
    },
  );
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

$("create-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = $("name").value.trim();
  const description = $("description").value.trim();
  $("create-form").reset();
  await perform(`create ${name}`, "POST", "/items", description ? { name, description } : { name });
});
$("refresh").addEventListener("click", refresh);
refresh();
