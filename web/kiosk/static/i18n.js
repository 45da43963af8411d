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
    vat: (rate) => `varav moms ${rate} %`,
    declined: "Betalningen avvisades. Försök igen.", present: (amount) =>
      `Betala ${amount} på terminalen`, saving_retry: (n) => `Försök ${n}. Köpet går inte förlorat.`,
    staff_check_title: "Personalen behöver titta",
    age_text: (age) => `Personal: kontrollera legitimation (${age} år) och ange PIN.`,
    label_text: (n) => `Personal: kontrollera ${n === 1 ? "vågetiketten" : `${n} vågetiketter`} och ange PIN.`,
    staff_title: "Personal-PIN", staff_text: "Ange PIN för personalmenyn.",
    force_down: "Stäng av länken (övning)", release: "Släpp länken",
    idle: (s) => `Varukorgen töms om ${s} s.`,
    error: "Något gick fel. Försök igen.", unit_price: (price) => `${price}/st`,
    kg_price: (price) => `${price}/kg`, receipt_number: "Kvittonummer",
    store: "Butik", time: "Tid", method: "Betalsätt", reference: "Referens", swish: "Swish",
    unknown_code: (code) => `Streckkoden ${code} känns inte igen.`,
    call_staff: "Ring på personalen så hjälper de dig.", dismiss: "OK",
    wrong_length: (n) => `En streckkod har 13 siffror. Du skrev ${n}.`,
    receipt_closes: (s) => `Kvittot stängs om ${s} s.`,
    products: "Varor", categories: "Kategorier", pin_label: "PIN",
    one_less: (name) => `En mindre ${name}`, one_more: (name) => `En till ${name}`,
    remove_item: (name) => `Ta bort ${name}`,
    added: (name, qty, total) => `${name} tillagd, ${qty} st i korgen. Att betala ${total}.`,
    fewer: (name, qty, total) => `En mindre ${name}, ${qty} st i korgen. Att betala ${total}.`,
    removed: (name, total) => `${name} borttagen. Att betala ${total}.`,
    receipt_said: (total, number) =>
      `Köpet är sparat. Betalt ${total}. Kvittonummer ${number}. Tack för ditt köp!`,
    settings: "Inställningar",
    large_text: "Större text", reach: "Nå lägre", more_time: "Mer tid",
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
    declined: "The payment was declined. Please try again.",
    present: (amount) => `Pay ${amount} on the terminal`,
    saving_retry: (n) => `Attempt ${n}. Your purchase will not be lost.`,
    staff_check_title: "Staff need to look",
    age_text: (age) => `Staff: check ID (${age}+) and enter your PIN.`,
    label_text: (n) => `Staff: check ${n === 1 ? "the scale label" : `${n} scale labels`} and enter your PIN.`,
    staff_title: "Staff PIN", staff_text: "Enter the PIN for the staff menu.",
    force_down: "Force link down (drill)", release: "Release the link",
    idle: (s) => `The cart will be cleared in ${s} s.`,
    error: "Something went wrong. Please try again.",
    unit_price: (price) => `${price} each`, kg_price: (price) => `${price} per kg`, receipt_number: "Receipt number", store: "Store", time: "Time",
    method: "Paid by", reference: "Reference", swish: "Swish",
    unknown_code: (code) => `The barcode ${code} is not known.`,
    call_staff: "Please call staff: they will help you.", dismiss: "OK",
    wrong_length: (n) => `A barcode has 13 digits. You typed ${n}.`,
    receipt_closes: (s) => `The receipt closes in ${s} s.`,
    products: "Products", categories: "Categories", pin_label: "PIN",
    one_less: (name) => `One less ${name}`, one_more: (name) => `One more ${name}`,
    remove_item: (name) => `Remove ${name}`,
    added: (name, qty, total) => `${name} added, ${qty} in the cart. To pay ${total}.`,
    fewer: (name, qty, total) => `One less ${name}, ${qty} in the cart. To pay ${total}.`,
    removed: (name, total) => `${name} removed. To pay ${total}.`,
    receipt_said: (total, number) =>
      `Your purchase is saved. Paid ${total}. Receipt number ${number}. Thank you!`,
    settings: "Settings",
    large_text: "Larger text", reach: "Within reach", more_time: "More time",
  },
};

