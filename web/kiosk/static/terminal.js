// The payment terminal. This simulated one asks on screen; a real terminal plugs in here:
// `pay(method, amountOre)` must resolve to {approved, reference} and never let card numbers
// leave the terminal (the edge refuses anything that looks like one); `cancel()` must stop a
// payment not yet approved (it resolves {approved: false, cancelled: true}); `void(reference)`
// must give the money back when the edge refuses the sale for good after the payment.
export class SimulatedTerminal {
  constructor(dialog) {
    this.dialog = dialog;
    this.settle = null;
  }

  pay(method, amountOre, prompt) {
    const box = this.dialog.querySelector("#terminal");
    box.hidden = false;
    box.querySelector("#terminal-text").textContent = prompt;
    return new Promise((resolve) => {
      this.settle = (answer) => {
        this.settle = null;
        box.hidden = true;
        resolve(answer);
      };
      const reference = () => `SIM-${method.toUpperCase()}-${Date.now().toString(36)}`;
      box.querySelector("#terminal-approve").onclick =
        () => this.settle?.({approved: true, reference: reference()});
      box.querySelector("#terminal-decline").onclick =
        () => this.settle?.({approved: false, reference: reference()});
      box.querySelector("#terminal-approve").focus();  // on screen, the terminal's keys come first
    });
  }

  // Until the terminal has approved, the shopper may walk away from the payment.
  cancel() {
    this.settle?.({approved: false, cancelled: true});
  }

  async void(reference) {
    console.info("payment voided", reference);  // a real terminal refunds here
  }
}
