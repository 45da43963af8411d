// The corner that says whether a wallboard is live: "Live · updated 2 s ago", stale after
// `staleAfterS` without news, "Disconnected — reconnecting…" while its socket is down.
import {formatAge} from "./format.js";

export function renderLive(element, {connected, lastUpdate, staleAfterS}) {
  if (!connected) {
    element.dataset.state = "reconnecting";
    element.textContent = "Disconnected — reconnecting…";
    return;
  }
  const age = (Date.now() - lastUpdate) / 1000;
  element.dataset.state = age > staleAfterS ? "stale" : "live";
  element.textContent = `● Live · updated ${formatAge(age)} ago`;
}
