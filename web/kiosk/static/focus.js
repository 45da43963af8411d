// Dialogs are opened with showModal (modal for assistive technology; focus stays inside) and
// closed here, so focus lands on their first sensible control and returns to what opened them.
const openers = new WeakMap();

// Can focus go back to what opened a dialog? If not, it goes to the page's heading: not a
// field, so the scanner still hears the keyboard, and a screen reader starts at the top.
function usable(element) {
  return element instanceof HTMLElement && element !== document.body && element.isConnected &&
    !element.disabled && element.getClientRects().length > 0;
}

function restoreFocus(dialog) {
  if (!openers.has(dialog)) return;
  const opener = openers.get(dialog);
  openers.delete(dialog);
  const top = document.querySelector("dialog[open]");
  if (top) {  // back into the dialog below, if that is where this one was opened from
    if (top.contains(opener)) opener.focus();
    return;
  }
  (usable(opener) ? opener : document.getElementById("title")).focus();
}

// The controls Tab can reach in `dialog`, in order: the shown, enabled ones.
function tabStops(dialog) {
  return [...dialog.querySelectorAll("button, input, [tabindex]")].filter((element) =>
    element.tabIndex >= 0 && !element.disabled && element.getClientRects().length > 0);
}

// Tab past the last control comes round to the first (and Shift+Tab the other way) instead of
// leaving the page for the browser's own controls, where a kiosk shopper is lost.
function keepTabInside(event) {
  if (event.key !== "Tab") return;
  const stops = tabStops(event.currentTarget);
  if (stops.length === 0) return event.preventDefault();
  const [first, last] = [stops[0], stops[stops.length - 1]];
  const edge = event.shiftKey ? first : last;
  if (document.activeElement === edge || !event.currentTarget.contains(document.activeElement)) {
    event.preventDefault();
    (event.shiftKey ? last : first).focus();
  }
}

// Open `dialog` modally with focus on `first` (else the browser's first focusable element).
export function openModal(dialog, first) {
  if (dialog.open) return;
  openers.set(dialog, document.activeElement);
  dialog.onkeydown = keepTabInside;
  dialog.addEventListener("close", () => {  // closed by Escape too, not only by closeModal
    if (!dialog.open) restoreFocus(dialog);
  }, {once: true});
  dialog.showModal();
  first?.focus();
}

export function closeModal(dialog) {
  if (!dialog.open) return;
  dialog.close();
  restoreFocus(dialog);
}
