// The executives' shortlist: the ranked top ten with a chart of votes, voters by kind, the discussion behind each,
// the digest; provisional during Voting, final after the close; CSV export.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";
import { api, describe, send } from "../api";
import { clear, formatTime, h, toast } from "../dom";
import { on } from "../hub";

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

export async function shortlistView(main: HTMLElement): Promise<() => void> {
  const status = h("p", { id: "shortlist-status", class: "status", "aria-live": "polite" });
  const canvas = h("canvas", { id: "shortlist-chart", role: "img", "aria-label": "Votes per shortlisted proposal" });
  const table = h("table", { id: "shortlist", class: "figures" });
  const exportButton = h("button", { type: "button", id: "export-csv" }, "Export CSV");
  const chart = new Chart<"bar", number[], string>(canvas, {
    type: "bar",
    data: { labels: [] as string[], datasets: kinds.map((kind, i) => ({ label: kind, data: [] as number[], backgroundColor: ["#1d4ed8", "#15803d", "#b45309", "#7e22ce"][i] })) },
    options: { animation: false, responsive: true, maintainAspectRatio: false, indexAxis: "y", scales: { x: { stacked: true, beginAtZero: true }, y: { stacked: true } } },
  });

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
        h("td", {}, h("a", { href: `#/rooms/${encodeURIComponent(p.roomId)}` }, `${p.posts} posts by ${p.participants}`))))));
  };

  const load = async () => render(await api<Shortlist>("/api/shortlist"));

  exportButton.addEventListener("click", async () => {
    try {
      const blob = await (await send("/api/shortlist.csv")).blob();
      const link = h("a", { href: URL.createObjectURL(blob), download: "shortlist.csv" });
      document.body.append(link);
      link.click();
      link.remove();
    } catch (failure) {
      toast(describe(failure));
    }
  });

  const stops = [on("TallyUpdated", () => void load().catch(() => undefined)), on("PhaseChanged", () => void load().catch(() => undefined))];
  main.append(h("h1", {}, "Shortlist"), status, h("div", { class: "toolbar" }, exportButton),
    h("div", { class: "chart" }, canvas), table);
  try {
    await load();
  } catch (failure) {
    status.textContent = describe(failure);
  }
  return () => {
    stops.forEach((stop) => stop());
    chart.destroy();
  };
}
