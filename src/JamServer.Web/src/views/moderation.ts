// The moderators' dashboard: sentiment over time (live), shift alerts, emerging themes, the flag queue, live counts.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from "chart.js";
import { api, describe, post, type Room } from "../api";
import { clear, formatTime, h, toast } from "../dom";
import { on, onReconnected } from "../hub";

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

interface Bucket { start: string | Date; seconds: number; volume: number; mean: number | null; shareNegative: number; unscored: number }
interface Series { roomId: string | null; bucketSeconds: number; buckets: Bucket[] }
interface Figures { mean: number | null; volume: number; shareNegative: number }
interface Alert { alertId: string; roomId: string | null; kind: string; before: Figures; after: Figures; postIds: string[]; detectedAt: string | Date }
interface Theme { term: string; volume: number; sentiment: number | null; lift: number }
interface Flagged { postId: string; roomId: string; authorName: string; body: string; hidden: boolean; openFlags: { reason: string }[] }
interface Counts { online: number; postsPerMinute: number; rooms: { roomId: string; online: number; postsPerMinute: number }[] }

const kindText: Record<string, string> = {
  turned_constructive: "turned constructive",
  turned_negative: "turned negative",
  rose: "rose",
  fell: "fell",
};

const fixed = (value: number | null, digits = 2) => (value === null ? "–" : value.toFixed(digits));

