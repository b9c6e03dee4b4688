import "./styles.css";
import { $, clear, h, toast } from "./dom";
import { loadJam, watchJam } from "./jam";
import { currentSession, moderates, seesShortlist, signOut } from "./session";
import { start, stop } from "./hub";
import { describe } from "./api";
import { signInView } from "./views/signin";
import { guidelinesView } from "./views/guidelines";
import { roomsView } from "./views/rooms";
import { roomView } from "./views/room";
import { voteView } from "./views/vote";
import { moderationView } from "./views/moderation";
import { shortlistView } from "./views/shortlist";
import { organizeView } from "./views/organize";

/** A view renders into the main area and returns what to undo when the route changes. */
export type View = (main: HTMLElement, params: string[]) => (() => void) | void | Promise<(() => void) | void>;

const routes: [RegExp, View][] = [
  [/^\/signin$/, signInView],
  [/^\/guidelines$/, guidelinesView],
  [/^\/rooms$/, roomsView],
  [/^\/rooms\/([^/]+)$/, roomView],
  [/^\/vote$/, voteView],
  [/^\/moderation$/, moderationView],
  [/^\/shortlist$/, shortlistView],
  [/^\/organize$/, organizeView],
];

let leave: (() => void) | void = undefined;

function renderNav(): void {
  const nav = $("nav");
  clear(nav);
  const session = currentSession();
  if (!session) return;
  const links: [string, string][] = [["#/rooms", "Rooms"], ["#/vote", "Proposals & vote"]];
  if (moderates(session)) links.push(["#/moderation", "Moderation"]);
  if (seesShortlist(session)) links.push(["#/shortlist", "Shortlist"]);
  if (session.role === "organizer") links.push(["#/organize", "Organize"]);
  for (const [href, text] of links) nav.append(h("a", { href }, text));
  nav.append(
    h("span", { class: "who" }, `${session.name} (${session.role})`),
    h("button", {
      type: "button",
      class: "link",
      onclick: () => {
        signOut();
        void stop().then(() => location.assign("#/signin"));
      },
    }, "Sign out"),
  );
}

async function route(): Promise<void> {
  const path = location.hash.replace(/^#/, "") || "/rooms";
  const session = currentSession();
  if (!session && path !== "/signin") {
    location.replace("#/signin");
    return;
  }

  if (session && !session.guidelinesAccepted && path !== "/guidelines" && path !== "/signin") {
    location.replace("#/guidelines");
    return;
  }

  renderNav();
  if (typeof leave === "function") leave();
  leave = undefined;
  const main = $("view");
  clear(main);
  const match = routes.map(([pattern, view]) => [pattern.exec(path), view] as const).find(([m]) => m);
  if (!match) {
    main.append(h("h1", {}, "Not found"), h("p", {}, h("a", { href: "#/rooms" }, "Back to the rooms")));
    return;
  }

  const [m, view] = match;
  try {
    if (session) await start();
    leave = await view(main, m!.slice(1).map(decodeURIComponent));
  } catch (error) {
    toast(describe(error));
  }
}

async function boot(): Promise<void> {
  watchJam();
  try {
    await loadJam();
  } catch (error) {
    toast(`The jam could not be loaded: ${describe(error)}`);
  }
  window.addEventListener("hashchange", () => void route());
  await route();
}

void boot();
