// Sign-in: at the OpenID Connect provider when the server names one; demo sign-in (a name, a role and a kind) in demo
// mode only; neither, the way in is an invite link.
import { describe, post } from "../api";
import { authConfig, offersProvider, providerName, signInAtProvider, takeNotice } from "../auth";
import { h } from "../dom";
import { stop } from "../hub";
import { saveSession, type Role } from "../session";

const roles: Role[] = ["participant", "moderator", "executive", "organizer"];
const kinds = ["employee", "customer", "partner", "guest"];

export async function signInView(main: HTMLElement): Promise<void> {
  const notice = h("p", { class: "error", role: "alert", id: "signin-notice" }, takeNotice());
  const config = await authConfig();
  const card = h("section", { class: "card narrow", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title" }, "Join the jam"),
    notice);
  main.append(card);

  if (offersProvider(config)) {
    const button = h("button", { type: "button", id: "signin-provider" }, `Sign in with ${providerName(config)}`);
    button.addEventListener("click", async () => {
      notice.textContent = "";
      button.disabled = true;
      try {
        await signInAtProvider();
      } catch (failure) {
        button.disabled = false;
        notice.textContent = `The provider could not be reached: ${describe(failure)}`;
      }
    });
    card.append(h("p", {}, "Sign in with your organization's account."), button);
    if (!config.demo) button.focus();
  }

  if (config.demo) {
    card.append(demoForm(notice));
  } else if (!offersProvider(config)) {
    card.append(h("p", { id: "signin-unconfigured" },
      "Sign-in is not configured on this server. If you were invited, open the invite link you were sent."));
  }
}

function demoForm(error: HTMLElement): HTMLFormElement {
  const name = h("input", { id: "signin-name", name: "name", required: true, maxlength: 60, autocomplete: "nickname" });
  const role = h("select", { id: "signin-role", name: "role" }, ...roles.map((r) => h("option", { value: r }, r)));
  const kind = h("select", { id: "signin-kind", name: "kind" }, ...kinds.map((k) => h("option", { value: k }, k)));
  const form = h("form", { class: "stack", "aria-label": "Demo sign-in" },
    h("label", { for: "signin-name" }, "Your name"), name,
    h("label", { for: "signin-role" }, "Role"), role,
    h("label", { for: "signin-kind" }, "You are"), kind,
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
  // The form is in the page once the configuration is read; focus it then.
  queueMicrotask(() => name.focus());
  return form;
}
