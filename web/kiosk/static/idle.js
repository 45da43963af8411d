// An abandoned cart is cleared after a warning; a checkout in progress is never touched.
import {closeModal, openModal} from "./focus.js";
import {t} from "./i18n.js";

const $ = (id) => document.getElementById(id);

// `abandonable()`: is there a cart that nobody is paying for right now?
export function setupIdleTimer({timeoutS, warningS, abandonable, clear}) {
  let idleSince = Date.now();
  const dialog = $("idle-dialog");
  const reset = (event) => {
    idleSince = Date.now();
    if (!dialog.open) return;
    if (event?.type === "keydown") event.preventDefault();  // a key wakes the kiosk, no more
    closeModal(dialog);
  };
  for (const type of ["pointerdown", "keydown", "touchstart"]) {
    document.addEventListener(type, reset, {capture: true});
  }
  $("idle-stay").onclick = () => reset();
  setInterval(() => {
    if (!abandonable()) return reset();
    const left = Math.ceil(timeoutS - (Date.now() - idleSince) / 1000);
    if (left <= 0) {
      closeModal(dialog);
      clear();
      reset();
    } else if (left <= warningS) {
      $("idle-text").textContent = t("idle", left);
      openModal(dialog, $("idle-stay"));
    }
  }, 1000);
}
