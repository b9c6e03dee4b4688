// A room: its threads live, replies in place, posting, flagging, proposing; after a drop it fills the gap itself.
import { api, describe, type Post, type Room } from "../api";
import { formatTime, h, toast } from "../dom";
import { invoke, on, onReconnected } from "../hub";
import { currentJam } from "../jam";
import { currentSession, moderates } from "../session";

const maxBody = 5000;
const flagReasons = ["off-topic", "confidential", "abusive", "spam"];

export const newClientId = () => crypto.randomUUID().replaceAll("-", "");

interface JoinResult {
  roomId: string;
  posts: Post[];
  lastSeq: number;
  hasMore: boolean;
}

export async function roomView(main: HTMLElement, [roomId, threadId]: string[], onLeave: (undo: () => void) => void): Promise<void> {
  const rooms = await api<Room[]>("/api/rooms");
  const room = rooms.find((r) => r.id === roomId);
  if (!room) {
    main.append(h("h1", {}, "No such room"), h("p", {}, h("a", { href: "#/rooms" }, "Back to the rooms")));
    return;
  }

  const session = currentSession()!;
  const moderating = moderates(session);
  const posts = new Map<string, Post>();
  const elements = new Map<string, HTMLElement>();
  // Hides and restores that came before the post they are about (while a join is answered).
  const early = new Map<string, Post | "hidden">();
  const orphans = new Map<string, Post[]>();
  const seqs = new Set<number>();
  // Every post up to here is held: a rejoin asks for what comes after it, so a gap is filled and nothing comes twice.
  let contiguous = 0;
  let highest = 0;

  const online = h("span", { id: "room-online" }, `${room.online} online`);
  const threads = h("ol", { class: "threads", id: "threads", "aria-label": "Threads" });

  const bodyOf = (post: Post) => post.hidden && !post.body
    ? h("p", { class: "body hidden-note" }, "This post is hidden by moderation.")
    : h("p", { class: "body" }, post.body);

  const render = (post: Post): HTMLElement => {
    const own = post.authorId === session.participantId;
    const actions = h("div", { class: "actions" });
    const item = h("li", { class: "post", id: `post-${post.postId}`, "data-seq": post.seq, "data-post": post.postId },
      h("div", { class: "meta" }, h("strong", { class: "author" }, post.authorName), " · ",
        h("time", { datetime: new Date(post.createdAt).toISOString() }, formatTime(post.createdAt)),
        post.hidden ? h("span", { class: "badge" }, "hidden") : null),
      bodyOf(post),
      actions,
      h("ol", { class: "replies", "aria-label": `Replies to ${post.authorName}` }));
    if (post.hidden) item.classList.add("hidden");
    if (post.depth < 8) actions.append(button("Reply", () => toggle(item, "reply", () => composer(post.postId, "Reply"))));
    if (!own) actions.append(button("Flag", () => toggle(item, "flag", () => flagForm(post))));
    if (post.depth === 0 && currentJam()?.phase === "Discussion") {
      actions.append(button("Propose as idea", () => toggle(item, "propose", () => proposeForm(post))));
    }
    return item;
  };

  /** In seq order among its siblings, whatever order posts arrive in (live ones can overtake a catch-up). */
  const insert = (list: Element, element: HTMLElement, seq: number) => {
    const lastChild = list.lastElementChild as HTMLElement | null;
    if (!lastChild || Number(lastChild.dataset.seq) < seq) {
      list.append(element);
      return;
    }
    const after = [...list.children].find((child) => Number((child as HTMLElement).dataset.seq) > seq);
    list.insertBefore(element, after ?? null);
  };

  const add = (post: Post) => {
    if (post.roomId !== room.id || posts.has(post.postId)) return;
    if (post.parentId && !elements.has(post.parentId)) {
      // Its parent is still on the way: hold it until the parent arrives.
      orphans.set(post.parentId, [...(orphans.get(post.parentId) ?? []), post]);
      return;
    }

    const before = early.get(post.postId);
    early.delete(post.postId);
    if (before === "hidden") post = { ...post, hidden: true, body: moderating ? post.body : "" };
    else if (before) post = before;

    posts.set(post.postId, post);
    seqs.add(post.seq);
    highest = Math.max(highest, post.seq);
    while (seqs.has(contiguous + 1)) contiguous++;
    const element = render(post);
    elements.set(post.postId, element);
    const parent = post.parentId ? elements.get(post.parentId) : undefined;
    insert(parent?.querySelector(":scope > ol.replies") ?? threads, element, post.seq);
    const waiting = orphans.get(post.postId);
    orphans.delete(post.postId);
    waiting?.forEach(add);
  };

  const replace = (post: Post) => {
    const old = elements.get(post.postId);
    if (!old) return;
    posts.set(post.postId, post);
    const fresh = render(post);
    fresh.querySelector(":scope > ol.replies")!.replaceWith(old.querySelector(":scope > ol.replies")!);
    old.replaceWith(fresh);
    elements.set(post.postId, fresh);
  };

  let joining: Promise<void> | null = null;
  const join = () => (joining ??= (async () => {
    try {
      let result: JoinResult;
      let after = contiguous;
      do {
        result = await invoke<JoinResult>("JoinRoom", room.id, after);
        result.posts.forEach(add);
        after = result.lastSeq;
      } while (result.hasMore);
    } finally {
      joining = null;
    }
  })());

  function button(text: string, action: () => void): HTMLButtonElement {
    return h("button", { type: "button", class: "small", onclick: action }, text);
  }

  function toggle(item: HTMLElement, kind: string, make: () => HTMLElement): void {
    const open = item.querySelector(":scope > .inline-form");
    open?.remove();
    if (open?.getAttribute("data-kind") !== kind) {
      const form = make();
      form.setAttribute("data-kind", kind);
      item.querySelector(":scope > .actions")!.after(form);
      form.querySelector<HTMLElement>("textarea, input, select")?.focus();
    }
  }

  /** A call that is safe to repeat: the button waits for the answer, and a resend keeps its client id. */
  function sending(form: HTMLFormElement, call: () => Promise<void>): void {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const submit = form.querySelector<HTMLButtonElement>("button[type=submit]")!;
      if (submit.disabled) return;
      submit.disabled = true;
      try {
        await call();
      } catch (failure) {
        toast(describe(failure));
      } finally {
        submit.disabled = false;
      }
    });
  }

  function composer(parentId: string | null, label: string): HTMLFormElement {
    const id = `compose-${parentId ?? "thread"}`;
    const text = h("textarea", { id, name: "body", maxlength: maxBody, rows: parentId ? 3 : 4, required: true, "aria-describedby": `${id}-count` });
    const counter = h("span", { class: "counter", id: `${id}-count` }, `0 of ${maxBody} characters`);
    text.addEventListener("input", () => { counter.textContent = `${text.value.length} of ${maxBody} characters`; });
    const form = h("form", { class: parentId ? "inline-form composer" : "composer" },
      h("label", { for: id }, parentId ? "Your reply" : "Start a thread"), text,
      h("div", { class: "row" }, counter, h("button", { type: "submit" }, label)));
    // One client id per post until it is acknowledged: a resend after an error or a lost answer is stored once.
    let clientId = newClientId();
    let sentBody = "";
    sending(form, async () => {
      if (text.value !== sentBody) {
        clientId = sentBody ? newClientId() : clientId;
        sentBody = text.value;
      }
      await invoke("Post", { roomId: room!.id, parentId, body: text.value, clientId });
      clientId = newClientId();
      sentBody = "";
      text.value = "";
      counter.textContent = `0 of ${maxBody} characters`;
      if (parentId) form.remove();
    });
    return form;
  }

  function flagForm(post: Post): HTMLFormElement {
    const id = `flag-${post.postId}`;
    const reason = h("select", { id, name: "reason" }, ...flagReasons.map((r) => h("option", { value: r }, r)));
    const form = h("form", { class: "inline-form" },
      h("label", { for: id }, "Why flag this post?"), reason, h("button", { type: "submit" }, "Flag post"));
    sending(form, async () => {
      const ack = await invoke<{ hidden: boolean }>("Flag", post.postId, reason.value);
      toast(ack.hidden ? "Flagged; the post is now hidden until a moderator looks at it." : "Flagged. Thank you.");
      form.remove();
    });
    return form;
  }

  function proposeForm(post: Post): HTMLFormElement {
    const title = h("input", { id: `title-${post.postId}`, name: "title", maxlength: 120, required: true });
    const summary = h("textarea", { id: `summary-${post.postId}`, name: "summary", maxlength: 2000, rows: 3, required: true });
    const form = h("form", { class: "inline-form" },
      h("label", { for: title.id }, "Proposal title"), title,
      h("label", { for: summary.id }, "What it would change, and for whom"), summary,
      h("button", { type: "submit" }, "Propose"));
    const clientId = newClientId();
    sending(form, async () => {
      await invoke("ProposeIdea", { roomId: room!.id, threadId: post.postId, title: title.value, summary: summary.value, clientId });
      toast("Proposed. It is on the proposals page.");
      form.remove();
    });
    return form;
  }

  const retryJoin = () => void join().catch((failure) => toast(describe(failure)));
  onLeave(on("PostAdded", (post: Post) => add(post)));
  onLeave(on("PostHidden", (hidden: { postId: string }) => {
    const post = posts.get(hidden.postId);
    if (post) replace({ ...post, hidden: true, body: moderating ? post.body : "" });
    else early.set(hidden.postId, "hidden");
  }));
  onLeave(on("PostRestored", (post: Post) => (posts.has(post.postId) ? replace(post) : early.set(post.postId, post))));
  onLeave(on("PresenceChanged", (presence: { roomId: string; online: number }) => {
    if (presence.roomId === room.id) online.textContent = `${presence.online} online`;
  }));
  onLeave(onReconnected(retryJoin));
  // Live pushes are best effort: a hole in the seqs that does not fill within a few seconds is asked for.
  let gapSeen = 0;
  const gapTimer = window.setInterval(() => {
    gapSeen = highest > contiguous ? gapSeen + 1 : 0;
    if (gapSeen >= 2) retryJoin();
  }, 2000);
  onLeave(() => window.clearInterval(gapTimer));
  onLeave(() => void invoke("LeaveRoom", room.id).catch(() => undefined));

  main.append(
    h("p", { class: "crumbs" }, h("a", { href: "#/rooms" }, "Rooms"), " / ", room.title),
    h("h1", {}, room.title),
    h("p", { class: "lead" }, room.description, " · ", online),
    composer(null, "Post"),
    threads);
  try {
    await join();
  } catch (failure) {
    // Not connected yet: the reconnect that follows joins.
    toast(describe(failure));
  }

  if (threadId) {
    // Linked from a proposal or the shortlist: show the thread behind it.
    const thread = elements.get(threadId);
    thread?.classList.add("linked");
    thread?.scrollIntoView({ block: "start" });
  }
}
