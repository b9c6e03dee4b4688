// The organizer moves the jam from phase to phase and invites guests.
import { describe, post, type Jam } from "../api";
import { formatTime, h, toast } from "../dom";
import { currentJam, loadJam } from "../jam";

const order = ["Scheduled", "Discussion", "Voting", "Closed"] as const;
const roles = ["participant", "moderator", "executive", "organizer"];
const kinds = ["guest", "customer", "partner", "employee"];

interface CreatedInvite {
  code: string;
  maxUses: number;
  expiresAt: string;
  role: string;
  kind: string;
}

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
    }, `Move to ${target}`))),
    inviteForm());
}

/** An invite for guests: its code is shown once, here, with the link to send them. */
function inviteForm(): HTMLElement {
  const role = h("select", { id: "invite-role", name: "role" }, ...roles.map((r) => h("option", { value: r }, r)));
  const kind = h("select", { id: "invite-kind", name: "kind" }, ...kinds.map((k) => h("option", { value: k }, k)));
  const uses = h("input", { id: "invite-uses", name: "maxUses", type: "number", min: 1, max: 100000, value: 1, required: true });
  const days = h("input", { id: "invite-days", name: "validFor", type: "number", min: 1, max: 90, value: 7, required: true });
  const error = h("p", { class: "error", role: "alert" });
  const result = h("div", { class: "invite-result", role: "status", "aria-live": "polite" });
  const form = h("form", { class: "card stack", "aria-labelledby": "invite-form-title" },
    h("h2", { id: "invite-form-title" }, "Invite guests"),
    h("label", { for: "invite-role" }, "Role"), role,
    h("label", { for: "invite-kind" }, "They are"), kind,
    h("label", { for: "invite-uses" }, "How many people may use it"), uses,
    h("label", { for: "invite-days" }, "Valid for (days)"), days,
    error,
    h("button", { type: "submit" }, "Create invite"),
    result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      const invite = await post<CreatedInvite>("/api/invites", {
        role: role.value, kind: kind.value, maxUses: Number(uses.value), validFor: `${Number(days.value)}.00:00:00`,
      });
      showInvite(result, invite);
    } catch (failure) {
      error.textContent = describe(failure);
    }
  });
  return form;
}

function showInvite(result: HTMLElement, invite: CreatedInvite): void {
  const link = `${location.origin}/#/invite/${encodeURIComponent(invite.code)}`;
  const field = h("input", { id: "invite-link", readonly: true, value: link });
  const copied = h("span", { class: "meta" });
  const copy = h("button", { type: "button", class: "secondary" }, "Copy link");
  copy.addEventListener("click", async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(link);
      copied.textContent = "Copied.";
    } catch {
      copied.textContent = "Selected: copy it with your keyboard.";
    }
  });
  result.replaceChildren(
    h("p", {}, "Invite code: ", h("code", { id: "invite-code" }, invite.code)),
    h("label", { for: "invite-link" }, "Invite link"),
    h("div", { class: "row" }, field, copy, copied),
    h("p", { class: "meta" },
      `For ${invite.maxUses} ${invite.maxUses === 1 ? "person" : "people"} as ${invite.role} (${invite.kind}), until ${formatTime(invite.expiresAt)}. `
      + "The code is shown only now: copy it before you leave this page."));
}
