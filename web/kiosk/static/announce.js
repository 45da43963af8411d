// The page's one live region: what changed, said to a screen reader in the page's language
// (an item and the new total, a refusal, the sale saved, the receipt).
const DELAY_MS = 150;
let timer = null;

// A modal dialog makes the rest of the page inert, and an inert live region is never read:
// the region moves into the open dialog (and back) before it speaks.
function regionHome() {
  const open = [...document.querySelectorAll("dialog[open]")];
  return open.length ? open[open.length - 1] : document.body;
}

export function announce(text) {
  const region = document.getElementById("announcer");
  const home = regionHome();
  if (region.parentElement !== home) home.append(region);
  region.textContent = "";  // the same words twice are still said twice
  clearTimeout(timer);
  if (text) timer = setTimeout(() => { region.textContent = text; }, DELAY_MS);
}
