// The organizer moves the jam from phase to phase.
import { describe, post, type Jam } from "../api";
import { h, toast } from "../dom";
import { currentJam, loadJam } from "../jam";

const order = ["Scheduled", "Discussion", "Voting", "Closed"] as const;

export function organizeView(main: HTMLElement): void {
  const phase = currentJam()?.phase ?? "Scheduled";
  const next = order.slice(order.indexOf(phase) + 1);
  main.append(h("h1", {}, "Organize"),
    h("p", {}, `The jam is in ${phase}. Moving on cannot be undone.`),
    h("div", { class: "toolbar" }, ...next.map((target) => h("button", {
      type: "button",
      id: `move-to-${target.toLowerCase()}`,
      onclick: async () => {
        try {
          await post<Jam>("/api/jam/phase", { phase: target });
          await loadJam();
          toast(`The jam is now in ${target}.`);
          location.hash = "#/organize";
          window.dispatchEvent(new HashChangeEvent("hashchange"));
        } catch (failure) {
          toast(describe(failure));
        }
      },
    }, `Move to ${target}`))));
}
