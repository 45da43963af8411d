// Codes coming in: a keyboard-wedge scanner types digits then Enter, anywhere on the page
// (also while a button has the keyboard's focus: Enter after fewer than 8 digits presses it);
// a shopper types a barcode into the field. `onCode(code, entry)` gets each whole code,
// `onWrongLength(n)` a typed one that cannot be a barcode.
export function setupScanner({onCode, onWrongLength}) {
  let buffer = "";
  document.addEventListener("keydown", (event) => {
    const typing = event.target instanceof HTMLInputElement;
    if (typing || document.querySelector("dialog[open]")) return;
    if (/^[0-9]$/.test(event.key)) buffer += event.key;
    else if (event.key === "Enter" && buffer.length >= 8) {
      event.preventDefault();  // the scanner's Enter, not a press of the focused button
      onCode(buffer, "scanned");
      buffer = "";
    } else buffer = "";
  });
  const field = document.getElementById("ean");
  document.getElementById("ean-form").onsubmit = (event) => {
    event.preventDefault();
    const code = field.value.trim();
    field.value = "";
    if (/^[0-9]{13}$/.test(code)) onCode(code, "keyed");
    else if (code) onWrongLength(code.length);
  };
}
