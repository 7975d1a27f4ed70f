// The items client. Every change is a request that answers 202 with a request id; its outcome arrives on the
// tab's one WebSocket (see live.js). Each request's progress is shown in the request log and announced
// politely to screen readers: sent, accepted, then done or failed with the error's message.
import { completeSignIn, SignedOut, signIn } from "./auth.js";
import { LiveOutcomes } from "./live.js";

const PAGE_SIZE = 10;

const $ = (id) => document.getElementById(id);
const config = await (await fetch("config.json", { cache: "no-store" })).json();
$("sign-in").addEventListener("click", () => signIn(config.auth));

/** Outcomes by request id: requests waiting for theirs, and outcomes that arrived before their 202 did. */
const waiting = new Map();
const early = new Map();
/** The page tokens (`lastKey`) that open each page seen so far: index 0 is the first page (no token). */
let pageTokens = [undefined];
let pageIndex = 0;
let session;
let live;

function announce(text) {
  // Cleared first so that the same words twice in a row are announced twice.
  $("announcer").textContent = "";
  requestAnimationFrame(() => {
    $("announcer").textContent = text;
  });
}

function showSignedOut(reason) {
  live?.stop();
  session = undefined;
  $("signed-in").hidden = true;
  $("signed-out").hidden = false;
  $("user").textContent = "";
  $("socket").textContent = "";
  $("signed-out-reason").textContent = reason ? `Signed out: sign in again (${reason}).` : "";
  $("sign-in").focus();
}

function showConnectionState(state, detail) {
  const text = {
    connecting: "connecting to live updates…",
    live: "live updates on",
    reconnecting: `live updates lost: reconnecting in ${Math.ceil((detail ?? 0) / 1000)} s`,
    closed: "live updates off",
  }[state];
  if (state === "signed-out") return showSignedOut(detail);
  $("socket").textContent = text;
  $("socket").dataset.state = state;
}

function outcomeOf(requestId) {
  const arrived = early.get(requestId);
  if (arrived) {
    early.delete(requestId);
    return Promise.resolve(arrived);
  }
  return new Promise((resolve) => {
    waiting.set(requestId, resolve);
    live.watch(requestId);
  });
}

function receive(frame) {
  const resolve = waiting.get(frame.requestId);
  if (!resolve) {
    early.set(frame.requestId, frame);
    return;
  }
  waiting.delete(frame.requestId);
  live.settle(frame.requestId);
  resolve(frame);
}

