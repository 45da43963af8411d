// The kiosk's service worker: the kiosk shell (its page, modules, styles and the last catalog)
// loads even while the edge is down, so a reload shows the page's own offline state ("Store:
// reconnecting…", "Saving your purchase…") instead of the browser's error page, and the page
// then recovers by itself (offline.js, app.js).
//
// Network first, always: while the edge answers, its answer is what the page gets (current
// prices, current modules) and what is kept for next time; the kept copy is used only when
// the edge does not answer, answers 5xx, or is slower than NETWORK_TIMEOUT_MS. Only GETs of
// the shell and of /catalog are touched. Every POST (quotes, checkouts) goes straight to the
// network and is never stored or replayed here: the page retries its checkout itself, with
// the idempotency key it made before the first try (InFlight in cart.js).
//
// Served at /static/kiosk/sw.js with `Service-Worker-Allowed: /kiosk/`
// (server/edge_app/kiosk_worker.py); offline.js registers it for the scope /kiosk/.

const PREFIX = "aoc-kiosk-";
const CACHE = `${PREFIX}v1`;  // a new name when what is kept changes: activate drops the rest
const NETWORK_TIMEOUT_MS = 5000;  // an edge unreachable on the LAN may take long to fail

// Every script and style sheet of the kiosk's folder and of web/common/static: the edge writes
// the list in as it serves this file (server/edge_app/kiosk_worker.py), so a module added to
// the page is kept too, and a new list makes a new worker, which keeps it.
const SHELL = [/* the edge writes the shell in here */];
const CATALOG = "/catalog";
const KIOSK_PAGE = /^\/kiosk\/[^/]+$/;  // /kiosk/{kiosk_id}: each kept under its own URL

function isKept(url) {
  if (url.origin !== location.origin || url.search) return false;
  return KIOSK_PAGE.test(url.pathname) || url.pathname === CATALOG ||
    SHELL.includes(url.pathname);
}

// The cache's key: the URL without its fragment, so one kiosk's page is never another's.
const keyOf = (url) => url.origin + url.pathname;

// Keep a good answer; an error answer never replaces a good one. A 401 or 403 for a page or
// the catalog means this browser is no longer signed in as that kiosk: its kept copy goes,
// so the page is not shown offline to a browser the edge has since turned away.
async function remember(url, response) {
  const cache = await caches.open(CACHE);
  if (response.status === 200 && response.type === "basic" && !response.redirected) {
    await cache.put(keyOf(url), response.clone());
  } else if (response.status === 401 || response.status === 403) {
    await cache.delete(keyOf(url));
  }
  return response;
}

async function networkFirst(fromNetwork, url) {
  const slow = new Promise((resolve) => setTimeout(resolve, NETWORK_TIMEOUT_MS, null));
  try {
    const response = await Promise.race([fromNetwork, slow]);
    if (response && response.status < 500) return response;
  } catch {
    // no answer: the edge is down or out of reach; the kept copy, if any, stands in
  }
  const kept = await caches.match(keyOf(url), {cacheName: CACHE, ignoreVary: true});
  return kept ?? fromNetwork;  // nothing kept: the network's own answer, or its error
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;  // never stored, never replayed: the network's alone
  const url = new URL(request.url);
  if (!isKept(url)) return;  // the socket, /health, the API: untouched
  const fromNetwork = fetch(request).then((response) => remember(url, response));
  event.waitUntil(fromNetwork.catch(() => null));  // a late answer still refreshes the copy
  event.respondWith(networkFirst(fromNetwork, url));
});

// The page that registers the worker has loaded without it: keep that page and the catalog
// now, with the browser's own cookie, so the very next reload already works without the edge.
async function keepOpenPages() {
  const windows = await self.clients.matchAll({type: "window", includeUncontrolled: true});
  const pages = windows.map((client) => new URL(client.url))
    .filter((url) => url.origin === location.origin && KIOSK_PAGE.test(url.pathname));
  const urls = [...pages, new URL(CATALOG, location.origin)];
  await Promise.all(urls.map((url) =>
    fetch(keyOf(url)).then((response) => remember(url, response)).catch(() => null)));
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    // All or nothing: a shell missing one module would not start offline; a failed install
    // is tried again at the next page load.
    await (await caches.open(CACHE)).addAll(SHELL);
    await keepOpenPages();
    await self.skipWaiting();  // network first, so an older page under a newer worker is fine
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith(PREFIX) && name !== CACHE)
      .map((name) => caches.delete(name)));
    await self.clients.claim();  // the open page's next fetches already refresh the copies
  })());
});
