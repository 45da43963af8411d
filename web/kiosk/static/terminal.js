// The payment terminal. This simulated one asks on screen; a real terminal plugs in here:
// `pay(method, amountOre)` must resolve to {approved, reference} and never let card numbers
// leave the terminal (the edge refuses anything that looks like one); `void(reference)` must
// give the money back when the edge refuses the sale for good after the payment.
export class SimulatedTerminal {
  constructor(dialog) {
    this.dialog = dialog;
  }

  pay(method, amountOre, prompt) {
    const box = this.dialog.querySelector("#terminal");
    box.hidden = false;
    box.querySelector("#terminal-text").textContent = prompt;
    return new Promise((resolve) => {
      const answer = (approved) => () => {
        box.hidden = true;
        const reference = `SIM-${method.toUpperCase()}-${Date.now().toString(36)}`;
        resolve({approved, reference});
      };
      box.querySelector("#terminal-approve").onclick = answer(true);
      box.querySelector("#terminal-decline").onclick = answer(false);
    });
  }

  async void(reference) {
    console.info("payment voided", reference);  // a real terminal refunds here
  }
}
