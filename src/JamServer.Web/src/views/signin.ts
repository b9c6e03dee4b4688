// Demo sign-in: a name, a role and a kind (the server offers it in demo mode only).
import { describe, post } from "../api";
import { h } from "../dom";
import { stop } from "../hub";
import { saveSession, type Role } from "../session";

const roles: Role[] = ["participant", "moderator", "executive", "organizer"];
const kinds = ["employee", "customer", "partner", "guest"];

export function signInView(main: HTMLElement): void {
  const name = h("input", { id: "signin-name", name: "name", required: true, maxlength: 60, autocomplete: "nickname" });
  const role = h("select", { id: "signin-role", name: "role" }, ...roles.map((r) => h("option", { value: r }, r)));
  const kind = h("select", { id: "signin-kind", name: "kind" }, ...kinds.map((k) => h("option", { value: k }, k)));
  const error = h("p", { class: "error", role: "alert" });
  const form = h("form", { class: "card narrow", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title" }, "Join the jam"),
    h("label", { for: "signin-name" }, "Your name"), name,
    h("label", { for: "signin-role" }, "Role"), role,
    h("label", { for: "signin-kind" }, "You are"), kind,
    error,
    h("button", { type: "submit" }, "Sign in"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      const answer = await post<{ token: string; participantId: string }>("/api/auth/demo", {
        displayName: name.value, role: role.value, kind: kind.value,
      });
      // Signing in as someone else: the old person's connection goes first.
      await stop();
      saveSession({
        token: answer.token, participantId: answer.participantId, name: name.value.trim(),
        role: role.value as Role, kind: kind.value,
      });
      location.assign("#/guidelines");
    } catch (failure) {
      error.textContent = describe(failure);
    }
  });
  main.append(form);
  name.focus();
}