/** Sends one REST request with a fresh token; a refused token is renewed and the request sent once more. */
async function send(method, path, body, renewed = false) {
  const response = await fetch(`${config.restUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await session.freshToken()}`,
      "x-api-key": config.apiKey,
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  if ((response.status === 401 || response.status === 403) && !renewed) {
    await session.renew();
    return send(method, path, body, true);
  }
  const answer = await response.json().catch(() => ({}));
  if (response.status !== 202) throw new Error(answer.error ?? answer.message ?? `HTTP ${response.status}`);
  return answer.requestId;
}

/** Whether the REST API refuses `token`: an outcome lookup answers 404 to any accepted token. */
async function tokenRefused(token) {
  const response = await fetch(`${config.restUrl}/requests/${crypto.randomUUID()}`, {
    headers: { authorization: `Bearer ${token}`, "x-api-key": config.apiKey },
  });
  return response.status === 401 || response.status === 403;
}

function logEntry(label) {
  const entry = document.createElement("li");
  const name = document.createElement("span");
  const stage = document.createElement("span");
  name.textContent = `${label} · `;
  stage.className = "stage";
  entry.append(name, stage);
  $("requests").prepend(entry);
  return (state, detail) => {
    entry.dataset.state = state;
    stage.textContent = detail ? `${state}: ${detail}` : state;
    // The request id is for the log's readers; a screen reader hears what happened.
    if (state !== "sent") announce(`${label}: ${state === "failed" ? stage.textContent : state}`);
  };
}

/** Runs one request through its stages; resolves with its outcome frame, or undefined when it failed. */
async function perform(label, method, path, body) {
  const progress = logEntry(label);
  progress("sent");
  try {
    const requestId = await send(method, path, body);
    progress("accepted", requestId);
    const outcome = await outcomeOf(requestId);
    if (outcome.status === "success") progress("done");
    else progress("failed", outcome.error?.message ?? "the service gave no reason");
    return outcome;
  } catch (error) {
    if (error instanceof SignedOut) showSignedOut(error.message);
    else progress("failed", error.message);
    return undefined;
  }
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

function actionButton(text, label, onClick) {
  const button = Object.assign(document.createElement("button"), { type: "button", textContent: text });
  button.setAttribute("aria-label", label);
  button.addEventListener("click", onClick);
  return button;
}

function rowOf(item) {
  const row = document.createElement("tr");
  row.dataset.id = item.id;
  const name = document.createElement("th");
  name.scope = "row";
  name.textContent = item.name;
  const actions = document.createElement("td");
  const edit = actionButton("Edit", `Edit ${item.name}`, () => openEditor(item, edit));
  const remove = actionButton("Delete", `Delete ${item.name}`, async () => {
    const outcome = await perform(`delete ${item.name}`, "DELETE", `/items/${item.id}`);
    if (outcome?.status === "success") await showPage(pageIndex);
    // The row and its button are gone: the table's heading keeps the keyboard where the user was.
    $("items-heading").focus();
  });
  actions.append(edit, remove);
  row.append(name, cell(item.description ?? ""), cell(item.updated_at), actions);
  return row;
}

/** Only the page asked for last is shown: outcomes of earlier lists may arrive after it. */
let latestList = 0;
async function showPage(index) {
  const lastKey = pageTokens[index];
  const query = new URLSearchParams({ limit: String(PAGE_SIZE), ...(lastKey ? { lastKey } : {}) });
  latestList += 1;
  const thisList = latestList;
  const outcome = await perform(`list page ${index + 1}`, "GET", `/items?${query}`);
  if (outcome?.status !== "success" || thisList !== latestList) return;
  pageIndex = index;
  pageTokens = pageTokens.slice(0, index + 1);
  if (outcome.result.lastKey) pageTokens.push(outcome.result.lastKey);
  $("items").replaceChildren(...outcome.result.items.map(rowOf));
  $("empty").hidden = outcome.result.items.length > 0;
  $("page").textContent = `Page ${index + 1}`;
  $("previous-page").disabled = index === 0;
  $("next-page").disabled = pageTokens.length <= index + 1;
}

let editing;
function openEditor(item, opener) {
  editing = { item, opener };
  $("edit-name").value = item.name;
  $("edit-description").value = item.description ?? "";
  $("edit-dialog").showModal();
}

$("edit-form").addEventListener("submit", async (event) => {
  if (event.submitter?.value === "cancel") return;
  const { item } = editing;
  const name = $("edit-name").value.trim();
  const description = $("edit-description").value.trim();
  const outcome = await perform(`edit ${item.name}`, "PUT", `/items/${item.id}`, {
    name,
    ...(description ? { description } : {}),
  });
  if (outcome?.status === "success") await showPage(pageIndex);
  $("items")
    .querySelector(`tr[data-id="${CSS.escape(item.id)}"] button`)
    ?.focus();
});
$("edit-dialog").addEventListener("close", () => {
  if ($("edit-dialog").returnValue === "cancel") editing?.opener.focus();
});

$("create-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = $("name").value.trim();
  const description = $("description").value.trim();
  $("create-form").reset();
  $("name").focus();
  const outcome = await perform(
    `create ${name}`,
    "POST",
    "/items",
    description ? { name, description } : { name },
  );
  if (outcome?.status === "success") await showPage(0);
});
$("previous-page").addEventListener("click", () => showPage(pageIndex - 1));
$("next-page").addEventListener("click", () => showPage(pageIndex + 1));
$("refresh").addEventListener("click", () => showPage(pageIndex));
$("sign-out").addEventListener("click", async () => {
  live?.stop();
  await session.signOut();
});

try {
  session = await completeSignIn(config.auth);
} catch (error) {
  $("signed-out-reason").textContent = error.message;
}
if (session) {
  $("user").textContent = `signed in as ${session.user}`;
  $("signed-out").hidden = true;
  $("signed-in").hidden = false;
  live = new LiveOutcomes({
    websocketUrl: config.websocketUrl,
    session,
    tokenRefused,
    onFrame: receive,
    onState: showConnectionState,
  });
  live.start();
  $("main-heading").focus();
  showPage(0);
}
