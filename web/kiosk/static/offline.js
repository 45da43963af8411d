// The kiosk without its edge: the service worker (sw.js) lets the page load while the edge is
// down, and these helpers let the page come back by itself when the edge answers again.
import {backoffDelay, sleep} from "/static/common/backoff.js";

const WORKER_URL = "/static/kiosk/sw.js";
const WORKER_SCOPE = "/kiosk/";  // every kiosk page; the edge allows it (Service-Worker-Allowed)

// Register the worker. It needs a secure context (HTTPS, or 127.0.0.1 / localhost); without
// one, or if registering fails, the page works as before, only not offline: never an error.
export async function registerServiceWorker() {
  if (!window.isSecureContext || !("serviceWorker" in navigator)) {
    console.info("kiosk: no service worker here (not a secure context), no offline shell");
    return null;
  }
  try {
    return await navigator.serviceWorker.register(WORKER_URL, {scope: WORKER_SCOPE});
  } catch (error) {
    console.warn("kiosk: the offline shell could not be set up", error);
    return null;
  }
}

// Run `task` until it succeeds, waiting longer after each failure (with jitter, so a store's
// kiosks coming back together do not all ask at once). Resolves to what the task gave.
export async function keepTrying(task) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      console.warn("kiosk: will try again", error);
    }
    await sleep(backoffDelay(attempt));
  }
}

// A listener for the socket's up (true) and down (false) that calls `onBack` each time the
// edge answers again after it was lost, including when the page came up without it; not on
// the first connection of a page that loaded with the edge there.
export function afterOutage(onBack) {
  let lost = false;
  return (up) => {
    if (!up) lost = true;
    else if (lost) {
      lost = false;
      onBack();
    }
  };
}
