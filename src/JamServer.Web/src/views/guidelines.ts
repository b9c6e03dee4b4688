// The community's guidelines, accepted once before the first post.
import { api, describe } from "../api";
import { h } from "../dom";
import { invoke } from "../hub";
import { currentSession, saveSession } from "../session";

export async function guidelinesView(main: HTMLElement): Promise<void> {
  const guidelines = await api<{ version: number; items: string[] }>("/api/guidelines");
  const error = h("p", { class: "error", role: "alert" });
  const accept = h("button", { type: "button", id: "accept-guidelines" }, "I accept the guidelines");
  accept.addEventListener("click", async () => {
    try {
      await invoke("AcceptGuidelines");
      saveSession({ ...currentSession()!, guidelinesAccepted: true });
      location.assign("#/rooms");
    } catch (failure) {
      error.textContent = describe(failure);
    }
  });
  main.append(h("section", { class: "card narrow", "aria-labelledby": "guidelines-title" },
    h("h1", { id: "guidelines-title" }, "Our guidelines"),
    h("p", {}, "The community wrote these and keeps them; moderators watch, they do not police."),
    h("ol", {}, ...guidelines.items.map((item) => h("li", {}, item))),
    error,
    accept));
  accept.focus();
}
