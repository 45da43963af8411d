// The shopper's own settings for this sale: "larger text and high contrast", and "within
// reach", which brings what is needed to buy and pay into the lower part of a portrait
// screen. Each is a class on <html> (kiosk.css does the rest) and a toggle button that says
// whether it is on (aria-pressed); both end with the sale, as the language does.
const MODES = {"large-text": "large", "reach": "reach"};  // button id: class on <html>

function show(button, on) {
  button.setAttribute("aria-pressed", String(on));
  document.documentElement.classList.toggle(MODES[button.id], on);
}

export function setupAccessModes() {
  for (const id of Object.keys(MODES)) {
    const button = document.getElementById(id);
    button.onclick = () => show(button, button.getAttribute("aria-pressed") !== "true");
  }
}

// The next shopper starts with the kiosk as it stands.
export function resetAccessModes() {
  for (const id of Object.keys(MODES)) show(document.getElementById(id), false);
}
