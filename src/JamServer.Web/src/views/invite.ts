// An invite link (#/invite/<code>): the guest picks a display name and is signed in with the role the invite gives.
import { codeOf, describe, post } from "../api";
import { adoptToken } from "../auth";
import { h } from "../dom";

/** What each refusal means for the person holding the link, and what they can do. */
const refusals: Record<string, string> = {
  INVITE_EXPIRED: "This invite has expired. Ask the organizers for a new one.",
  INVITE_USED_UP: "This invite has been used as often as it may be. Ask the organizers for a new one.",
  NOT_FOUND: "This invite code is not valid. Check that you opened the whole link, or ask the organizers for a new one.",
};

export function inviteView(main: HTMLElement, [code]: string[]): void {
  const name = h("input", {
    id: "invite-name", name: "name", required: true, maxlength: 60, autocomplete: "nickname", "aria-describedby": "invite-name-hint",
  });
  const error = h("p", { class: "error", role: "alert", id: "invite-error" });
  const submit = h("button", { type: "submit" }, "Join the jam");
  const form = h("form", { class: "card narrow", "aria-labelledby": "invite-title" },
    h("h1", { id: "invite-title" }, "You are invited"),
    h("p", {}, "You have been invited to join this jam as a guest."),
    h("label", { for: "invite-name" }, "Your name"),
    h("p", { class: "meta", id: "invite-name-hint" }, "Shown beside everything you post; 1 to 60 characters."),
    name,
    error,
    submit);
  // One per visit to the link, kept across resends: a resend after a lost answer (or UNAVAILABLE though the use was
  // stored) becomes the same participant rather than finding a single-use invite used up.
  const clientId = crypto.randomUUID().replaceAll("-", "");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    delete error.dataset.code;
    name.removeAttribute("aria-invalid");
    submit.disabled = true;
    try {
      const answer = await post<{ token: string }>("/api/invites/redeem", { code, displayName: name.value, clientId });
      await adoptToken(answer.token);
      location.assign("#/guidelines");
    } catch (failure) {
      const refusal = codeOf(failure);
      if (refusal) error.dataset.code = refusal;
      if (refusal === "INVALID_INPUT") {
        name.setAttribute("aria-invalid", "true");
        name.focus();
      }
      error.textContent = (refusal && refusals[refusal]) ?? describe(failure);
    } finally {
      submit.disabled = false;
    }
  });
  main.append(form);
  name.focus();
}
