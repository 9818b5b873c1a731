// The pages. Each takes the <main> element and the route's parts, and may return a function
// that undoes what it set up (a listener, a timer) when another page replaces it.
import { announce, back, go, refreshBadges, signedIn } from "./app.js";
import { ago, append, clear, errorText, h, time } from "./dom.js";
import * as API from "./api.js"; // generated from the OpenAPI document (python -m infra.webapi)
import { answerChallenge, logIn, logOut, session, settled, upload } from "./http.js";
import { FEED_SIZES, GRID_SIZES, avatar, mediaElement, previewFilter } from "./media.js";
import { onFrame } from "./realtime.js";

const enc = encodeURIComponent;
const me = () => (session.get() || {}).username;
const key = () => ({ "Idempotency-Key": crypto.randomUUID() });

function field(label, attrs) {
  const id = `f-${Math.random().toString(36).slice(2, 9)}`;
  const tag = attrs.type === "textarea" ? "textarea" : attrs.type === "select" ? "select" : "input";
  const { options = [], ...rest } = attrs;
  const control = h(tag, { id, ...(tag === "input" ? rest : { ...rest, type: undefined }) },
    options.map(([value, text]) => h("option", { value }, text)));
  return [h("label", { for: id }, label), control];
}

function alertBox() {
  return h("p", { class: "error", role: "alert" });
}

function failed(box, error) {
  box.textContent = errorText(error);
}

// A submit handler that disables the form's button while it runs and shows the API's error.
function onSubmit(form, box, action) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    box.textContent = "";
    if (button) button.disabled = true;
    try {
      await action();
    } catch (error) {
      failed(box, error);
    } finally {
      if (button) button.disabled = false;
    }
  });
  return form;
}

function userLink(user, size = 32) {
  if (!user) return h("span", { class: "muted" }, "Deleted account");
  return h("a", { class: "row author", href: `#/u/${user.username}` }, avatar(user, size), h("span", {}, user.username));
}

// "Load more" under a list while next_cursor is set (docs/api.md, Lists: never stop at a short page).
function pager(container, load, render) {
  const more = h("button", { type: "button", class: "link", hidden: true }, "Load more");
  let cursor = null;
  async function next(first) {
    more.disabled = true;
    const page = await load(first ? undefined : cursor);
    cursor = page.next_cursor;
    for (const item of page.items) append(container, [render(item)]);
    more.hidden = !cursor;
    more.disabled = false;
    return page;
  }
  more.addEventListener("click", () => next(false));
  return { more, first: () => next(true) };
}

// ------------------------------------------------------------------ sign up and log in
export async function login(main) {
  const [userLabel, username] = field("Username", { type: "text", autocomplete: "username", required: true });
  const [passLabel, password] = field("Password", { type: "password", autocomplete: "current-password", required: true });
  const box = alertBox();
  const form = h("form", { class: "card" }, userLabel, username, passLabel, password, box,
    h("button", { type: "submit", class: "primary" }, "Log in"));
  onSubmit(form, box, async () => {
    const answer = await logIn(username.value.trim(), password.value);
    if (answer.challenge) return challenge(main, username.value.trim(), answer.session);
    signedIn();
    go("/");
  });
  clear(main, h("h1", {}, "Log in to Glimpse"), form,
    h("p", {}, "No account yet? ", h("a", { href: "#/signup" }, "Sign up")));
  username.focus();
}

