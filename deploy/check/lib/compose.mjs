// deploy/compose: the nodes are built from deploy/Dockerfile with distinct node ids and known settings, nginx
// balances exactly the nodes on the port they listen on, and compose waits longer than a node's way out.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { parseYamlFile } from "./render.mjs";
import { composeDurationSeconds, timeSpanSeconds, urlPorts } from "./settings.mjs";

const environmentOf = (service) => Array.isArray(service.environment)
  ? Object.fromEntries(service.environment.map((e) => { const i = String(e).indexOf("="); return i < 0 ? [e, undefined] : [e.slice(0, i), e.slice(i + 1)]; }))
  : service.environment ?? {};

const volumeSource = (volume) => typeof volume === "string" ? volume.split(":")[0] : volume?.source;

/** The `upstream name { server host:port ...; }` blocks of an nginx.conf. */
function upstreams(conf) {
  const blocks = new Map();
  for (const match of conf.matchAll(/^\s*upstream\s+(\S+)\s*\{([^}]*)\}/gm)) {
    const servers = [...match[2].matchAll(/^\s*server\s+([^\s;]+)/gm)].map((m) => m[1]);
    blocks.set(match[1], servers);
  }
  return blocks;
}

export function checkCompose(root, { settings, timings, imagePorts }, report) {
  const file = join(root, "deploy/compose/docker-compose.yml");
  const where = relative(root, file);
  // Compose files use YAML 1.1 merge keys (<<: *node).
  const [compose] = parseYamlFile(file, report, where, { merge: true }) ?? [];
  if (!compose) return;
  report.ok(`${where} parses as YAML`);
  const services = compose.services ?? {};
  const composeDir = dirname(file);

  const nodes = Object.entries(services).filter(([, s]) => s?.build);
  report.expect(nodes.length > 0, where, `${nodes.length} node services build the server image (${nodes.map(([n]) => n).join(", ")})`, "no service builds the server image");
  for (const [name, service] of nodes) {
    const build = typeof service.build === "string" ? { context: service.build } : service.build;
    const context = resolve(composeDir, build.context ?? ".");
    const dockerfile = resolve(context, build.dockerfile ?? "Dockerfile");
    report.expect(relative(root, dockerfile) === "deploy/Dockerfile" && existsSync(dockerfile) && context === resolve(root), `${where} ${name}`,
      `${name} builds deploy/Dockerfile from the repository's root`,
      `build must use deploy/Dockerfile with the repository's root as context (found ${relative(root, dockerfile)}, context ${relative(root, context) || "."})`);
  }

  const ids = nodes.map(([name, s]) => [name, environmentOf(s).Jam__NodeId]);
  const missingIds = ids.filter(([, id]) => !id).map(([n]) => n);
  const values = ids.map(([, id]) => id).filter(Boolean);
  report.expect(missingIds.length === 0 && new Set(values).size === values.length, where, `node ids distinct (${values.join(", ")})`,
    missingIds.length ? `${missingIds.join(", ")} set no Jam__NodeId` : `two nodes share a Jam__NodeId (${values.join(", ")})`);

  let nodePort = null;
  for (const [name, service] of nodes) {
    const env = environmentOf(service);
    const unknown = Object.keys(env).filter((k) => !settings.has(k));
    report.expect(unknown.length === 0, `${where} ${name}`, `${name}: its environment's ${Object.keys(env).length} keys are settings`, `${unknown.join(", ")} not in deploy/jamserver.env.example`);
    const port = env.ASPNETCORE_URLS !== undefined ? urlPorts(env.ASPNETCORE_URLS)[0] : imagePorts[0] ?? 8080;
    if (nodePort !== null && port !== nodePort) report.problem(`${where} ${name}`, `listens on ${port}, the other nodes on ${nodePort}`);
    nodePort ??= port;

    const drain = env.Jam__DrainTime === undefined ? timings.defaultDrain : timeSpanSeconds(env.Jam__DrainTime);
    const grace = service.stop_grace_period === undefined ? 10 : composeDurationSeconds(service.stop_grace_period);
    const needed = drain + timings.settle + timings.stop;
    report.expect(grace !== null && drain !== null && grace > needed, `${where} ${name}`,
      `${name}: stop_grace_period ${grace} s > Jam__DrainTime ${drain} s + ${timings.settle} s + ${timings.stop} s`,
      `stop_grace_period ${service.stop_grace_period ?? "(10 s default)"} must exceed Jam__DrainTime ${drain} s + ${timings.settle} s + ${timings.stop} s = ${needed} s`);
  }

  const confMount = (service) => (service?.volumes ?? []).map(volumeSource).find((source) => source?.endsWith("nginx.conf"));
  const balancers = Object.entries(services).filter(([, s]) => confMount(s));
  if (!report.expect(balancers.length === 1, where, `balancer: ${balancers.map(([n]) => n).join(", ")} mounts nginx.conf`, "exactly one service must mount nginx.conf")) return;
  const [balancerName, balancer] = balancers[0];
  const confSource = confMount(balancer);
  const confPath = resolve(composeDir, confSource);
  const confWhere = relative(root, confPath);
  if (!report.expect(existsSync(confPath), where, `${confWhere} exists`, `${confSource} does not exist`)) return;
  const conf = readFileSync(confPath, "utf8");

  const blocks = upstreams(conf);
  const passes = [...conf.matchAll(/proxy_pass\s+https?:\/\/([^/;\s]+)/g)].map((m) => m[1]);
  const unknownPasses = passes.filter((p) => !blocks.has(p));
  report.expect(passes.length > 0 && unknownPasses.length === 0, confWhere, `every proxy_pass goes to an upstream (${[...new Set(passes)].join(", ")})`,
    passes.length ? `proxy_pass to ${unknownPasses.join(", ")}, which no upstream block defines` : "no proxy_pass");
  const expected = nodes.map(([name]) => `${name}:${nodePort}`).sort();
  for (const [name, servers] of blocks) {
    report.expect(JSON.stringify([...servers].sort()) === JSON.stringify(expected), confWhere, `upstream ${name} lists exactly the nodes on their port (${expected.join(", ")})`,
      `upstream ${name} lists ${servers.join(", ") || "nothing"}; the nodes are ${expected.join(", ")}`);
  }
  const dependsOn = Array.isArray(balancer.depends_on) ? balancer.depends_on : Object.keys(balancer.depends_on ?? {});
  const notWaited = nodes.map(([n]) => n).filter((n) => !dependsOn.includes(n));
  report.expect(notWaited.length === 0, `${where} ${balancerName}`, `${balancerName} depends on every node`, `${balancerName} does not depend on ${notWaited.join(", ")}`);

  nginxTest(conf, blocks, confWhere, report);
}

