// The Kustomize base rendered the way `kubectl kustomize` would for the features it uses: resources, labels (with
// includeSelectors) and a configMapGenerator from env files. Generated ConfigMaps keep their plain name (kustomize
// appends a hash of the content and rewrites the references; the names match either way).
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import YAML from "yaml";
import { readEnvFile } from "./settings.mjs";

const supportedFields = new Set(["apiVersion", "kind", "labels", "resources", "configMapGenerator"]);

// Where includeSelectors puts the labels, besides metadata.labels (kustomize's commonLabels field specs).
const selectorPaths = {
  Deployment: [["spec", "selector", "matchLabels"], ["spec", "template", "metadata", "labels"]],
  Service: [["spec", "selector"]],
  PodDisruptionBudget: [["spec", "selector", "matchLabels"]],
};
const templatePaths = { Deployment: [["spec", "template", "metadata", "labels"]] };

/** YAML documents of a file, or the parse errors as problems. */
export function parseYamlFile(path, report, where, options = {}) {
  const docs = YAML.parseAllDocuments(readFileSync(path, "utf8"), { prettyErrors: true, ...options });
  const errors = docs.flatMap((d) => [...d.errors, ...d.warnings]);
  for (const error of errors) report.problem(where, `not valid YAML: ${error.message.split("\n")[0].replace(/:$/, "")}`);
  return errors.length ? null : docs.map((d) => d.toJS({ maxAliasCount: 100 })).filter((d) => d != null);
}

function labelsAt(object, path) {
  let node = object;
  for (const key of path) {
    if (node[key] == null) node[key] = {};
    if (typeof node[key] !== "object") return null;
    node = node[key];
  }
  return node;
}

/** Renders the kustomization in `dir`: [{ object, source }] and the generated ConfigMaps' names. */
export function renderKustomization(dir, root, report) {
  const where = relative(root, join(dir, "kustomization.yaml"));
  const [kustomization] = parseYamlFile(join(dir, "kustomization.yaml"), report, where) ?? [];
  if (!kustomization) return null;
  for (const field of Object.keys(kustomization)) {
    if (!supportedFields.has(field)) {
      report.problem(where, `\`${field}\` is not rendered by deploy/check (it knows ${[...supportedFields].join(", ")}); teach lib/render.mjs`);
    }
  }

  const rendered = [];
  for (const resource of kustomization.resources ?? []) {
    const path = join(dir, resource);
    const source = relative(root, path);
    if (!existsSync(path)) { report.problem(where, `resource ${resource} does not exist`); continue; }
    if (statSync(path).isDirectory()) { report.problem(where, `resource ${resource} is a folder; deploy/check renders files only`); continue; }
    for (const object of parseYamlFile(path, report, source) ?? []) rendered.push({ object, source });
  }

  const generatedConfigMaps = [];
  for (const generator of kustomization.configMapGenerator ?? []) {
    const unknown = Object.keys(generator).filter((k) => !["name", "envs", "literals"].includes(k));
    if (unknown.length) report.problem(where, `configMapGenerator ${generator.name}: ${unknown.join(", ")} not rendered by deploy/check`);
    const data = {};
    const add = (key, value, at) => {
      if (!/^[-._a-zA-Z0-9]+$/.test(key ?? "")) report.problem(at, `"${key ?? value}" is not a KEY=value line with a valid key`);
      else if (key in data) report.problem(at, `${key} is set twice (kustomize refuses duplicate keys)`);
      else data[key] = value;
    };
    for (const env of generator.envs ?? []) {
      const path = join(dir, env);
      const at = relative(root, path);
      if (!existsSync(path)) { report.problem(where, `env file ${env} does not exist`); continue; }
      for (const entry of readEnvFile(path)) add(entry.key, entry.value, `${at}:${entry.line}`);
    }
    for (const literal of generator.literals ?? []) {
      const equals = String(literal).indexOf("=");
      add(equals < 1 ? null : literal.slice(0, equals), literal.slice(equals + 1), `${where} literals`);
    }
    generatedConfigMaps.push(generator.name);
    rendered.push({ object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: generator.name }, data }, source: `${where} configMapGenerator` });
  }

  for (const { pairs = {}, includeSelectors = false, includeTemplates = false } of kustomization.labels ?? []) {
    for (const { object, source } of rendered) {
      if (typeof object !== "object" || object.metadata == null) continue;
      const paths = [["metadata", "labels"]];
      if (includeSelectors || includeTemplates) {
        const extra = (includeSelectors ? selectorPaths : templatePaths)[object.kind];
        if (extra) paths.push(...extra);
        else if (includeSelectors && object.kind !== "ConfigMap") {
          report.problem(source, `deploy/check does not know where kustomize puts selector labels on a ${object.kind}`);
        }
      }
      for (const path of paths) {
        const labels = labelsAt(object, path);
        if (labels) Object.assign(labels, pairs);
      }
    }
  }
  return { rendered, generatedConfigMaps };
}

/** The same objects as `kubectl kustomize` renders them, with the generated ConfigMaps' hash suffix removed. */
export function normalizeKustomizeOutput(objects, generatedConfigMaps) {
  const hashed = new Map();
  for (const o of objects) {
    const name = o?.kind === "ConfigMap" ? o.metadata?.name : null;
    const plain = name && generatedConfigMaps.find((g) => new RegExp(`^${g}-[a-z0-9]{10}$`).test(name));
    if (plain) hashed.set(name, plain);
  }
  const strip = (value) => Array.isArray(value) ? value.map(strip)
    : value && typeof value === "object" ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strip(v)]))
    : typeof value === "string" && hashed.has(value) ? hashed.get(value) : value;
  return objects.map(strip);
}

/** The first path where two JSON values differ, or null. */
export function firstDifference(a, b, path = "") {
  if (Array.isArray(a) !== Array.isArray(b) || typeof a !== typeof b || (a === null) !== (b === null)) return path || "(root)";
  if (a && typeof a === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of [...keys].sort()) {
      const difference = firstDifference(a[key], b[key], path ? `${path}.${key}` : key);
      if (difference) return difference;
    }
    return null;
  }
  return a === b ? null : path || "(root)";
}

export const objectId = (o) => `${o?.kind}/${o?.metadata?.name}`;
