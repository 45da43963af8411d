// Swedish and English texts; the page starts in Swedish and remembers the shopper's choice
// only until the cart is cleared.
const TEXTS = {
  sv: {
    title: "Självscanning", search: "Sök vara", type_ean: "Skriv streckkod", add: "Lägg till",
    cart: "Varukorg", scan_hint: "Skanna en vara för att börja.", total: "Att betala",
    pay: "Betala", choose_method: "Hur vill du betala?", card: "Kort", terminal_sim:
    "Simulerad terminal", approve: "Godkänn", decline: "Avvisa", cancel: "Avbryt", ok: "OK",
    staff: "Personal", close: "Stäng", saving: "Sparar ditt köp…", still_there: "Är du kvar?",
    stay: "Jag är kvar", thanks: "Tack för ditt köp!", order: "Kvitto", paid: "Betalt",
    done: "Klar", edge_up: "Butiken: ansluten", edge_down: "Butiken: återansluter…",
    link_up: "Huvudkontoret: nås", link_down: "Huvudkontoret: nås inte",
    link_forced: "Huvudkontoret: avstängt (övning)", pending: (n) => `${n} köp väntar på synk`,
    synced: "Synkat till huvudkontoret", waiting: "Sparat i butiken, synkas senare",
    vat: (rate) => `varav moms ${rate} %`, unknown_sku: "Okänd vara", remove: "Ta bort",
    declined: "Betalningen avvisades. Försök igen.", present: (amount) =>
      `Betala ${amount} på terminalen`, saving_retry: (n) => `Försök ${n}. Köpet går inte förlorat.`,
    staff_check_title: "Personalen behöver titta",
    age_text: (age) => `Personal: kontrollera legitimation (${age} år) och ange PIN.`,
    label_text: (n) => `Personal: kontrollera ${n === 1 ? "vågetiketten" : `${n} vågetiketter`} och ange PIN.`,
    implausible_label: "Vågetiketten stämmer inte med varan. Personal kommer och hjälper dig.",
    staff_title: "Personal-PIN", staff_text: "Ange PIN för personalmenyn.",
    wrong_pin: "Fel PIN.", force_down: "Stäng av länken (övning)", release: "Släpp länken",
    idle: (s) => `Varukorgen töms om ${s} s.`, price_changed: "Priserna har ändrats; kontrollera varukorgen.",
    error: "Något gick fel. Försök igen.",
  },
  en: {
    title: "Self-checkout", search: "Search products", type_ean: "Type a barcode", add: "Add",
    cart: "Cart", scan_hint: "Scan an item to start.", total: "To pay", pay: "Pay",
    choose_method: "How would you like to pay?", card: "Card", terminal_sim: "Simulated terminal",
    approve: "Approve", decline: "Decline", cancel: "Cancel", ok: "OK", staff: "Staff",
    close: "Close", saving: "Saving your purchase…", still_there: "Are you still there?",
    stay: "I'm here", thanks: "Thank you!", order: "Receipt", paid: "Paid", done: "Done",
    edge_up: "Store: connected", edge_down: "Store: reconnecting…", link_up: "Head office: reachable",
    link_down: "Head office: unreachable", link_forced: "Head office: off (drill)",
    pending: (n) => `${n} sales waiting to sync`, synced: "Synced to head office",
    waiting: "Saved in the store, syncs later", vat: (rate) => `incl. VAT ${rate} %`,
    unknown_sku: "Unknown item", remove: "Remove",
    declined: "The payment was declined. Please try again.",
    present: (amount) => `Pay ${amount} on the terminal`,
    saving_retry: (n) => `Attempt ${n}. Your purchase will not be lost.`,
    staff_check_title: "Staff need to look",
    age_text: (age) => `Staff: check ID (${age}+) and enter your PIN.`,
    label_text: (n) => `Staff: check ${n === 1 ? "the scale label" : `${n} scale labels`} and enter your PIN.`,
    implausible_label: "The scale label does not match the item. Staff will come and help you.",
    staff_title: "Staff PIN", staff_text: "Enter the PIN for the staff menu.",
    wrong_pin: "Wrong PIN.", force_down: "Force link down (drill)", release: "Release the link",
    idle: (s) => `The cart will be cleared in ${s} s.`,
    price_changed: "Prices changed; please check the cart.", error: "Something went wrong. Please try again.",
  },
};

let language = "sv";

export function t(key, ...args) {
  const text = TEXTS[language][key] ?? TEXTS.sv[key] ?? key;
  return typeof text === "function" ? text(...args) : text;
}

export function setLanguage(lang) {
  language = lang;
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
}

export function currentLanguage() {
  return language;
}

const kronor = new Intl.NumberFormat("sv-SE", {style: "currency", currency: "SEK"});

// Money arrives in öre (integers); it is only formatted here, never computed.
export function sek(ore) {
  return kronor.format(ore / 100);
}
