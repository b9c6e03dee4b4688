// Validation against the Kubernetes API's schema (kubernetes-models: its OpenAPI schemas compiled to validators).
// The API's schema does not forbid unknown fields (the API server drops them, or refuses them in strict mode, as
// `kubectl apply` asks), so the validator's reads are watched: a field it never looks at is not in the schema.

const groups = new Map();

/** The model class for apiVersion and kind, or null when kubernetes-models has none. */
export async function modelFor(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !/^[a-z0-9.]*\/?v\d+(?:(?:alpha|beta)\d+)?$/.test(apiVersion)) return null;
  if (!groups.has(apiVersion)) {
    groups.set(apiVersion, await import(`kubernetes-models/${apiVersion}`).catch(() => null));
  }
  const Model = groups.get(apiVersion)?.[kind];
  return typeof Model === "function" && Model.apiVersion === apiVersion && Model.kind === kind ? Model : null;
}

/** The schema's complaints and the fields it does not know, as "path: message" lines. */
export function schemaProblems(Model, object) {
  const read = new WeakMap();
  const proxies = new WeakMap();
  const mark = (target, key) => { if (typeof key === "string") read.get(target).add(key); };
  const watch = (value) => {
    if (value === null || typeof value !== "object") return value;
    if (!proxies.has(value)) {
      read.set(value, new Set());
      proxies.set(value, new Proxy(value, {
        get(target, key, receiver) { mark(target, key); return watch(Reflect.get(target, key, receiver)); },
        has(target, key) { mark(target, key); return Reflect.has(target, key); },
        // A validator that walks every key (a map such as labels) knows them all.
        ownKeys(target) { for (const key of Object.keys(target)) mark(target, key); return Reflect.ownKeys(target); },
      }));
    }
    return proxies.get(value);
  };

  const problems = [];
  try {
    // What `new Model(object).validate()` runs, on the watched object instead of a copy.
    Model.prototype.validate.call(watch(object));
  } catch (error) {
    if (!Array.isArray(error.errors)) throw error;
    for (const e of error.errors) {
      const detail = e.params?.missingProperty ? ` (${e.params.missingProperty})` : e.params?.allowedValues ? ` (${e.params.allowedValues.join(", ")})` : "";
      problems.push(`${pathText(e.instancePath.slice(1).split("/"))}: ${e.message}${detail}`);
    }
  }

  const unknownFields = (value, path) => {
    if (value === null || typeof value !== "object" || !read.has(value)) return;
    if (Array.isArray(value)) { value.forEach((item, i) => unknownFields(item, [...path, String(i)])); return; }
    for (const [key, child] of Object.entries(value)) {
      if (read.get(value).has(key)) unknownFields(child, [...path, key]);
      else problems.push(`${pathText([...path, key])}: unknown field (not in the ${Model.kind} schema)`);
    }
  };
  unknownFields(object, []);
  return problems;
}

const pathText = (parts) => parts.filter((p) => p !== "").map((p, i) => /^\d+$/.test(p) ? `[${p}]` : i ? `.${p}` : p).join("") || "(object)";
