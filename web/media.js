// Images at the size the viewport needs: a srcset over a media item's renditions (long edge
// → URL, docs/api.md Media), each described by its real width, and `sizes` for the layout.
import { h } from "./dom.js";

export const FEED_SIZES = "(max-width: 640px) 100vw, 600px";
export const GRID_SIZES = "(max-width: 640px) 33vw, 200px";

function width(media, longEdge) {
  const { width: w, height: hgt } = media;
  if (!w || !hgt) return longEdge;
  return Math.min(w, Math.round((w * longEdge) / Math.max(w, hgt)));
}

export function srcset(media, renditions = media.renditions) {
  const seen = new Set();
  return Object.entries(renditions || {})
    .map(([edge, url]) => [width(media, Number(edge)), url])
    .sort((a, b) => a[0] - b[0])
    .filter(([w]) => !seen.has(w) && seen.add(w))
    .map(([w, url]) => `${url} ${w}w`)
    .join(", ");
}

function smallest(renditions) {
  const edges = Object.keys(renditions || {}).map(Number).sort((a, b) => a - b);
  return edges.length ? renditions[String(edges[0])] : "";
}

// A media item as shown: an image (or a video's poster and player), or a placeholder while
// it is processed. alt: the author's alt text, or what the item is.
export function mediaElement(media, { sizes = FEED_SIZES, alt, video = true } = {}) {
  const label = media.alt_text || alt || (media.media_type === "video" ? "Video" : "Photo");
  if (media.status !== "ready") {
    return h("div", { class: "media pending", role: "img", "aria-label": `${label} (processing)` }, "Processing…");
  }
  const ratio = media.width && media.height ? `${media.width} / ${media.height}` : "1";
  if (media.media_type === "video" && video && media.video) {
    const sources = Object.keys(media.video).map(Number).sort((a, b) => a - b);
    const pick = innerWidth * devicePixelRatio > 700 ? sources.at(-1) : sources[0];
    return h("video", {
      class: "media",
      controls: true,
      playsInline: true,
      preload: "metadata",
      poster: media.renditions && (media.renditions["640"] || smallest(media.renditions)),
      src: media.video[String(pick)],
      "aria-label": label,
      style: `aspect-ratio: ${ratio}`,
    });
  }
  return h("img", {
    class: "media",
    src: media.renditions["640"] || smallest(media.renditions),
    srcset: srcset(media),
    sizes,
    alt: label,
    loading: "lazy",
    decoding: "async",
    width: media.width,
    height: media.height,
    style: `aspect-ratio: ${ratio}`,
  });
}

export function avatar(user, size = 32) {
  const url = user && user.avatar && (user.avatar["150"] || smallest(user.avatar));
  const name = user ? user.username : "";
  if (url) {
    return h("img", { class: "avatar", src: url, width: size, height: size, alt: `${name}'s profile picture` });
  }
  return h("span", { class: "avatar initial", style: `width:${size}px;height:${size}px`, "aria-hidden": "true" }, name.slice(0, 1).toUpperCase());
}

// What `GET /media/filters` names, as a CSS filter for the preview before upload (the
// thumbnailer applies the real preset, glimpse/media/filters.py, to every rendition).
const PREVIEW = {
  none: "none",
  vivid: "saturate(1.35) contrast(1.1)",
  warm: "sepia(0.25) saturate(1.2) hue-rotate(-8deg)",
  cool: "saturate(0.9) hue-rotate(12deg) brightness(1.03)",
  fade: "contrast(0.85) brightness(1.1) saturate(0.8)",
  mono: "grayscale(1)",
  noir: "grayscale(1) contrast(1.4) brightness(0.9)",
  vintage: "sepia(0.45) contrast(0.9) brightness(1.05)",
};

export function previewFilter(name) {
  return PREVIEW[name] || "none";
}
