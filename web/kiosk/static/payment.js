// The pay dialog: a method, then the terminal. Cancel (or Escape) works at every step until
// the terminal has approved, and leaves the cart as it was.
import {announce} from "./announce.js";
import {closeModal, openModal} from "./focus.js";
import {sek, t} from "./i18n.js";

const $ = (id) => document.getElementById(id);

function chooseMethod(dialog) {
  return new Promise((resolve) => {
    for (const button of dialog.querySelectorAll("[data-method]")) {
      button.onclick = () => resolve(button.dataset.method);
    }
    $("payment-cancel").onclick = () => resolve(null);
  });
}

// Resolves to {method, approved, reference}, or null when the shopper cancelled.
export async function takePayment(terminal, totalOre) {
  const dialog = $("payment-dialog");
  $("payment-methods").hidden = false;
  dialog.oncancel = (event) => {  // Escape: the same as the Cancel button, never a lost promise
    event.preventDefault();
    $("payment-cancel").click();
  };
  openModal(dialog, dialog.querySelector("[data-method]"));  // the first method
  const method = await chooseMethod(dialog);
  if (!method) {
    closeModal(dialog);
    return null;
  }
  $("payment-methods").hidden = true;  // chosen: only the terminal and Cancel stay
  $("payment-cancel").onclick = () => terminal.cancel();
  $("payment-cancel").focus();  // not lost with the hidden method (a terminal may take it)
  announce(t("present", sek(totalOre)));  // what to do now, where a terminal has no screen reader
  const result = await terminal.pay(method, totalOre, t("present", sek(totalOre)));
  closeModal(dialog);
  return result.cancelled ? null : {method, ...result};
}
