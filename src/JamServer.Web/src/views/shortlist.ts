// The executives' shortlist: the ranked top ten with a chart of votes, voters by kind, the discussion behind each,
// the digest; provisional during Voting, final after the close; CSV export.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";
import { api, describe, send } from "../api";
import { clear, formatTime, h, toast } from "../dom";
import { on, onReconnected } from "../hub";
import { currentJam, onJamChanged } from "../jam";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

interface Entry {
  rank: number;
  proposalId: string;
  title: string;
  summary: string;
  roomId: string;
  threadId: string;
  authorName: string;
  votes: number;
  votersByKind: Record<string, number>;
  posts: number;
  participants: number;
}

interface Shortlist {
  status: "provisional" | "final";
  digest: string | null;
  ballots: number | null;
  votes: number | null;
  publishedAt: string | Date | null;
  proposals: Entry[];
}

const kinds = ["employee", "customer", "partner", "guest"];

export async function shortlistView(main: HTMLElement, _params: string[], onLeave: (undo: () => void) => void): Promise<void> {
  const status = h("p", { id: "shortlist-status", class: "status", "aria-live": "polite" });
  const canvas = h("canvas", { id: "shortlist-chart", role: "img", "aria-label": "Votes per shortlisted proposal" });
  const table = h("table", { id: "shortlist", class: "figures" });
  const exportButton = h("button", { type: "button", id: "export-csv" }, "Export CSV");
  const chart = new Chart<"bar", number[], string>(canvas, {
    type: "bar",
    data: { labels: [] as string[], datasets: kinds.map((kind, i) => ({ label: kind, data: [] as number[], backgroundColor: ["#1d4ed8", "#15803d", "#b45309", "#7e22ce"][i] })) },
    options: { animation: false, responsive: true, maintainAspectRatio: false, indexAxis: "y", scales: { x: { stacked: true, beginAtZero: true }, y: { stacked: true } } },
  });

  onLeave(() => chart.destroy());

  const render = (shortlist: Shortlist) => {
    status.textContent = shortlist.status === "final"
      ? `Final: ${shortlist.votes} votes in ${shortlist.ballots} ballots, published ${formatTime(shortlist.publishedAt!)}. Digest ${shortlist.digest}.`
      : "Provisional: the live ranking while Voting is open; it changes with every vote.";
    status.dataset.status = shortlist.status;
    chart.data.labels = shortlist.proposals.map((p) => `${p.rank}. ${p.title}`);
    chart.data.datasets.forEach((dataset, i) => { dataset.data = shortlist.proposals.map((p) => p.votersByKind[kinds[i]] ?? 0); });
    chart.update();
    clear(table);
    table.append(h("caption", {}, "The shortlist"),
      h("thead", {}, h("tr", {}, ...["Rank", "Proposal", "Votes", ...kinds, "Discussion"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, ...shortlist.proposals.map((p) => h("tr", { "data-proposal": p.proposalId },
        h("td", {}, p.rank),
        h("td", {}, h("strong", {}, p.title), h("br"), h("span", { class: "meta" }, `${p.summary} (by ${p.authorName})`)),
        h("td", { class: "votes" }, p.votes),
        ...kinds.map((kind) => h("td", {}, p.votersByKind[kind] ?? 0)),
        h("td", {}, h("a", { href: `#/rooms/${encodeURIComponent(p.roomId)}/${encodeURIComponent(p.threadId)}` }, `${p.posts} posts by ${p.participants}`))))));
  };

  let pollTimer: number | undefined;
  const load = async () => {
    window.clearTimeout(pollTimer);
    const shortlist = await api<Shortlist>("/api/shortlist");
    render(shortlist);
    // After the close the votes are counted in seconds and nothing is pushed when it is published: look again.
    if (shortlist.status !== "final" && currentJam()?.phase === "Closed") pollTimer = window.setTimeout(() => void load().catch(() => undefined), 2000);
  };
  onLeave(() => window.clearTimeout(pollTimer));

  exportButton.addEventListener("click", async () => {
    try {
      const blob = await (await send("/api/shortlist.csv")).blob();
      const url = URL.createObjectURL(blob);
      const link = h("a", { href: url, download: "shortlist.csv" });
      document.body.append(link);
      link.click();
      link.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (failure) {
      toast(describe(failure));
    }
  });

  const again = () => void load().catch(() => undefined);
  onLeave(on("TallyUpdated", again));
  onLeave(onJamChanged(again));
  onLeave(onReconnected(again));
  main.append(h("h1", {}, "Shortlist"), status, h("div", { class: "toolbar" }, exportButton),
    h("div", { class: "chart" }, canvas),
    h("div", { class: "scroll", role: "region", tabindex: 0, "aria-label": "The shortlist, scrollable" }, table));
  try {
    await load();
  } catch (failure) {
    status.textContent = describe(failure);
  }
}