// Every error code the kiosk can meet, in words a shopper or staff member can act on. The
// server's own message is English and for integrators: the page never shows it.
const ERRORS = {
  sv: {
    malformed_request: "Kassan skickade något felaktigt. Ring på personalen.",
    request_timeout: "Butikens server svarade inte i tid. Försök igen.",
    invalid_fields: "Något i köpet kunde inte tas emot. Ring på personalen.",
    not_found: "Det som söktes finns inte. Ring på personalen.",
    unknown_kiosk: "Kassan är inte registrerad i butiken. Ring på personalen.",
    unknown_sku: "Okänd vara. Ring på personalen.",
    implausible_label: "Vågetiketten stämmer inte med varan. Personal kommer och hjälper dig.",
    price_changed: "Priserna har ändrats; kontrollera varukorgen.",
    idempotency_key_reused: "Köpet krockade med ett tidigare köp. Ring på personalen.",
    store_unavailable: "Butikens server är upptagen. Försök igen om en stund.",
    central_link_down: "Huvudkontoret nås inte just nu; köpen sparas i butiken.",
    central_unavailable: "Huvudkontoret svarar inte just nu; köpen sparas i butiken.",
    unauthorized: "Kassan är utloggad. Ring på personalen.",
    forbidden: "Kassan får inte göra det. Ring på personalen.",
    kiosk_mismatch: "Kassan är inloggad som en annan kassa. Ring på personalen.",
    cross_site_request: "Begäran kom från fel sida och stoppades. Ladda om sidan.",
    too_many_requests: "För många försök. Vänta en stund och försök igen.",
    wrong_staff_pin: "Fel PIN.",
    age_check_required: "Personalen behöver kontrollera legitimation.",
    label_check_required: "Personalen behöver titta på vågetiketten.",
    unsupported_content_encoding: "Kassan skickade i fel format. Ring på personalen.",
    unsupported_media_type: "Kassan skickade i fel format. Ring på personalen.",
    method_not_allowed: "Kassan bad om något som inte går. Ring på personalen.",
    request_too_large: "Köpet är för stort för en kassa. Dela upp det.",
    internal_error: "Något gick fel i butikens server. Försök igen.",
    http_error: "Butikens server svarar inte. Försök igen.",
  },
  en: {
    malformed_request: "The kiosk sent something malformed. Please call staff.",
    request_timeout: "The store's server did not answer in time. Please try again.",
    invalid_fields: "Something in the purchase could not be taken. Please call staff.",
    not_found: "What was asked for does not exist. Please call staff.",
    unknown_kiosk: "This kiosk is not enrolled in the store. Please call staff.",
    unknown_sku: "Unknown item. Please call staff.",
    implausible_label: "The scale label does not match the item. Staff will come and help you.",
    price_changed: "Prices changed; please check the cart.",
    idempotency_key_reused: "This purchase clashed with an earlier one. Please call staff.",
    store_unavailable: "The store's server is busy. Please try again in a moment.",
    central_link_down: "Head office is out of reach; purchases are kept in the store.",
    central_unavailable: "Head office is not answering; purchases are kept in the store.",
    unauthorized: "This kiosk is signed out. Please call staff.",
    forbidden: "This kiosk may not do that. Please call staff.",
    kiosk_mismatch: "This kiosk is signed in as another kiosk. Please call staff.",
    cross_site_request: "The request came from the wrong page and was stopped. Reload the page.",
    too_many_requests: "Too many attempts. Wait a moment and try again.",
    wrong_staff_pin: "Wrong PIN.",
    age_check_required: "Staff need to check ID.",
    label_check_required: "Staff need to look at the scale label.",
    unsupported_content_encoding: "The kiosk sent the wrong format. Please call staff.",
    unsupported_media_type: "The kiosk sent the wrong format. Please call staff.",
    method_not_allowed: "The kiosk asked for something that cannot be done. Please call staff.",
    request_too_large: "The purchase is too large for one kiosk. Please split it.",
    internal_error: "Something went wrong in the store's server. Please try again.",
    http_error: "The store's server does not answer. Please try again.",
  },
};

// The default catalog's categories in English; a store's own categories show as written.
const CATEGORIES_EN = {
  "Apotek": "Pharmacy", "Bröd & bageri": "Bread & bakery", "Dryck": "Drinks",
  "Frukt & grönt": "Fruit & vegetables", "Godis & snacks": "Sweets & snacks",
  "Hushåll": "Household", "Kött & fisk": "Meat & fish", "Mejeri": "Dairy",
  "Skafferi": "Pantry", "Tidningar & böcker": "Papers & books", "Tobak": "Tobacco",
};

let language = "sv";

// The words for an API error (an ApiError's `code`), in the page's language.
export function errorText(code) {
  return ERRORS[language][code] ?? TEXTS[language].error;
}

// Whether `code` has its own words in `lang` (the test suite checks every code has).
export function hasErrorText(code, lang) {
  return code in ERRORS[lang];
}

export function categoryName(category) {
  return language === "en" ? CATEGORIES_EN[category] ?? category : category;
}

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
  for (const el of document.querySelectorAll("[data-i18n-label]")) {  // names without text
    el.setAttribute("aria-label", t(el.dataset.i18nLabel));
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
