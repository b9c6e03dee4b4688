// Checks the deployment files without a cluster or a Docker engine (neither runs on the build machines):
//   node check.mjs [--root <repository>]
// The Kustomize base is rendered (lib/render.mjs; compared with `kubectl kustomize` when kubectl is installed),
// every object validated against the Kubernetes API schema, unknown fields included (lib/schema.mjs), and the names,
// ports, selectors, settings and timings that must agree are cross-checked (lib/kubernetes.mjs); the compose file,
// its nginx.conf (lib/compose.mjs) and the Dockerfile (lib/dockerfile.mjs) are linted. Exit code 1 on any problem.
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import { checkCompose } from "./lib/compose.mjs";
import { checkDockerfile } from "./lib/dockerfile.mjs";
import { checkReferences } from "./lib/kubernetes.mjs";
import { firstDifference, normalizeKustomizeOutput, objectId, renderKustomization } from "./lib/render.mjs";
import { Report } from "./lib/report.mjs";
import { modelFor, schemaProblems } from "./lib/schema.mjs";
import { documentedSecretKeys, knownSettings, shutdownTimings } from "./lib/settings.mjs";

const rootFlag = process.argv.indexOf("--root");
const root = resolve(rootFlag > 0 ? process.argv[rootFlag + 1] : join(dirname(fileURLToPath(import.meta.url)), "../.."));
const base = join(root, "deploy/kubernetes/base");
const report = new Report();
const started = performance.now();

const settings = knownSettings(root);
const secretKeys = documentedSecretKeys(root);
const timings = shutdownTimings(root);

report.section("deploy/kubernetes/base (Kustomize)");
const kustomization = renderKustomization(base, root, report);
if (kustomization) {
  const { rendered, generatedConfigMaps } = kustomization;
  report.ok(`rendered ${rendered.length} objects: ${rendered.map((r) => objectId(r.object)).join(", ")} (generated ConfigMaps without kustomize's hash suffix)`);
  compareWithKubectl(rendered.map((r) => r.object), generatedConfigMaps);

  for (const { object, source } of rendered) {
    const Model = await modelFor(object?.apiVersion, object?.kind);
    if (!Model) { report.problem(source, `${object?.apiVersion} ${object?.kind} is not a Kubernetes API kind`); continue; }
    const problems = schemaProblems(Model, object);
    for (const problem of problems) report.problem(`${source} ${objectId(object)}`, problem);
    if (problems.length === 0) report.ok(`${objectId(object)} (${object.apiVersion}) matches the Kubernetes schema, no unknown fields`);
  }
  checkReferences(rendered, { generatedConfigMaps, settings, secretKeys, timings }, report);
}

report.section("deploy/Dockerfile");
const { imagePorts } = checkDockerfile(root, report);

report.section("deploy/compose");
checkCompose(root, { settings, timings, imagePorts }, report);

const seconds = ((performance.now() - started) / 1000).toFixed(1);
if (report.problems.length) {
  console.error(`\ndeploy/check: ${report.problems.length} problem(s) in ${seconds} s:\n${report.problems.map((p) => `  - ${p}`).join("\n")}`);
  process.exit(1);
}
console.log(`\ndeploy/check: no problems (${seconds} s)`);

/** The real kustomize (in kubectl) where it is installed: its rendering must be ours, hash suffixes aside. */
function compareWithKubectl(ours, generatedConfigMaps) {
  const result = spawnSync("kubectl", ["kustomize", base], { encoding: "utf8", timeout: 20_000 });
  if (result.error?.code === "ENOENT") { report.skip("kubectl kustomize: kubectl is not installed; the rendering is deploy/check's own"); return; }
  // A kubectl too old for this base (or broken on the machine) is not the base's fault: our own rendering still checks it.
  if (result.status !== 0) { report.skip(`kubectl kustomize could not render here, the rendering is deploy/check's own: ${(result.stderr || result.error?.message || "failed").trim().split("\n")[0]}`); return; }
  const theirs = normalizeKustomizeOutput(YAML.parseAllDocuments(result.stdout).map((d) => d.toJS()), generatedConfigMaps);
  const byId = new Map(theirs.map((o) => [objectId(o), o]));
  const differences = [];
  for (const object of ours) {
    const other = byId.get(objectId(object));
    if (!other) differences.push(`${objectId(object)} is missing from kubectl's rendering`);
    else {
      const at = firstDifference(object, other);
      if (at) differences.push(`${objectId(object)} differs at ${at}`);
    }
  }
  if (theirs.length !== ours.length) differences.push(`kubectl renders ${theirs.length} objects, deploy/check ${ours.length}`);
  const version = /Kustomize Version: (\S+)/.exec(spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).stdout ?? "")?.[1] ?? "?";
  report.expect(differences.length === 0, "kubectl kustomize", `kubectl kustomize (kustomize ${version}) renders the same objects`,
    `deploy/check renders differently from kustomize ${version} (teach lib/render.mjs): ${differences.join("; ")}`);
}
