// deploy/Dockerfile, lightly: every COPY source is in the build context (the repository's root, less .dockerignore),
// and the final stage runs as a non-root user.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { urlPorts } from "./settings.mjs";

/** Instructions with their line continuations joined, comments dropped. */
function instructions(text) {
  const result = [];
  let current = "";
  for (const line of text.split(/\r?\n/)) {
    if (current === "" && /^\s*#/.test(line)) continue;
    current += line.replace(/\\\s*$/, " ");
    if (/\\\s*$/.test(line)) continue;
    if (current.trim()) {
      const [, keyword, rest] = /^\s*(\S+)\s*(.*)$/.exec(current);
      result.push({ keyword: keyword.toUpperCase(), rest: rest.trim() });
    }
    current = "";
  }
  return result;
}

/** A .dockerignore pattern (Go's filepath.Match, plus ** for any folders) as a regular expression. */
function globRegex(pattern) {
  const parts = pattern.split("/");
  const body = parts.map((part, i) => part === "**"
    ? (i === parts.length - 1 ? ".*" : "(?:[^/]+/)*")
    : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replaceAll("\\*", "[^/]*").replaceAll("\\?", "[^/]") + (i < parts.length - 1 ? "/" : ""));
  return new RegExp(`^${body.join("")}$`);
}

/** A .dockerignore as a test of a context path: last matching pattern wins, `!` re-includes. */
function ignoreMatcher(root) {
  const path = join(root, ".dockerignore");
  if (!existsSync(path)) return () => false;
  const rules = readFileSync(path, "utf8").split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith("#")).map((l) => {
    const negate = l.startsWith("!");
    return { negate, regex: globRegex((negate ? l.slice(1) : l).replace(/^\/+|\/+$/g, "")) };
  });
  return (file) => {
    const parts = file.replace(/^\.\/|\/+$/g, "").split("/");
    let ignored = false;
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join("/");
      for (const rule of rules) if (rule.regex.test(prefix)) ignored = !rule.negate;
      if (ignored) return true;
    }
    return false;
  };
}

export function checkDockerfile(root, report) {
  const where = "deploy/Dockerfile";
  const path = join(root, where);
  if (!report.expect(existsSync(path), where, `${where} exists`, "missing")) return { imagePorts: [] };
  const steps = instructions(readFileSync(path, "utf8"));
  const ignored = ignoreMatcher(root);

  const stages = [];
  let sources = 0;
  for (const { keyword, rest } of steps) {
    if (keyword === "FROM") {
      const alias = /\s+AS\s+(\S+)\s*$/i.exec(rest)?.[1];
      stages.push({ alias, user: null, env: {} });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) { report.problem(where, `${keyword} before the first FROM`); continue; }
    if (keyword === "USER") stage.user = rest.split(":")[0];
    if (keyword === "ENV") for (const m of rest.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)) stage.env[m[1]] = m[2].replace(/^"|"$/g, "");
    if (keyword !== "COPY" && keyword !== "ADD") continue;
    const words = rest.startsWith("[") ? JSON.parse(rest) : rest.split(/\s+/);
    const flags = words.filter((w) => w.startsWith("--"));
    const from = flags.find((f) => f.startsWith("--from="))?.slice("--from=".length);
    const args = words.filter((w) => !w.startsWith("--"));
    if (from) {
      report.expect(stages.some((s) => s.alias === from) || /[:/]/.test(from), where, `${keyword} --from=${from} names a stage`, `${keyword} --from=${from} names no earlier stage`);
      continue;
    }
    for (const source of args.slice(0, -1)) {
      if (/[*?[]/.test(source) || /^https?:/.test(source)) continue;
      sources++;
      if (!existsSync(join(root, source))) report.problem(where, `${keyword} ${source}: no such file or folder in the repository`);
      else if (ignored(source)) report.problem(where, `${keyword} ${source}: excluded from the build context by .dockerignore`);
    }
  }
  report.ok(`${where}: ${sources} COPY sources checked against the repository and .dockerignore`);
  const final = stages.at(-1);
  const user = final?.user;
  report.expect(user != null && !/^(root|0)$/.test(user), where, `${where}: the final stage runs as ${user} (non-root)`,
    user == null ? "the final stage sets no USER: the container would run as root" : `the final stage runs as ${user}`);
  const urls = final?.env.ASPNETCORE_URLS;
  return { imagePorts: urls ? urlPorts(urls) : [] };
}