function challenge(main, username, sessionId) {
  const [codeLabel, code] = field("Authentication code", { type: "text", inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}", required: true });
  const box = alertBox();
  const form = h("form", { class: "card" }, h("p", {}, "Enter the six-digit code from your authenticator app."),
    codeLabel, code, box, h("button", { type: "submit", class: "primary" }, "Verify"));
  onSubmit(form, box, async () => {
    await answerChallenge(username, sessionId, code.value.trim());
    signedIn();
    go("/");
  });
  clear(main, h("h1", {}, "Two-factor authentication"), form);
  code.focus();
}

export async function signup(main) {
  const [userLabel, username] = field("Username", { type: "text", autocomplete: "username", required: true, pattern: "[A-Za-z0-9._]{3,30}" });
  const [mailLabel, email] = field("Email", { type: "email", autocomplete: "email", required: true });
  const [passLabel, password] = field("Password", { type: "password", autocomplete: "new-password", required: true, minLength: 8 });
  const box = alertBox();
  const form = h("form", { class: "card" }, userLabel, username, mailLabel, email, passLabel, password,
    h("p", { class: "muted" }, "A few words or an odd phrase makes a strong password."), box,
    h("button", { type: "submit", class: "primary" }, "Sign up"));
  onSubmit(form, box, async () => {
    const name = username.value.trim();
    const made = await API.signUp({ body: { username: name, email: email.value.trim(), password: password.value } });
    if (!made.confirmed) return confirmAccount(main, name, password.value);
    await logIn(name, password.value);
    signedIn();
    go("/");
  });
  clear(main, h("h1", {}, "Create your account"), form,
    h("p", {}, "Have an account? ", h("a", { href: "#/login" }, "Log in")));
  username.focus();
}

function confirmAccount(main, username, password) {
  const [codeLabel, code] = field("Confirmation code", { type: "text", inputmode: "numeric", required: true });
  const box = alertBox();
  const form = h("form", { class: "card" }, h("p", {}, "We emailed you a code."), codeLabel, code, box,
    h("button", { type: "submit", class: "primary" }, "Confirm"));
  onSubmit(form, box, async () => {
    await API.confirmSignUp({ body: { username, code: code.value.trim() } });
    await logIn(username, password);
    signedIn();
    go("/");
  });
  clear(main, h("h1", {}, "Confirm your account"), form);
}

// ------------------------------------------------------------------ posts
function likeButton(item, counter) {
  const button = h("button", { type: "button", class: "like", "aria-pressed": String(item.liked_by_me) }, "Like");
  button.addEventListener("click", async () => {
    const liked = button.getAttribute("aria-pressed") === "true";
    button.disabled = true;
    try {
      const state = await (liked ? API.unlikePost : API.likePost)(item.post_id);
      button.setAttribute("aria-pressed", String(state.liked_by_me));
      counter.textContent = likes(state.like_count);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

const likes = (count) => (count === null ? "" : `${count} ${count === 1 ? "like" : "likes"}`);

function caption(item) {
  // #tags and @mentions as links; the rest as text.
  const parts = item.caption.split(/([#@][\p{L}\p{N}_.]+)/u);
  return parts.map((part) => {
    if (/^#[\p{L}\p{N}_]+$/u.test(part)) return h("a", { href: `#/tags/${enc(part.slice(1).toLowerCase())}` }, part);
    if (/^@[A-Za-z0-9._]+$/.test(part)) return h("a", { href: `#/u/${part.slice(1).toLowerCase()}` }, part);
    return part;
  });
}

function postCard(item, { full = false } = {}) {
  const counter = h("p", { class: "like-count" }, likes(item.like_count));
  const media = item.media.map((m) => mediaElement(m, { sizes: FEED_SIZES, alt: `Photo by ${item.author.username}` }));
  return h("article", { class: "post", "aria-label": `Post by ${item.author.username}` },
    h("header", { class: "row spread" }, userLink(item.author), item.location ? h("span", { class: "muted" }, item.location) : null),
    full ? media : h("a", { href: `#/p/${item.post_id}`, "aria-label": `Open post by ${item.author.username}` }, media),
    h("div", { class: "actions" }, likeButton(item, counter),
      full ? null : h("a", { class: "row", href: `#/p/${item.post_id}` }, "Comment")),
    h("div", { class: "body" }, counter,
      item.caption ? h("p", {}, h("strong", {}, item.author.username), " ", caption(item)) : null,
      !full && item.comment_count ? h("a", { href: `#/p/${item.post_id}` }, `View all ${item.comment_count} comments`) : null,
      h("p", { class: "muted" }, time(item.created_at))));
}

// A comment; its author and the post's author may delete it (docs/api.md).
function comment(c, postAuthor) {
  const item = h("li", { id: `c-${c.comment_id}` }, h("a", { class: "author", href: `#/u/${c.author.username}` }, h("strong", {}, c.author.username)), " ", c.text, " ", h("span", { class: "muted" }, ago(c.created_at)));
  if (c.author.username === me() || postAuthor === me()) {
    item.append(" ", h("button", { type: "button", class: "link", "aria-label": `Delete ${c.author.username}'s comment`, onclick: async () => {
      await API.deleteComment(c.post_id, c.comment_id);
      item.remove();
      announce("Comment deleted");
    } }, "Delete"));
  }
  return item;
}

// Who liked a post, shown under its count on the post page.
function likers(postId, counter) {
  const list = h("ul", { class: "list", "aria-label": "Liked by", hidden: true });
  const pages = pager(list, (cursor) => API.listLikers(postId, { query: { cursor } }), (u) => h("li", {}, userLink(u)));
  const toggle = h("button", { type: "button", class: "link", "aria-expanded": "false" }, "Who liked this");
  toggle.addEventListener("click", async () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    list.hidden = !open;
    pages.more.hidden = true;
    if (open) {
      list.replaceChildren();
      await pages.first();
    }
  });
  counter.after(toggle, list, pages.more);
}

export async function postPage(main, postId) {
  const item = await API.getPost(postId);
  const list = h("ol", { class: "comments", "aria-label": "Comments" });
  const comments = pager(list, (cursor) => API.listComments(postId, { query: { cursor } }), (c) => comment(c, item.author.username));
  const [label, text] = field("Add a comment", { type: "text", maxLength: 500, required: true });
  const box = alertBox();
  const form = h("form", { class: "row" }, h("div", { style: "flex:1" }, label, text), h("button", { type: "submit", class: "primary" }, "Post"));
  onSubmit(form, box, async () => {
    const made = await API.addComment(postId, { body: { text: text.value }, headers: key() });
    list.append(comment(made, item.author.username));
    text.value = "";
    announce("Comment posted");
  });
  const owner = item.author.username === me();
  const remove = owner ? h("button", { type: "button", class: "link", onclick: async () => {
    if (!confirm("Delete this post?")) return;
    await API.deletePost(postId);
    go(`/u/${me()}`);
  } }, "Delete post") : null;
  const card = postCard(item, { full: true });
  if (item.like_count) likers(postId, card.querySelector(".like-count"));
  clear(main, h("h1", { class: "visually-hidden" }, `Post by ${item.author.username}`), card,
    h("section", { class: "card", "aria-label": "Comments section" }, h("h2", {}, "Comments"), list, comments.more,
      item.comments_disabled ? h("p", { class: "muted" }, "Comments are turned off.") : [form, box], remove));
  await comments.first();
}

// ------------------------------------------------------------------ feed and stories
export async function feed(main) {
  const [tray, mine] = await Promise.all([API.getStoryTray(), API.listUserStories(me()).catch(() => ({ items: [] }))]);
  const posts = h("div", { class: "posts" });
  const pages = pager(posts, (cursor) => API.getFeed({ query: { limit: 10, cursor } }), (item) => postCard(item));
  clear(main, h("h1", { class: "visually-hidden" }, "Home"), trayList(tray.items, mine.items), posts, pages.more);
  const first = await pages.first();
  if (!first.items.length && !first.next_cursor) {
    posts.append(h("div", { class: "card" }, h("p", {}, "Your feed is empty: follow people to see their posts here."),
      h("a", { href: "#/explore" }, "Explore"), " · ", h("a", { href: "#/new" }, "Share a photo")));
  }
}

function trayList(entries, mine) {
  const own = h("li", {}, h("button", { type: "button", onclick: () => go(mine.length ? `/stories/${me()}` : "/new?kind=story") },
    h("span", { class: `ring${mine.length ? " unseen" : ""}` }, avatar({ username: me() }, 56)), h("span", { class: "name" }, mine.length ? "Your story" : "Add story")));
  return h("ul", { class: "tray", "aria-label": "Stories" }, own, entries.map((entry) =>
    h("li", {}, h("button", {
      type: "button",
      "aria-label": `${entry.user.username}'s story${entry.has_unseen ? ", new" : ""}`,
      onclick: () => go(`/stories/${entry.user.username}`),
    }, h("span", { class: `ring${entry.has_unseen ? " unseen" : ""}` }, avatar(entry.user, 56)), h("span", { class: "name" }, entry.user.username)))));
}

const STORY_MS = 5000;

export async function stories(main, username) {
  const { items } = await API.listUserStories(username.toLowerCase());
  const ready = items.filter((s) => s.media.status === "ready");
  if (!ready.length) {
    clear(main, h("h1", {}, "No stories"), h("p", {}, `${username} has no stories right now.`), h("a", { href: "#/" }, "Home"));
    return;
  }
  // Reduced motion: no auto-advance (tap or arrow keys move on), as WCAG's pause rule asks.
  const still = matchMedia("(prefers-reduced-motion: reduce)").matches;
  let index = Math.max(0, ready.findIndex((s) => !s.seen_by_me));
  let started = 0, elapsed = 0, frame = 0, paused = still;
  const bars = ready.map((s, i) => h("progress", { max: 100, value: 0, "aria-label": `Story ${i + 1} of ${ready.length}` }));
  const content = h("div", { class: "content" });
  const who = h("div", { class: "row" });
  const pause = h("button", { type: "button", "aria-pressed": String(paused) }, paused ? "Play" : "Pause");
  const like = h("button", { type: "button", class: "like", "aria-pressed": "false" }, "Like");
  const box = h("div", { class: "frame" }, h("div", { class: "bars" }, bars),
    h("div", { class: "head" }, who, h("span", { style: "flex:1" }), like, pause,
      h("button", { type: "button", onclick: close }, "Close")),
    content,
    h("button", { type: "button", class: "tap prev", "aria-label": "Previous story", onclick: () => show(index - 1) }),
    h("button", { type: "button", class: "tap next", "aria-label": "Next story", onclick: () => show(index + 1) }));
  const viewer = h("section", { class: "story-viewer", role: "dialog", "aria-modal": "true", "aria-label": `${username}'s stories` }, box);
  clear(main, h("h1", { class: "visually-hidden" }, `${username}'s stories`), viewer);

  function close() {
    back("/");
  }
  function tick(now) {
    if (!paused) elapsed += now - started;
    started = now;
    const duration = content.querySelector("video")?.duration * 1000 || STORY_MS;
    bars[index].value = Math.min(100, (elapsed / duration) * 100);
    if (elapsed >= duration) return show(index + 1);
    frame = requestAnimationFrame(tick);
  }
  function show(next) {
    cancelAnimationFrame(frame);
    if (next < 0) next = 0;
    if (next >= ready.length) return close();
    index = next;
    bars.forEach((bar, i) => (bar.value = i < index ? 100 : 0));
    const story = ready[index];
    box.classList.toggle("close-friends", story.audience === "close_friends");
    clear(who, userLink(story.author), story.audience === "close_friends" ? h("span", { class: "cf-label" }, "Close friends") : null, h("span", { class: "muted" }, ago(story.created_at)));
    const element = mediaElement(story.media, { sizes: "(max-width: 640px) 100vw, 420px", alt: `Story by ${story.author.username}` });
    if (element.tagName === "VIDEO") {
      element.autoplay = true;
      element.muted = true;
    }
    element.loading = "eager";
    clear(content, element);
    elapsed = 0;
    const begin = () => {
      started = performance.now();
      frame = requestAnimationFrame(tick);
    };
    if (element.complete || element.readyState >= 2) begin();
    else element.addEventListener(element.tagName === "VIDEO" ? "loadeddata" : "load", begin, { once: true });
    like.setAttribute("aria-pressed", "false");
    like.hidden = story.author.username === me();
    if (story.author.username !== me() && !story.seen_by_me) {
      API.viewStory(story.story_id).then(() => (story.seen_by_me = true)).catch(() => null);
    }
  }
  pause.addEventListener("click", () => {
    paused = !paused;
    pause.textContent = paused ? "Play" : "Pause";
    pause.setAttribute("aria-pressed", String(paused));
  });
  like.addEventListener("click", async () => {
    const liked = like.getAttribute("aria-pressed") === "true";
    await (liked ? API.unlikeStory : API.likeStory)(ready[index].story_id);
    like.setAttribute("aria-pressed", String(!liked));
  });
  const keys = (event) => {
    if (event.key === "Escape") close();
    else if (event.key === "ArrowRight") show(index + 1);
    else if (event.key === "ArrowLeft") show(index - 1);
    else if (event.key === "Tab") {
      // Focus goes round the dialog's controls, never out of it to the browser or the page.
      const stops = [...viewer.querySelectorAll("a[href], button:not([hidden]):not(:disabled), video[controls]")];
      const at = stops.indexOf(document.activeElement);
      const next = event.shiftKey ? (at <= 0 ? stops.length - 1 : at - 1) : (at + 1) % stops.length;
      event.preventDefault();
      stops[next].focus();
    }
  };
  document.addEventListener("keydown", keys);
  // A modal dialog: what is behind it (the header, the navigation) out of reach of Tab.
  const behind = [...document.querySelectorAll("body > :not(main):not(#live)")];
  for (const element of behind) element.inert = true;
  show(index);
  pause.focus();
  return () => {
    cancelAnimationFrame(frame);
    document.removeEventListener("keydown", keys);
    for (const element of behind) element.inert = false;
  };
}

// ------------------------------------------------------------------ upload
const ACCEPT = "image/jpeg,image/png,image/gif,image/webp,image/heic,video/mp4,video/quicktime,video/webm";

export async function compose(main, params) {
  let kind = params.get("kind") === "story" ? "story" : "post";
  let filter = "none";
  let previewUrl = null; // the chosen file, for the preview
  let thumbUrl = null; // a still of it for the filter buttons (a video's first frame)
  const { items: filters } = await API.listFilters();
  const [fileLabel, file] = field("Photo or video", { type: "file", accept: ACCEPT, required: true });
  const preview = h("div", { "aria-live": "polite" });
  const filterRow = h("div", { class: "filters", role: "group", "aria-label": "Filter" });
  const [capLabel, captionInput] = field("Caption", { type: "textarea", maxLength: 2200, rows: 3 });
  const [altLabel, alt] = field("Alt text (describes the photo for people who cannot see it)", { type: "text", maxLength: 1000 });
  const [locLabel, place] = field("Location", { type: "text", maxLength: 100 });
  const [audLabel, audience] = field("Audience", { type: "select", options: [["followers", "Followers"], ["close_friends", "Close friends"]] });
  const postFields = h("div", {}, capLabel, captionInput, altLabel, alt, locLabel, place);
  const storyFields = h("div", {}, audLabel, audience);
  const progress = h("progress", { class: "upload", max: 100, value: 0, "aria-label": "Upload progress", hidden: true });
  const status = h("p", { role: "status" });
  const box = alertBox();
  const tabs = h("div", { class: "tabs", role: "group", "aria-label": "Share as" },
    ["post", "story"].map((k) => h("button", { type: "button", "aria-pressed": String(kind === k), onclick: () => setKind(k) }, k === "post" ? "Post" : "Story")));
  const form = h("form", { class: "card" }, tabs, fileLabel, file, preview, filterRow, postFields, storyFields, progress, status, box,
    h("button", { type: "submit", class: "primary" }, "Share"));

  function setKind(k) {
    kind = k;
    for (const b of tabs.children) b.setAttribute("aria-pressed", String(b.textContent.toLowerCase() === k));
    postFields.hidden = k !== "post";
    storyFields.hidden = k !== "story";
  }
  // The filters as buttons, each showing the chosen photo (or the video's first frame) with
  // its preview; the preview itself, photo or video, shows the chosen one.
  function drawFilters() {
    clear(filterRow, filters.map((f) => h("button", {
      type: "button", title: f.description, "aria-pressed": String(f.name === filter),
      onclick: () => {
        filter = f.name;
        drawFilters();
        const shown = preview.querySelector(".preview");
        if (shown) shown.style.filter = previewFilter(filter);
      },
    }, thumbUrl ? h("img", { src: thumbUrl, alt: "", style: `filter:${previewFilter(f.name)}` }) : null, f.name)));
  }
  file.addEventListener("change", () => {
    const chosen = file.files[0];
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = chosen ? URL.createObjectURL(chosen) : null;
    const video = Boolean(chosen && chosen.type.startsWith("video/"));
    thumbUrl = video ? null : previewUrl;
    const shown = !chosen ? null : video
      ? h("video", { class: "preview", src: previewUrl, controls: true, muted: true, playsInline: true, preload: "auto", "aria-label": "Preview of the video", style: `filter:${previewFilter(filter)}` })
      : h("img", { class: "preview", src: previewUrl, alt: "Preview of the photo", style: `filter:${previewFilter(filter)}` });
    clear(preview, shown);
    if (video) firstFrame(shown).then((still) => {
      if (shown.isConnected && still) {
        thumbUrl = still;
        drawFilters();
      }
    });
    drawFilters();
  });
  onSubmit(form, box, async () => {
    const chosen = file.files[0];
    progress.hidden = false;
    progress.value = 0;
    status.textContent = "Uploading…";
    const mediaId = await upload(chosen, { kind, filter }, (share) => {
      progress.value = Math.round(share * 100);
      progress.setAttribute("aria-valuetext", `${progress.value}%`);
    });
    // Published once processed: a file the API refuses (too long, not a video…) is said here,
    // never shown as a post that stays "Processing…".
    status.textContent = "Uploaded. Processing…";
    const media = await settled(mediaId);
    if (media.status !== "ready") {
      throw new Error(`The ${media.media_type === "video" ? "video" : "file"} was not accepted (${REJECTED[media.reason] || media.reason || "still processing: try again in a minute"}).`);
    }
    status.textContent = "Publishing…";
    if (kind === "story") {
      await API.createStory({ body: { media_id: mediaId, audience: audience.value }, headers: key() });
      return shared("Your story is shared.", "View your story", `#/stories/${me()}`);
    }
    const body = { media_ids: [mediaId], caption: captionInput.value, location: place.value.trim() || null };
    if (alt.value.trim()) body.alt_texts = { [mediaId]: alt.value.trim() };
    const made = await API.createPost({ body, headers: key() });
    shared("Your post is shared.", "View your post", `#/p/${made.post_id}`);
  });
  function shared(text, link, href) {
    clear(status, text, " ", h("a", { href }, link));
    announce(text);
    form.reset();
    clear(preview);
    filter = "none";
    thumbUrl = null;
    drawFilters();
  }
  setKind(kind);
  drawFilters();
  clear(main, h("h1", {}, "New post or story"), form);
  return () => previewUrl && URL.revokeObjectURL(previewUrl);
}

// Why the media service refused a file (docs/api.md, Media uploads), for people.
const REJECTED = {
  not_an_image: "not a photo or video",
  unsupported_format: "a format Glimpse does not take",
  too_large: "too large",
  too_many_pixels: "too many pixels",
  too_long: "longer than 60 seconds",
  corrupt: "the file is damaged",
  policy: "it breaks the community guidelines",
};

// A still of a video's first frame, as a data URL (null when the browser cannot decode it).
function firstFrame(video) {
  return new Promise((resolve) => {
    const grab = () => {
      try {
        const canvas = document.createElement("canvas");
        const scale = 144 / Math.max(video.videoWidth, video.videoHeight, 1);
        canvas.width = Math.max(1, Math.round(video.videoWidth * scale));
        canvas.height = Math.max(1, Math.round(video.videoHeight * scale));
        canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
        resolve(canvas.toDataURL("image/jpeg", 0.8));
      } catch {
        resolve(null);
      }
    };
    if (video.readyState >= 2) grab();
    else {
      video.addEventListener("loadeddata", grab, { once: true });
      video.addEventListener("error", () => resolve(null), { once: true });
    }
  });
}

// ------------------------------------------------------------------ profiles
export async function myProfile() {
  go(`/u/${me()}`);
}

function grid(posts) {
  return posts.map((p) => h("a", { href: `#/p/${p.post_id}`, "aria-label": `Post by ${p.author.username}${p.caption ? `: ${p.caption.slice(0, 60)}` : ""}` },
    mediaElement(p.media[0], { sizes: GRID_SIZES, alt: `Post by ${p.author.username}`, video: false })));
}

function followButton(user, onChange) {
  const labels = { none: user.is_private ? "Request to follow" : "Follow", requested: "Requested", following: "Following" };
  const button = h("button", { type: "button", class: user.follow_status === "none" ? "primary" : "", "aria-pressed": String(user.follow_status !== "none") }, labels[user.follow_status]);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      if (user.follow_status === "none") user.follow_status = (await API.followUser(user.username)).follow_status;
      else {
        await API.unfollowUser(user.username);
        user.follow_status = "none";
      }
      announce(user.follow_status === "none" ? `Unfollowed ${user.username}` : `${labels[user.follow_status]} ${user.username}`);
      onChange();
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

export async function profile(main, username) {
  const name = username.toLowerCase();
  const user = await API.getUserProfile(name);
  const own = name === me();
  const [stories] = await Promise.all([API.listUserStories(name).catch(() => ({ items: [] }))]);
  const hasStories = stories.items.some((s) => s.media.status === "ready");
  const picture = hasStories
    ? h("button", { type: "button", class: "link", "aria-label": `View ${name}'s story`, onclick: () => go(`/stories/${name}`) }, h("span", { class: "ring unseen" }, avatar(user, 84)))
    : avatar(user, 84);
  const actions = own
    ? [h("a", { href: "#/settings" }, "Edit profile"), user.is_private ? h("a", { href: "#/requests" }, "Follow requests") : null]
    : [followButton(user, () => profile(main, name)), h("button", { type: "button", onclick: async () => {
        const conversation = await API.createConversation({ body: { usernames: [name] } });
        go(`/messages/${conversation.conversation_id}`);
      } }, "Message")];
  const posts = h("div", { class: "grid", "aria-label": "Posts" });
  const header = h("section", { class: "card" },
    h("div", { class: "row" }, picture, h("div", {}, h("h1", {}, name), user.display_name ? h("p", {}, user.display_name) : null,
      user.is_private ? h("p", { class: "muted private" }, "Private account") : null)),
    h("ul", { class: "counts" },
      h("li", {}, h("strong", {}, user.posts_count), " posts"),
      h("li", {}, h("a", { href: `#/u/${name}/followers` }, h("strong", {}, user.followers_count), " followers")),
      h("li", {}, h("a", { href: `#/u/${name}/following` }, h("strong", {}, user.following_count), " following"))),
    user.bio ? h("p", {}, user.bio) : null,
    user.follows_me ? h("p", { class: "muted" }, "Follows you") : null,
    h("div", { class: "row" }, actions));
  clear(main, header);
  const pages = pager(posts, (cursor) => API.listUserPosts(name, { query: { cursor, limit: 12 } }), (p) => grid([p]));
  try {
    main.append(posts, pages.more);
    const first = await pages.first();
    if (!first.items.length && !first.next_cursor) posts.replaceWith(h("p", { class: "muted pad" }, "No posts yet."));
  } catch (error) {
    if (error.status !== 403) throw error;
    posts.replaceWith(h("div", { class: "card" }, h("h2", {}, "This account is private"),
      h("p", {}, "Follow this account to see their photos and videos.")));
    pages.more.hidden = true;
  }
}

export async function people(main, username, which) {
  const list = h("ul", { class: "list" });
  const pages = pager(list, (cursor) => (which === "followers" ? API.listFollowers : API.listFollowing)(username.toLowerCase(), { query: { cursor } }), (u) => h("li", {}, userLink(u)));
  clear(main, h("h1", {}, `${username} · ${which}`), list, pages.more);
  try {
    await pages.first();
  } catch (error) {
    if (error.status !== 403) throw error;
    list.replaceWith(h("p", { class: "pad" }, "This account is private: follow it to see who it follows and who follows it."));
  }
}

export async function requests(main) {
  const list = h("ul", { class: "list" });
  const row = (u) => {
    const item = h("li", {}, userLink(u), h("span", { style: "flex:1" }));
    const act = (what) => h("button", { type: "button", class: what === "approve" ? "primary" : "", onclick: async () => {
      await (what === "approve" ? API.approveFollowRequest : API.denyFollowRequest)(u.username);
      item.remove();
      announce(`${what === "approve" ? "Approved" : "Denied"} ${u.username}`);
      refreshBadges();
    } }, what === "approve" ? `Approve ${u.username}` : `Deny ${u.username}`);
    item.append(act("approve"), act("deny"));
    return item;
  };
  const pages = pager(list, (cursor) => API.listFollowRequests({ query: { cursor } }), row);
  clear(main, h("h1", {}, "Follow requests"), list, pages.more);
  const first = await pages.first();
  if (!first.items.length && !first.next_cursor) list.append(h("li", { class: "muted" }, "No requests."));
}

// ------------------------------------------------------------------ notifications
function notificationRow(n) {
  const target = n.post_id ? `#/p/${n.post_id}` : n.type === "follow_request" ? "#/requests" : n.story_id ? `#/stories/${me()}` : n.actors[0] ? `#/u/${n.actors[0].username}` : null;
  return h("li", { class: n.read ? "" : "unread", "data-id": n.notification_id },
    n.actors[0] ? avatar(n.actors[0], 36) : null,
    target ? h("a", { href: target }, n.text) : h("span", {}, n.text),
    h("span", { class: "muted" }, time(n.created_at)));
}

export async function notifications(main) {
  const list = h("ul", { class: "list", "aria-label": "Notifications" });
  const pages = pager(list, (cursor) => API.listNotifications({ query: { cursor } }), notificationRow);
  const badges = await API.getBadges().catch(() => ({ follow_requests: 0 }));
  const pending = badges.follow_requests
    ? h("p", { class: "card" }, h("a", { href: "#/requests" }, `Follow requests (${badges.follow_requests})`))
    : null;
  clear(main, h("h1", {}, "Activity"), pending, list, pages.more);
  const first = await pages.first();
  if (first.items.length) await API.markNotificationsRead({ body: { up_to: first.items[0].notification_id } });
  else list.append(h("li", { class: "muted empty" }, "Nothing yet."));
  refreshBadges();
  return onFrame((frame) => {
    if (frame.type !== "notification") return;
    list.querySelector(".empty")?.remove();
    list.prepend(notificationRow(frame.notification));
    announce(frame.notification.text);
  });
}

// ------------------------------------------------------------------ messages
function who(conversation) {
  return conversation.members.map((m) => m.username).join(", ") || "Just you";
}

export async function conversations(main) {
  const list = h("ul", { class: "list", "aria-label": "Conversations" });
  const row = (c) => h("li", { class: c.unread_count ? "unread" : "", "data-id": c.conversation_id }, avatar(c.members[0], 40),
    h("a", { href: `#/messages/${c.conversation_id}` }, who(c)),
    c.is_request ? h("span", { class: "cf-label" }, "Request") : null,
    h("span", { class: "muted" }, c.last_message && c.last_message.text ? c.last_message.text.slice(0, 40) : ""),
    c.unread_count ? h("span", { class: "badge", "aria-label": `${c.unread_count} unread` }, c.unread_count > 99 ? "99+" : c.unread_count) : null);
  const [toLabel, to] = field("To (usernames, separated by commas)", { type: "text", required: true });
  const box = alertBox();
  const form = h("form", { class: "card" }, toLabel, to, box, h("button", { type: "submit", class: "primary" }, "Start conversation"));
  onSubmit(form, box, async () => {
    const usernames = to.value.split(",").map((u) => u.trim().replace(/^@/, "").toLowerCase()).filter(Boolean);
    const made = await API.createConversation({ body: { usernames } });
    go(`/messages/${made.conversation_id}`);
  });
  const pages = pager(list, (cursor) => API.listConversations({ query: { cursor } }), row);
  clear(main, h("h1", {}, "Messages"), form, list, pages.more);
  await pages.first();
  // A message moves its conversation to the top: the first page again, the form left as typed.
  return onFrame((frame) => {
    if (frame.type !== "message") return;
    API.listConversations().then((page) => {
      const seen = new Set(page.items.map((c) => c.conversation_id));
      const rest = [...list.children].filter((li) => !seen.has(li.dataset.id));
      clear(list, page.items.map(row), rest);
    }).catch(() => null);
  });
}

function bubble(m) {
  const mine = m.sender && m.sender.username === me();
  return h("li", { class: mine ? "mine" : "", id: `m-${m.message_id}`, "aria-label": `${m.sender ? m.sender.username : "Deleted account"}: ${m.text || "media"}` },
    m.media ? mediaElement(m.media, { sizes: "240px" }) : null, m.text || "",
    Object.keys(m.reactions || {}).length ? h("span", { class: "muted" }, " ", Object.entries(m.reactions).map(([e, n]) => `${e}${n > 1 ? n : ""}`).join(" ")) : null);
}

export async function conversation(main, conversationId) {
  const [info, page] = await Promise.all([API.getConversation(conversationId), API.listMessages(conversationId, { query: { limit: 50 } })]);
  const list = h("ol", { class: "messages", "aria-label": "Messages", "aria-live": "polite" }, page.items.slice().reverse().map(bubble));
  const [label, text] = field("Message", { type: "text", maxLength: 1000, required: true, autocomplete: "off" });
  const box = alertBox();
  const add = (m) => {
    if (m.conversation_id !== conversationId || document.getElementById(`m-${m.message_id}`)) return;
    list.append(bubble(m));
    list.lastElementChild.scrollIntoView({ block: "nearest" });
    API.markConversationRead(conversationId, { body: { up_to: m.message_id } }).then(refreshBadges).catch(() => null);
  };
  const form = h("form", { class: "row" }, h("div", { style: "flex:1" }, label, text), h("button", { type: "submit", class: "primary" }, "Send"));
  onSubmit(form, box, async () => {
    const sent = await API.sendMessage(conversationId, { body: { text: text.value, client_message_id: crypto.randomUUID() } });
    text.value = "";
    add(sent);
  });
  const accept = info.is_request ? h("button", { type: "button", onclick: async (event) => {
    await API.acceptConversation(conversationId);
    event.target.remove();
  } }, "Accept message request") : null;
  clear(main, h("h1", {}, who(info)), accept, h("section", { class: "card" }, list, form, box));
  if (page.items.length) API.markConversationRead(conversationId, { body: { up_to: page.items[0].message_id } }).then(refreshBadges).catch(() => null);
  text.focus();
  return onFrame((frame) => {
    if (frame.type === "message") add(frame.message);
    if (frame.type === "message_deleted") document.getElementById(`m-${frame.message_id}`)?.remove();
  });
}

// ------------------------------------------------------------------ explore and search
export async function explore(main) {
  const posts = h("div", { class: "grid", "aria-label": "Explore posts" });
  const pages = pager(posts, (cursor) => API.getExplore({ query: { cursor, limit: 18 } }), (p) => grid([p]));
  clear(main, h("h1", {}, "Explore"), h("p", { class: "pad" }, h("a", { href: "#/search" }, "Search accounts, hashtags and posts")), posts, pages.more);
  await pages.first();
}

export async function search(main, params) {
  const [qLabel, q] = field("Search", { type: "search", required: true, value: params.get("q") || "" });
  const [tLabel, type] = field("Search for", { type: "select", options: [["users", "Accounts"], ["hashtags", "Hashtags"], ["posts", "Posts"]] });
  type.value = params.get("type") || "users";
  const results = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "card", role: "search" }, qLabel, q, tLabel, type, h("button", { type: "submit", class: "primary" }, "Search"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    go(`/search?q=${enc(q.value.trim())}&type=${type.value}`);
  });
  clear(main, h("h1", {}, "Search"), form, results);
  if (!params.get("q")) return;
  const kind = type.value;
  const container = kind === "posts" ? h("div", { class: "grid" }) : h("ul", { class: "list" });
  const render = kind === "users" ? (u) => h("li", {}, userLink(u, 40), h("span", { class: "muted" }, u.display_name))
    : kind === "hashtags" ? (t) => h("li", {}, h("a", { href: `#/tags/${enc(t.tag)}` }, `#${t.tag}`), h("span", { class: "muted" }, `${t.post_count} posts`))
    : (p) => grid([p]);
  const pages = pager(container, (cursor) => API.search({ query: { q: params.get("q"), type: kind, cursor } }), render);
  clear(results, container, pages.more);
  const first = await pages.first();
  if (!first.items.length && !first.next_cursor) results.append(h("p", { class: "muted" }, "No results."));
}

export async function hashtag(main, tag) {
  const posts = h("div", { class: "grid" });
  const pages = pager(posts, (cursor) => API.listHashtagPosts(tag, { query: { cursor, limit: 18 } }), (p) => grid([p]));
  clear(main, h("h1", {}, `#${tag}`), posts, pages.more);
  await pages.first();
}

// ------------------------------------------------------------------ settings
export async function settings(main) {
  const [profileNow, notify, friends] = await Promise.all([API.getMe(), API.getNotificationSettings(), allPages(API.listCloseFriends)]);
  clear(main, h("h1", {}, "Settings"), profileForm(profileNow), avatarForm(), closeFriendsForm(friends), notificationForm(notify), twoFactorForm(),
    h("section", { class: "card" }, h("h2", {}, "Account"), h("p", {}, h("a", { href: "#/requests" }, "Follow requests")),
      h("button", { type: "button", onclick: async () => {
        await logOut();
        window.dispatchEvent(new Event("glimpse:signed-out"));
      } }, "Log out")));
}

async function allPages(list) {
  const items = [];
  let cursor;
  do {
    const page = await list({ query: { cursor, limit: 100 } });
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

function saved(status, text = "Saved.") {
  status.textContent = text;
  announce(text);
}

function profileForm(user) {
  const [nameLabel, display] = field("Display name", { type: "text", maxLength: 64, value: user.display_name });
  const [bioLabel, bio] = field("Bio", { type: "textarea", maxLength: 150, rows: 2 });
  bio.value = user.bio;
  const privateBox = h("input", { type: "checkbox", id: "private-account", checked: user.is_private });
  const status = h("p", { role: "status" });
  const box = alertBox();
  const form = h("form", { class: "card", "aria-labelledby": "h-profile" }, h("h2", { id: "h-profile" }, "Profile and privacy"), nameLabel, display, bioLabel, bio,
    h("label", { class: "check", for: "private-account" }, privateBox, "Private account (new followers need your approval)"),
    status, box, h("button", { type: "submit", class: "primary" }, "Save profile"));
  return onSubmit(form, box, async () => {
    await API.updateMe({ body: { display_name: display.value, bio: bio.value, is_private: privateBox.checked } });
    saved(status);
  });
}

function avatarForm() {
  const [label, file] = field("Profile picture", { type: "file", accept: "image/jpeg,image/png,image/webp,image/heic", required: true });
  const progress = h("progress", { class: "upload", max: 100, value: 0, hidden: true, "aria-label": "Upload progress" });
  const status = h("p", { role: "status" });
  const box = alertBox();
  const form = h("form", { class: "card", "aria-labelledby": "h-avatar" }, h("h2", { id: "h-avatar" }, "Profile picture"), label, file, progress, status, box, h("button", { type: "submit" }, "Upload picture"));
  return onSubmit(form, box, async () => {
    progress.hidden = false;
    const mediaId = await upload(file.files[0], { kind: "avatar" }, (share) => (progress.value = Math.round(share * 100)));
    status.textContent = "Processing…";
    const media = await settled(mediaId);
    if (media.status !== "ready") throw new Error(`The picture was not accepted (${media.reason || "still processing"}).`);
    await API.updateMe({ body: { avatar_media_id: mediaId } });
    saved(status, "Profile picture updated.");
  });
}

function closeFriendsForm(initial) {
  let names = initial.map((u) => u.username);
  const list = h("ul", { class: "list", "aria-label": "Close friends" });
  const [label, input] = field("Add a close friend (username)", { type: "text" });
  const status = h("p", { role: "status" });
  const box = alertBox();
  async function store(next) {
    await API.setCloseFriends({ body: { usernames: next } });
    names = next;
    draw();
    saved(status, "Close friends updated.");
  }
  function draw() {
    clear(list, names.length ? names.map((n) => h("li", {}, h("a", { href: `#/u/${n}` }, n), h("span", { style: "flex:1" }),
      h("button", { type: "button", onclick: () => store(names.filter((x) => x !== n)).catch((e) => failed(box, e)) }, `Remove ${n}`)))
      : h("li", { class: "muted" }, "No close friends yet."));
  }
  draw();
  const form = h("form", { class: "card", "aria-labelledby": "h-close-friends" }, h("h2", { id: "h-close-friends" }, "Close friends"),
    h("p", { class: "muted" }, "Stories you share with close friends show only to them, with a green ring."), list, label, input, status, box,
    h("button", { type: "submit" }, "Add"));
  return onSubmit(form, box, async () => {
    const name = input.value.trim().replace(/^@/, "").toLowerCase();
    if (name && !names.includes(name)) await store([...names, name]);
    input.value = "";
  });
}

function notificationForm(current) {
  const labels = { likes: "Likes", comments: "Comments", follows: "Follows and requests", mentions: "Mentions and tags" };
  const boxes = Object.fromEntries(Object.keys(labels).map((k) => [k, h("input", { type: "checkbox", id: `n-${k}`, checked: current[k] })]));
  const status = h("p", { role: "status" });
  const box = alertBox();
  const form = h("form", { class: "card", "aria-labelledby": "h-notifications" }, h("h2", { id: "h-notifications" }, "Notifications"),
    h("fieldset", {}, h("legend", {}, "Notify me of"), Object.entries(labels).map(([k, text]) => h("label", { class: "check", for: `n-${k}` }, boxes[k], text))),
    status, box, h("button", { type: "submit" }, "Save notification settings"));
  return onSubmit(form, box, async () => {
    await API.updateNotificationSettings({ body: Object.fromEntries(Object.entries(boxes).map(([k, b]) => [k, b.checked])) });
    saved(status);
  });
}

function twoFactorForm() {
  const section = h("section", { class: "card", "aria-labelledby": "h-two-factor" }, h("h2", { id: "h-two-factor" }, "Two-factor authentication"));
  const box = alertBox();
  const [label, code] = field("Code from your authenticator app", { type: "text", inputmode: "numeric", pattern: "[0-9]{6}", autocomplete: "one-time-code" });
  const status = h("p", { role: "status" });
  const start = h("button", { type: "button" }, "Turn on two-factor authentication");
  const verify = h("button", { type: "button", hidden: true }, "Verify and turn on");
  const off = h("button", { type: "button" }, "Turn off two-factor authentication");
  const secret = h("p", { class: "muted" });
  start.addEventListener("click", async () => {
    try {
      const enrolment = await API.enrolTotp();
      clear(secret, `Add this key to your authenticator app: ${enrolment.secret}`, " ",
        h("a", { href: enrolment.otpauth_uri }, "Open in an authenticator app"));
      verify.hidden = false;
      code.focus();
    } catch (error) {
      failed(box, error);
    }
  });
  const done = (text) => () => {
    box.textContent = "";
    code.value = "";
    verify.hidden = true;
    secret.replaceChildren();
    saved(status, text);
  };
  verify.addEventListener("click", () => API.verifyTotp({ body: { code: code.value.trim() } }).then(done("Two-factor authentication is on."), (e) => failed(box, e)));
  off.addEventListener("click", () => API.disableTotp({ body: { code: code.value.trim() } }).then(done("Two-factor authentication is off."), (e) => failed(box, e)));
  section.append(h("p", {}, "With it on, logging in asks for a code from an app as well as your password."), start, secret, label, code, verify, off, status, box);
  return section;
}
