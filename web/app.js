// The shell: routes (#/path), the signed-in navigation, the badges, the live connection.
import { getBadges } from "./api.js";
import { session } from "./http.js";
import { clear, h } from "./dom.js";
import { connect, disconnect, onFrame } from "./realtime.js";
import * as views from "./views.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");

// Path patterns → views; the first match wins. Signed-out visitors see only the first two.
const ROUTES = [
  [/^\/login$/, views.login, false],
  [/^\/signup$/, views.signup, false],
  [/^\/$/, views.feed],
  [/^\/p\/([0-9A-Z]{26})$/, views.postPage],
  [/^\/stories\/([A-Za-z0-9._]+)$/, views.stories],
  [/^\/new$/, views.compose],
  [/^\/me$/, views.myProfile],
  [/^\/u\/([A-Za-z0-9._]+)$/, views.profile],
  [/^\/u\/([A-Za-z0-9._]+)\/(followers|following)$/, views.people],
  [/^\/requests$/, views.requests],
  [/^\/notifications$/, views.notifications],
  [/^\/messages$/, views.conversations],
  [/^\/messages\/([0-9A-Z]{26})$/, views.conversation],
  [/^\/explore$/, views.explore],
  [/^\/search$/, views.search],
  [/^\/tags\/([^/]+)$/, views.hashtag],
  [/^\/settings$/, views.settings],
];

let leave = null; // what the current view undoes when another replaces it
let shown = null; // the path on screen, and the one before it (where back() returns)
let before = null;

async function route() {
  const [path, search = ""] = (location.hash.slice(1) || "/").split("?");
  const signedIn = Boolean(session.get());
  nav.hidden = !signedIn;
  for (const [pattern, view, needsSession = true] of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    if (needsSession && !signedIn) return go("/login");
    if (!needsSession && signedIn) return go("/");
    if (leave) leave();
    leave = null;
    if (path !== shown) [before, shown] = [shown, path];
    for (const link of nav.querySelectorAll("a")) {
      link.toggleAttribute("aria-current", link.getAttribute("href") === `#${path}`);
      if (link.hasAttribute("aria-current")) link.setAttribute("aria-current", "page");
    }
    // Each page renders into its own element: a page still loading when another replaced it
    // draws into a detached element, never over the new one.
    const page = h("div", { class: "page" }, h("p", { class: "muted", role: "status" }, "Loading…"));
    clear(main, page);
    try {
      const undo = await view(page, ...match.slice(1).map(decodeURIComponent), new URLSearchParams(search));
      if (page.isConnected) leave = undo || null;
      else if (undo) undo();
      // A new page: keyboard and screen-reader users start at its top, unless the page put
      // the focus somewhere itself (a form's first field, the story viewer's controls). Not
      // on the first page loaded: there the skip link is the first stop, as on any site.
      if (before !== null && page.isConnected && !page.contains(document.activeElement)) main.focus({ preventScroll: true });
    } catch (error) {
      // A blocked or deleted account, a post gone: 404 (API.md); anything else, said as it is.
      const heading = error.status === 404 ? "Not found" : "Something went wrong";
      clear(page, h("h1", {}, heading), h("p", { class: "error", role: "alert" }, error.message), h("p", {}, h("a", { href: "#/" }, "Home")));
    }
    return;
  }
  clear(main, h("h1", {}, "Not found"), h("p", {}, h("a", { href: "#/" }, "Home")));
}

// Back to the page before this one in the app, or to `fallback` when the app began here.
export function back(fallback) {
  if (before) history.back();
  else go(fallback);
}

export function go(path) {
  if (location.hash === `#${path}`) route();
  else location.hash = path;
}

export function announce(text) {
  const live = document.getElementById("live");
  live.textContent = "";
  setTimeout(() => (live.textContent = text), 50);
}

// The numbers on Messages and Activity (GET /me/badges), kept fresh by the live frames.
export async function refreshBadges() {
  if (!session.get()) return;
  try {
    const badges = await getBadges();
    setBadge("badge-notifications", badges.notifications_unread, "unread notifications");
    setBadge("badge-messages", badges.conversations_unread + badges.message_requests, "unread conversations");
  } catch {
    /* a badge is not worth an error on screen */
  }
}

function setBadge(id, count, what) {
  const badge = document.getElementById(id);
  badge.hidden = !count;
  badge.textContent = count > 99 ? "99+" : String(count);
  badge.setAttribute("aria-label", `${count} ${what}`);
}

export function signedIn() {
  nav.hidden = false;
  connect();
  refreshBadges();
}

window.addEventListener("glimpse:signed-out", () => {
  disconnect();
  go("/login");
});
window.addEventListener("hashchange", route);
// The skip link moves the focus, not the route (its #main would be read as a page's path).
document.querySelector(".skip").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});
onFrame((frame) => {
  if (frame.type === "notification" || frame.type === "message") refreshBadges();
});

if (session.get()) signedIn();
route();