/** `nginx -t` on a copy whose upstream hosts are loopback addresses (compose's service names resolve only inside compose). */
function nginxTest(conf, blocks, where, report) {
  const which = spawnSync("nginx", ["-v"], { encoding: "utf8" });
  if (which.error) { report.skip(`nginx -t on ${where}: nginx is not installed here`); return; }
  const dir = mkdtempSync(join(tmpdir(), "jam-nginx-"));
  try {
    let copy = conf;
    const hosts = [...new Set([...blocks.values()].flat().map((server) => server.split(":")[0]))];
    hosts.forEach((host, i) => {
      const escaped = host.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      copy = copy.replace(new RegExp(`(server\\s+)${escaped}(?=[:\\s;])`, "g"), (_, server) => `${server}127.0.0.${i + 1}`);
    });
    writeFileSync(join(dir, "nginx.conf"), copy);
    const result = spawnSync("nginx", ["-t", "-q", "-p", dir, "-c", join(dir, "nginx.conf"), "-g", `pid ${dir}/nginx.pid; error_log ${dir}/error.log;`],
      { encoding: "utf8", timeout: 10_000 });
    report.expect(result.status === 0, where, `nginx -t accepts ${where}`, `nginx -t: ${(result.stderr || result.error?.message || "").trim()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
