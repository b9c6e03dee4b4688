// The jam's title, phase and a countdown to the next phase, by the server's clock rather than the browser's.
import { api, type Jam } from "./api";
import { $ } from "./dom";
import { on } from "./hub";

let jam: Jam | null = null;
let clockOffset = 0;
const listeners = new Set<(jam: Jam) => void>();

export function currentJam(): Jam | null {
  return jam;
}

export function onJamChanged(listener: (jam: Jam) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function apply(next: Jam): void {
  jam = next;
  clockOffset = new Date(next.serverTime).getTime() - Date.now();
  $("jam-title").textContent = next.title;
  document.title = `${next.title} · JamServer`;
  $("phase").textContent = next.phase === "Closed" ? "Closed" : `${next.phase} phase`;
  tick();
  listeners.forEach((listener) => listener(next));
}

function tick(): void {
  const box = $("countdown");
  if (!jam?.phaseEndsAt) {
    box.textContent = "";
    return;
  }

  const left = Math.max(0, new Date(jam.phaseEndsAt).getTime() - (Date.now() + clockOffset));
  const seconds = Math.floor(left / 1000);
  const parts = [Math.floor(seconds / 86400), Math.floor(seconds / 3600) % 24, Math.floor(seconds / 60) % 60, seconds % 60];
  const text = `${parts[0]}d ${String(parts[1]).padStart(2, "0")}:${String(parts[2]).padStart(2, "0")}:${String(parts[3]).padStart(2, "0")}`;
  box.textContent = `ends in ${text}`;
}

export async function loadJam(): Promise<Jam> {
  apply(await api<Jam>("/api/jam"));
  return jam!;
}

export function watchJam(): void {
  on("PhaseChanged", (next: Jam) => apply(next));
  window.setInterval(tick, 1000);
  // The phase clock moves the jam without anyone acting: look again now and then.
  window.setInterval(() => void loadJam().catch(() => undefined), 60_000);
}