export async function moderationView(main: HTMLElement, _params: string[], onLeave: (undo: () => void) => void): Promise<void> {
  const rooms = await api<Room[]>("/api/rooms");
  const title = (roomId: string | null) => (roomId ? rooms.find((r) => r.id === roomId)?.title ?? roomId : "the whole jam");
  const scope = h("select", { id: "scope" }, h("option", { value: "" }, "The whole jam"),
    ...rooms.map((room) => h("option", { value: room.id }, room.title)));
  const canvas = h("canvas", { id: "sentiment-chart", role: "img", "aria-label": "Mean sentiment and volume per time bucket" });
  const table = h("table", { id: "sentiment-table", class: "figures" });
  const alerts = h("ol", { id: "alerts", class: "alerts", "aria-live": "polite" });
  const themes = h("ol", { id: "themes", class: "themes" });
  const flags = h("ol", { id: "flags", class: "flags" });
  const counts = h("p", { id: "counts", class: "counts", "aria-live": "polite" });
  let buckets: Bucket[] = [];

  const chart = new Chart<"line" | "bar", (number | null)[], string>(canvas, {
    data: {
      labels: [] as string[],
      datasets: [
        { type: "line", label: "Mean sentiment", data: [] as (number | null)[], yAxisID: "mean", borderColor: "#1d4ed8", backgroundColor: "#1d4ed8" },
        { type: "bar", label: "Scored posts", data: [] as (number | null)[], yAxisID: "volume", backgroundColor: "rgba(100, 116, 139, 0.35)" },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        mean: { type: "linear", position: "left", min: -1, max: 1, title: { display: true, text: "mean" } },
        volume: { type: "linear", position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "posts" } },
      },
    },
  });

  onLeave(() => chart.destroy());

  const draw = () => {
    chart.data.labels = buckets.map((b) => formatTime(b.start));
    chart.data.datasets[0].data = buckets.map((b) => b.mean);
    chart.data.datasets[1].data = buckets.map((b) => b.volume);
    chart.update();
    // What the chart holds now, readable without drawing it (browser tests, screen-reader users have the table).
    canvas.dataset.volumes = chart.data.datasets[1].data.join(",");
    canvas.dataset.means = chart.data.datasets[0].data.map((m) => (m === null ? "" : Number(m).toFixed(3))).join(",");
    clear(table);
    table.append(h("caption", {}, `Latest buckets for ${title(scope.value || null)}`),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "From"), h("th", { scope: "col" }, "Posts"),
        h("th", { scope: "col" }, "Mean"), h("th", { scope: "col" }, "Negative"), h("th", { scope: "col" }, "Unscored"))),
      h("tbody", {}, ...buckets.slice(-6).reverse().map((b) => h("tr", { "data-start": new Date(b.start).toISOString() },
        h("td", {}, formatTime(b.start)), h("td", { class: "volume" }, b.volume), h("td", { class: "mean" }, fixed(b.mean)),
        h("td", {}, `${Math.round(b.shareNegative * 100)}%`), h("td", {}, b.unscored)))));
  };

  // Only the answer to the latest request counts: a slow one for the scope before must not overwrite it.
  let seriesAsked = 0;
  const loadSeries = async () => {
    const asked = ++seriesAsked;
    const query = scope.value ? `?roomId=${encodeURIComponent(scope.value)}` : "";
    const answer = await api<Series>(`/api/moderation/sentiment${query}`);
    if (asked !== seriesAsked) return;
    buckets = answer.buckets;
    draw();
  };

  const showAlert = (alert: Alert, first = false) => {
    if (document.getElementById(`alert-${alert.alertId}`)) return;
    const item = h("li", { id: `alert-${alert.alertId}`, class: `alert ${alert.kind}` },
      h("strong", {}, `Sentiment in ${title(alert.roomId)} ${kindText[alert.kind] ?? alert.kind}`),
      ` (${formatTime(alert.detectedAt)}): mean ${fixed(alert.before.mean)} → ${fixed(alert.after.mean)}, `,
      `negative ${Math.round(alert.before.shareNegative * 100)}% → ${Math.round(alert.after.shareNegative * 100)}%, `,
      `${alert.after.volume} posts.`,
      alert.roomId ? h("a", { href: `#/rooms/${encodeURIComponent(alert.roomId)}` }, " Open the room") : null);
    if (first) alerts.prepend(item); else alerts.append(item);
  };

  let themesAsked = 0;
  const loadThemes = async () => {
    const asked = ++themesAsked;
    const query = scope.value ? `roomId=${encodeURIComponent(scope.value)}&` : "";
    const answer = await api<{ themes: Theme[] }>(`/api/moderation/themes?${query}window=60`);
    if (asked !== themesAsked) return;
    clear(themes);
    for (const theme of answer.themes) {
      themes.append(h("li", {}, h("strong", {}, theme.term), ` · ${theme.volume} posts · sentiment ${fixed(theme.sentiment)} · ×${theme.lift.toFixed(1)}`));
    }
    if (!answer.themes.length) themes.append(h("li", { class: "empty" }, "No theme is rising in the last hour."));
  };

  const review = async (postId: string, action: "hide" | "restore", reason: string) => {
    try {
      await post(`/api/moderation/posts/${encodeURIComponent(postId)}/${action}`, { reason });
      toast(action === "hide" ? "Hidden." : "Kept visible.");
      await loadFlags();
    } catch (failure) {
      toast(describe(failure));
    }
  };

  const loadFlags = async () => {
    const queue = await api<Flagged[]>("/api/moderation/flags");
    // Drawn again on every flag: keep what a moderator was typing, and where the focus was.
    const typed = new Map([...flags.querySelectorAll<HTMLInputElement>("input[name=reason]")].map((input) => [input.id, input.value]));
    const focused = document.activeElement?.id;
    clear(flags);
    for (const flagged of queue) {
      const reasonId = `reason-${flagged.postId}`;
      const reason = h("input", { id: reasonId, name: "reason", maxlength: 500, placeholder: "Why (required)" });
      reason.value = typed.get(reasonId) ?? "";
      const act = (action: "hide" | "restore") => () => {
        if (!reason.value.trim()) {
          toast("Say why: the reason goes into the audit trail.");
          reason.focus();
          return;
        }
        void review(flagged.postId, action, reason.value);
      };
      flags.append(h("li", { class: "flagged", "data-post": flagged.postId },
        h("p", { class: "meta" }, `${flagged.authorName} in ${title(flagged.roomId)} · ${flagged.openFlags.length} flags (`,
          flagged.openFlags.map((f) => f.reason).join(", "), ")", flagged.hidden ? " · hidden" : ""),
        h("p", { class: "body" }, flagged.body),
        h("label", { for: reasonId }, "Reason"), reason,
        h("div", { class: "row" },
          h("button", { type: "button", onclick: act("restore") }, flagged.hidden ? "Restore" : "Keep visible"),
          h("button", { type: "button", class: "secondary", onclick: act("hide") }, "Hide"))));
    }
    if (!queue.length) flags.append(h("li", { class: "empty" }, "No open flags."));
    if (focused) document.getElementById(focused)?.focus();
  };

  const showCounts = (c: Counts) => {
    counts.textContent = `${c.online} participants online · ${c.postsPerMinute} posts in the last minute`;
  };

  scope.addEventListener("change", () => void Promise.all([loadSeries(), loadThemes()]).catch((f) => toast(describe(f))));
  const reloadAll = () => Promise.all([
    loadSeries(),
    loadThemes(),
    loadFlags(),
    api<Alert[]>("/api/moderation/alerts").then((stored) => stored.forEach((alert) => showAlert(alert))),
    api<Counts>("/api/moderation/counts").then(showCounts),
  ]);
  const stops = [
    onReconnected(() => void reloadAll().catch(() => undefined)),
    on("SentimentUpdated", (update: { roomId: string | null; bucket: Bucket }) => {
      if ((update.roomId ?? "") !== scope.value) return;
      const at = new Date(update.bucket.start).getTime();
      const index = buckets.findIndex((b) => new Date(b.start).getTime() === at);
      if (index >= 0) buckets[index] = update.bucket; else buckets = [...buckets, update.bucket].sort((a, b) => new Date(a.start).getTime() - new Date(b.start).getTime());
      draw();
    }),
    on("SentimentShift", (alert: Alert) => showAlert(alert, true)),
    on("FlagRaised", () => void loadFlags().catch(() => undefined)),
    on("LiveCounts", showCounts),
  ];
  const timer = window.setInterval(() => void loadThemes().catch(() => undefined), 30_000);
  stops.forEach((stop) => onLeave(stop));
  onLeave(() => window.clearInterval(timer));

  main.append(h("h1", {}, "Moderation"), counts,
    h("div", { class: "toolbar" }, h("label", { for: "scope" }, "Show"), scope),
    h("section", { "aria-labelledby": "chart-title" }, h("h2", { id: "chart-title" }, "Sentiment over time"),
      h("div", { class: "chart" }, canvas),
      h("div", { class: "scroll", role: "region", tabindex: 0, "aria-label": "Latest buckets, scrollable" }, table)),
    h("div", { class: "columns" },
      h("section", { "aria-labelledby": "alerts-title" }, h("h2", { id: "alerts-title" }, "Shift alerts"), alerts),
      h("section", { "aria-labelledby": "themes-title" }, h("h2", { id: "themes-title" }, "Emerging themes (last hour)"), themes)),
    h("section", { "aria-labelledby": "flags-title" }, h("h2", { id: "flags-title" }, "Flag queue"), flags));

  await reloadAll();
}
