import "./styles.css";
import { $, clear, h, toast } from "./dom";
import { loadJam, watchJam } from "./jam";
import { currentSession, moderates, seesShortlist, signOut } from "./session";
import { on, onReconnected, start, stop } from "./hub";
import { describe } from "./api";
import { expire, finishProviderSignIn, forgetProviderUser, hasExpired, watchProviderToken } from "./auth";
import { signInView } from "./views/signin";
import { guidelinesView } from "./views/guidelines";
import { roomsView } from "./views/rooms";
import { roomView } from "./views/room";
import { voteView } from "./views/vote";
import { moderationView } from "./views/moderation";
import { shortlistView } from "./views/shortlist";
import { organizeView } from "./views/organize";
import { inviteView } from "./views/invite";

/**
 * A view renders into its host and registers with onLeave what to undo when the route changes (listeners, timers,
 * charts, leaving a room), as soon as it has made it, so a view that fails halfway or is left early undoes it too.
 */
export type View = (host: HTMLElement, params: string[], onLeave: (undo: () => void) => void) => void | Promise<void>;

const routes: [RegExp, View][] = [
  [/^\/signin$/, signInView],
  [/^\/invite\/([^/]+)$/, inviteView],
  [/^\/guidelines$/, guidelinesView],
  [/^\/rooms$/, roomsView],
  [/^\/rooms\/([^/]+)(?:\/([^/]+))?$/, roomView],
  [/^\/vote$/, voteView],
  [/^\/moderation$/, moderationView],
  [/^\/shortlist$/, shortlistView],
  [/^\/organize$/, organizeView],
];

let undoing: (() => void)[] = [];
let generation = 0;

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
        undoing.splice(0).forEach(run);
        void forgetProviderUser();
        signOut();
        void stop().then(() => location.assign("#/signin"));
      },
    }, "Sign out"),
  );
}

async function route(): Promise<void> {
  // An in-page anchor (the skip link) is not a route.
  if (location.hash && !location.hash.startsWith("#/")) return;
  const path = location.hash.replace(/^#/, "") || "/rooms";
  let session = currentSession();
  // The ways in: open to anyone, and to someone signed in who signs in as another.
  const wayIn = path === "/signin" || path.startsWith("/invite/");
  if (session && hasExpired(session)) {
    await expire(false);
    session = null;
  }

  if (!session && !wayIn) {
    location.replace("#/signin");
    return;
  }

  if (session && !session.guidelinesAccepted && path !== "/guidelines" && !wayIn) {
    location.replace("#/guidelines");
    return;
  }

  const mine = ++generation;
  undoing.splice(0).forEach(run);
  const undo: (() => void)[] = (undoing = []);
  const onLeave = (step: () => void) => (mine === generation ? undo.push(step) : run(step));
  renderNav();
  const main = $("view");
  clear(main);
  const host = h("div", { class: "view" });
  main.append(host);
  main.focus({ preventScroll: true });
  const match = routes.map(([pattern, view]) => [pattern.exec(path), view] as const).find(([m]) => m);
  if (!match) {
    host.append(h("h1", {}, "Not found"), h("p", {}, h("a", { href: "#/rooms" }, "Back to the rooms")));
    return;
  }

  const [m, view] = match;
  // Views wait for the hub themselves (invoke); one that needs no hub shows at once even while it is down.
  if (session) void start().catch(() => undefined);
  try {
    await view(host, m!.slice(1).filter((p) => p !== undefined).map(decodeURIComponent), onLeave);
  } catch (error) {
    if (mine === generation) toast(describe(error));
  }

  if (mine !== generation) host.remove();
}

function run(step: () => void): void {
  try {
    step();
  } catch {
    // Undoing one thing must not stop undoing the rest.
  }
}

async function boot(): Promise<void> {
  watchJam();
  // Kept from the first push (a connection opened during Voting gets the top at once), for the vote view.
  on("TallyUpdated", () => undefined);
  onReconnected(() => void loadJam().catch(() => undefined));
  document.querySelector<HTMLAnchorElement>(".skip")!.addEventListener("click", (event) => {
    event.preventDefault();
    $("view").focus();
  });
  try {
    await loadJam();
  } catch (error) {
    toast(`The jam could not be loaded: ${describe(error)}`);
  }
  // Back from the provider: the code is traded for tokens before any page shows.
  await finishProviderSignIn();
  void watchProviderToken().catch(() => undefined);
  window.addEventListener("hashchange", () => void route());
  await route();
}

void boot();
