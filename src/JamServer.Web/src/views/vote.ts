// Proposals: the list during Discussion; the ballot with the remaining budget and the live top ten during Voting;
// the receipt after the close.
import { api, codeOf, describe, type Proposal, type TallyEntry } from "../api";
import { append, clear, h, toast } from "../dom";
import { invoke, last, on } from "../hub";
import { currentJam, onJamChanged } from "../jam";

interface MyVotes {
  budget: number;
  remaining: number;
  proposals: string[];
}

interface Receipt {
  proposals: string[];
  ballotHash: string;
  counted: boolean;
  status: string;
  digest: string | null;
}

export async function voteView(main: HTMLElement, _params: string[], onLeave: (undo: () => void) => void): Promise<void> {
  const budget = h("p", { id: "budget", class: "budget", "aria-live": "polite" });
  const list = h("ol", { id: "proposals", class: "proposals", "aria-label": "Proposals" });
  const top = h("ol", { id: "live-top", class: "top", "aria-label": "Live top ten" });
  const receipt = h("section", { id: "receipt", "aria-label": "Your receipt" });
  let mine = new Set<string>();

  const render = async () => {
    const phase = currentJam()?.phase;
    const [proposals, votes] = await Promise.all([api<Proposal[]>("/api/proposals"), api<MyVotes>("/api/me/votes")]);
    mine = new Set(votes.proposals);
    budget.textContent = phase === "Voting"
      ? `You have ${votes.remaining} of ${votes.budget} votes left.`
      : phase === "Closed" ? "Voting is closed." : "Voting opens after the Discussion phase.";
    clear(list);
    for (const proposal of proposals) {
      const voted = mine.has(proposal.proposalId);
      const action = phase === "Voting"
        ? h("button", { type: "button", class: voted ? "secondary" : "", "data-proposal": proposal.proposalId,
            onclick: () => void cast(proposal.proposalId, voted) }, voted ? "Take back my vote" : "Vote")
        : null;
      list.append(h("li", { class: "proposal", "data-proposal": proposal.proposalId },
        h("h3", {}, proposal.title),
        h("p", {}, proposal.summary),
        h("p", { class: "meta" }, `by ${proposal.authorName} · `,
          h("a", { href: `#/rooms/${encodeURIComponent(proposal.roomId)}/${encodeURIComponent(proposal.threadId)}` }, "the discussion"),
          ` · ${proposal.support} votes`, voted ? " · your vote" : ""),
        action));
    }
    if (!proposals.length) list.append(h("li", { class: "empty" }, "No proposals yet: propose one from a thread."));
    if (phase === "Closed") await showReceipt();
  };

  const cast = async (proposalId: string, retract: boolean) => {
    try {
      const ack = await invoke<{ remaining: number }>(retract ? "Unvote" : "Vote", proposalId);
      toast(retract ? `Vote taken back; ${ack.remaining} left.` : `Voted; ${ack.remaining} left.`);
    } catch (failure) {
      toast(describe(failure), codeOf(failure));
    }
    await render();
    // The list was drawn again: the keyboard stays on the same proposal's button.
    list.querySelector<HTMLElement>(`button[data-proposal="${CSS.escape(proposalId)}"]`)?.focus();
  };

  let receiptTimer: number | undefined;
  const showReceipt = async () => {
    window.clearTimeout(receiptTimer);
    try {
      const mineNow = await api<Receipt>("/api/me/receipt");
      clear(receipt);
      // The count takes seconds after the close: look again until the shortlist is published.
      if (mineNow.status !== "final") receiptTimer = window.setTimeout(() => void showReceipt(), 2000);
      append(receipt, h("h2", {}, "Your receipt"),
        h("p", {}, `Status: ${mineNow.status}. Your ballot ${mineNow.counted ? "is counted" : "has no votes"}.`),
        h("p", {}, "Ballot hash: ", h("code", { class: "hash" }, mineNow.ballotHash)),
        mineNow.digest ? h("p", {}, "Tally digest: ", h("code", { class: "hash" }, mineNow.digest)) : null);
    } catch (failure) {
      clear(receipt);
      receipt.append(h("p", {}, describe(failure)));
    }
  };

  const showTop = (entries: TallyEntry[]) => {
    clear(top);
    for (const entry of entries) {
      top.append(h("li", {}, `${entry.title} — ${entry.votes} votes`));
    }
  };

  let shownPhase = currentJam()?.phase;
  onLeave(on("TallyUpdated", (tally: { top: TallyEntry[] }) => showTop(tally.top)));
  onLeave(onJamChanged((jam) => {
    if (jam.phase === shownPhase) return;
    shownPhase = jam.phase;
    void render().catch((failure) => toast(describe(failure)));
  }));
  onLeave(() => window.clearTimeout(receiptTimer));
  main.append(h("h1", {}, "Proposals"), budget,
    h("div", { class: "columns" },
      h("section", { "aria-labelledby": "proposals-title" }, h("h2", { id: "proposals-title" }, "All proposals"), list),
      h("section", { "aria-labelledby": "top-title" }, h("h2", { id: "top-title" }, "Live top ten"), top)),
    receipt);
  showTop(last<{ top: TallyEntry[] }>("TallyUpdated")?.top ?? []);
  await render();
}
