// The settings the server knows and the timings of its way out, read from the repository itself.
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** KEY=value lines of an env file; commented-out `# KEY=value` lines too when `commented` is set. */
export function readEnvFile(path, { commented = false } = {}) {
  const entries = [];
  const lines = readFileSync(path, "utf8").split(/\r?\n/);
  lines.forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === "") return;
    if (trimmed.startsWith("#")) {
      const match = commented && /^#\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(trimmed);
      if (match) entries.push({ key: match[1], value: match[2], line: index + 1, commented: true });
      return;
    }
    const equals = trimmed.indexOf("=");
    entries.push(equals < 1
      ? { key: null, value: trimmed, line: index + 1 }
      : { key: trimmed.slice(0, equals), value: trimmed.slice(equals + 1), line: index + 1 });
  });
  return entries;
}

/** The keys of deploy/jamserver.env.example, the list of every setting (commented-out ones are settings too). */
export function knownSettings(root) {
  return new Set(readEnvFile(join(root, "deploy/jamserver.env.example"), { commented: true }).map((e) => e.key));
}

/** The secret's keys as docs/deploy.md creates it (`--from-literal=KEY=...`). */
export function documentedSecretKeys(root) {
  const text = readFileSync(join(root, "docs/deploy.md"), "utf8");
  return new Set([...text.matchAll(/--from-literal=([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1]));
}

/** .NET TimeSpan text ([d.]hh:mm:ss[.fff]) in seconds, or null. */
export function timeSpanSeconds(text) {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(String(text).trim());
  if (!match) return null;
  const [, days = "0", hours, minutes, seconds] = match;
  return ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds);
}

/** Compose's duration (45s, 1m30s) in seconds, or null. */
export function composeDurationSeconds(text) {
  const match = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+(?:\.\d+)?)s)?$/.exec(String(text).trim());
  if (!match || String(text).trim() === "") return null;
  const [, h = "0", m = "0", s = "0"] = match;
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
}

function secondsIn(root, file, pattern, name) {
  const match = pattern.exec(readFileSync(join(root, file), "utf8"));
  if (!match) throw new Error(`${file}: ${name} not found (the check reads it there; update deploy/check/lib/settings.mjs)`);
  return Number(match[1]);
}

/**
 * The node's way out on SIGTERM (docs/deploy.md, "Graceful shutdown"): Jam:DrainTime, then up to Settle for the last
 * closes, then up to StopTimeout for the host to stop. The orchestrator must wait longer than all three.
 */
export function shutdownTimings(root) {
  return {
    defaultDrain: secondsIn(root, "src/JamServer/Infrastructure/JamOptions.cs",
      /TimeSpan DrainTime \{ get; set; \} = TimeSpan\.FromSeconds\((\d+)\)/, "JamOptions.DrainTime's default"),
    settle: secondsIn(root, "src/JamServer/Live/NodeDrain.cs",
      /TimeSpan Settle = TimeSpan\.FromSeconds\((\d+)\)/, "NodeDrain.Settle"),
    stop: secondsIn(root, "src/JamServer/Infrastructure/GracefulShutdown.cs",
      /TimeSpan StopTimeout = TimeSpan\.FromSeconds\((\d+)\)/, "GracefulShutdown.StopTimeout"),
  };
}

/** The ports of ASPNETCORE_URLS (http://+:8080;http://+:9464), in order. */
export function urlPorts(urls) {
  return String(urls).split(";").map((u) => u.trim()).filter(Boolean).map((u) => {
    const match = /:(\d+)\/?$/.exec(u);
    return match ? Number(match[1]) : u.startsWith("https") ? 443 : 80;
  });
}
