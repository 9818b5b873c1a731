// The WebSocket API (docs/api.md, Real time): frames to listeners, a ping every few minutes
// (API Gateway closes a connection idle for ten), a reconnect with a fresh token.
import config from "./config.js";
import { getBadges } from "./api.js";
import { session } from "./http.js";

const listeners = new Set();
let socket = null;
let timer = null;
let wanted = false;

export function onFrame(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function connect() {
  wanted = true;
  const current = session.get();
  if (!current || (socket && socket.readyState <= WebSocket.OPEN)) return;
  const url = new URL(config.websocketUrl);
  url.searchParams.set("token", current.id_token);
  socket = new WebSocket(url);
  socket.addEventListener("open", () => {
    document.documentElement.dataset.live = "on";
    clearInterval(timer);
    timer = setInterval(() => socket && socket.readyState === WebSocket.OPEN && socket.send(JSON.stringify({ action: "ping" })), 240000);
  });
  socket.addEventListener("message", (event) => {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    for (const listener of listeners) listener(frame);
  });
  socket.addEventListener("close", () => {
    document.documentElement.dataset.live = "off";
    socket = null;
    clearInterval(timer);
    if (wanted && session.get()) setTimeout(reconnect, 3000);
  });
}

// A connection closed by the gateway (two hours, ten idle minutes) or refused (an expired
// token): one API call first, which refreshes an expired ID token, then the socket again.
async function reconnect() {
  await getBadges().catch(() => null);
  if (wanted && session.get()) connect();
}

export function disconnect() {
  wanted = false;
  if (socket) socket.close();
  socket = null;
}
