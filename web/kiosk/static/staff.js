// Staff at the kiosk: a long press on the title (or Ctrl+Alt+S) and the staff PIN open a
// panel that shows the sales waiting to sync and forces the central link down for drills.
import {announce} from "./announce.js";
import {api, ApiError} from "./api.js";
import {closeModal, openModal} from "./focus.js";
import {errorText, sek, t} from "./i18n.js";
import {receiptNumber} from "./receipt.js";

const $ = (id) => document.getElementById(id);
const LONG_PRESS_MS = 1500;

// Ask for the staff PIN and check it with the edge before anything else happens; resolves
// to the right PIN, or null if staff cancel. A wrong PIN keeps the dialog open and says so.
export function askPin(title, text, purpose) {
  const dialog = $("pin-dialog");
  $("pin-title").textContent = title;
  $("pin-text").textContent = text;
  $("pin-message").textContent = "";
  $("pin").value = "";
  openModal(dialog, $("pin"));
  return new Promise((resolve) => {
    const finish = (pin) => {
      closeModal(dialog);
      resolve(pin);
    };
    $("pin-form").onsubmit = async (event) => {
      event.preventDefault();
      const pin = $("pin").value;
      try {
        await api("/edge/staff/verify", {method: "POST", body: {pin, purpose}});
        finish(pin);
      } catch (error) {
        $("pin-message").textContent = errorText(error instanceof ApiError ? error.code : "http_error");
        announce($("pin-message").textContent);
        $("pin").value = "";
        $("pin").focus();
      }
    };
    $("pin-cancel").onclick = () => finish(null);
    dialog.oncancel = (event) => {  // Escape cancels, and the promise still settles
      event.preventDefault();
      finish(null);
    };
  });
}

async function openPanel(onChange) {
  const pin = await askPin(t("staff_title"), t("staff_text"), "staff_panel");
  if (pin === null) return;
  const {data} = await api("/edge/orders?sync_state=pending&limit=50");
  $("staff-pending").textContent = t("pending", data.orders.length);
  $("staff-queue").replaceChildren(...data.orders.map((order) => {
    const row = document.createElement("li");
    row.textContent = `${order.created_at.slice(11, 19)} · ${sek(order.total_ore)} · ` +
      `${receiptNumber(order)}`;
    return row;
  }));
  const dialog = $("staff-dialog");
  const button = $("staff-link");
  let forced = document.getElementById("link-state").dataset.state === "forced";
  button.textContent = t(forced ? "release" : "force_down");
  button.onclick = async () => {
    const {data: answer} = await api("/edge/link-override", {
      method: "POST", body: {pin, forced_down: !forced},
    });
    forced = answer.link_forced_down;
    button.textContent = t(forced ? "release" : "force_down");
    onChange(forced);
  };
  $("staff-close").onclick = () => closeModal(dialog);
  openModal(dialog, button);
}

export function setupStaffPanel({onChange}) {
  let timer = null;
  const title = document.querySelector(".brand");
  title.addEventListener("pointerdown", () => {
    timer = setTimeout(() => openPanel(onChange), LONG_PRESS_MS);
  });
  for (const type of ["pointerup", "pointerleave", "pointercancel"]) {
    title.addEventListener(type, () => clearTimeout(timer));
  }
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey && event.altKey && event.key.toLowerCase() === "s") openPanel(onChange);
  });
}
