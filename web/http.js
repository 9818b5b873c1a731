// The transport under the generated API module (api.js, one function per operation): the
// session's tokens, errors as the API's error body, the upload to S3. Only the public API
// (docs/api.md): nothing here knows more than a third-party client would.
import * as API from "./api.js";
import config from "./config.js";

const STORE = "glimpse.session";

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `The request failed (${status}).`);
    this.status = status;
    this.code = error.code || "network";
    this.details = error.details || [];
  }
}

export const session = {
  get() {
    try {
      return JSON.parse(localStorage.getItem(STORE)) || null;
    } catch {
      return null;
    }
  },
  set(value) {
    localStorage.setItem(STORE, JSON.stringify(value));
  },
  clear() {
    localStorage.removeItem(STORE);
  },
};

export function apiUrl(path, query) {
  const url = new URL(config.apiUrl.replace(/\/$/, "") + path);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  return url.toString();
}

async function send(method, path, { body, query, headers = {}, auth = true } = {}) {
  const current = session.get();
  const sent = { ...headers };
  if (auth && current) sent.Authorization = `Bearer ${current.id_token}`;
  if (body !== undefined) sent["Content-Type"] = "application/json";
  const response = await fetch(apiUrl(path, query), {
    method,
    headers: sent,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  return { response, data };
}

let refreshing = null;

async function refresh() {
  const current = session.get();
  if (!current || !current.refresh_token) return false;
  // Not API.refreshTokens: its 401 must not end the session through api() itself.
  refreshing ??= send("POST", "/auth/refresh", {
    body: { refresh_token: current.refresh_token },
    auth: false,
  }).finally(() => (refreshing = null));
  const { response, data } = await refreshing;
  if (!response.ok) return false;
  session.set({ ...current, ...data, refresh_token: current.refresh_token });
  return true;
}

// One call: its JSON (null for a 204), or an ApiError. An expired ID token is refreshed once;
// a session that cannot be refreshed ends (the app goes back to the login page).
export async function api(method, path, options = {}) {
  let { response, data } = await send(method, path, options);
  if (response.status === 401 && options.auth !== false && (await refresh())) {
    ({ response, data } = await send(method, path, options));
  }
  if (response.status === 401 && options.auth !== false) {
    session.clear();
    window.dispatchEvent(new Event("glimpse:signed-out"));
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export async function logIn(username, password) {
  const data = await API.logIn({ body: { username, password } });
  if (data.challenge) return data; // two-factor: {challenge: "totp", session}
  session.set({ ...data, username: username.toLowerCase() });
  return data;
}

export async function answerChallenge(username, challenge, code) {
  const data = await API.logInWithTotp({ body: { session: challenge, code } });
  session.set({ ...data, username: username.toLowerCase() });
  return data;
}

export async function logOut() {
  const current = session.get();
  session.clear();
  if (current && current.refresh_token) {
    await API.logOut({ body: { refresh_token: current.refresh_token } }).catch(() => null);
  }
}

// The three steps of an upload (docs/api.md, Media uploads): the slot, the file POSTed to S3
// with XHR (fetch has no upload progress), then polling until the media item settles.
// onProgress gets a share from 0 to 1.
export async function upload(file, { kind, filter = "none" }, onProgress = () => {}) {
  const slot = await API.createMedia({
    body: { kind, content_type: file.type, size_bytes: file.size, filter },
    headers: { "Idempotency-Key": crypto.randomUUID() },
  });
  await postForm(slot.upload, file, onProgress);
  return slot.media_id;
}

function postForm(form, file, onProgress) {
  const data = new FormData();
  for (const [key, value] of Object.entries(form.fields)) data.append(key, value);
  data.append("file", file);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.url);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve();
      } else reject(new ApiError(xhr.status, { error: { message: "The upload was refused." } }));
    });
    xhr.addEventListener("error", () =>
      reject(new ApiError(0, { error: { message: "The upload failed: check the connection." } })),
    );
    xhr.send(data);
  });
}

// GET /media/{id} until it leaves `pending` (about a second; a video takes longer).
export async function settled(mediaId, timeoutMs = 120000) {
  const until = Date.now() + timeoutMs;
  for (let wait = 300; ; wait = Math.min(wait * 1.5, 2000)) {
    const media = await API.getMedia(mediaId);
    if (media.status !== "pending" || Date.now() > until) return media;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
