// Cross-references the schema cannot see: names and ports that must meet, selectors that must select, settings the
// server knows, and a grace period longer than the node's way out.
import { objectId } from "./render.mjs";
import { timeSpanSeconds, urlPorts } from "./settings.mjs";

export const documentedSecret = "jamserver-secrets";

const selects = (selector, labels) =>
  selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

const labelText = (labels) => JSON.stringify(labels ?? {});

/** A probe's or a Service's port (a name or a number) resolved against a container's ports, or null. */
function resolvePort(ports, port) {
  return typeof port === "string"
    ? ports.find((p) => p.name === port) ?? null
    : ports.find((p) => p.containerPort === port) ?? null;
}

export function checkReferences(rendered, { generatedConfigMaps, settings, secretKeys, timings }, report) {
  const objects = rendered.map((r) => r.object);
  const of = (kind) => rendered.filter((r) => r.object?.kind === kind);
  const configMaps = new Map(of("ConfigMap").map(({ object }) => [object.metadata.name, object.data ?? {}]));
  const secrets = new Map([[documentedSecret, secretKeys], ...of("Secret").map(({ object }) => [object.metadata.name, new Set(Object.keys({ ...object.data, ...object.stringData }))])]);

  const ids = objects.map(objectId);
  const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
  report.expect(duplicates.length === 0, "kustomization", "every object's kind and name are distinct", `${duplicates.join(", ")} defined twice`);

  for (const name of generatedConfigMaps) {
    const data = configMaps.get(name) ?? {};
    const unknown = Object.keys(data).filter((k) => !settings.has(k));
    report.expect(unknown.length === 0, `ConfigMap/${name}`, `ConfigMap ${name}: its ${Object.keys(data).length} keys are settings of deploy/jamserver.env.example`,
      `${unknown.join(", ")} not in deploy/jamserver.env.example (a misspelt setting is silently ignored by the server)`);
    const secretInMap = Object.keys(data).filter((k) => secretKeys.has(k));
    report.expect(secretInMap.length === 0, `ConfigMap/${name}`, `ConfigMap ${name} holds none of the secret's keys`,
      `${secretInMap.join(", ")} belong in the secret ${documentedSecret}, not in a ConfigMap`);
  }
  report.expect(secretKeys.size > 0 && [...secretKeys].every((k) => settings.has(k)), "docs/deploy.md",
    `the secret ${documentedSecret} (${[...secretKeys].join(", ")}) holds settings of deploy/jamserver.env.example`,
    `the documented secret's keys (${[...secretKeys].join(", ") || "none found"}) must be settings of deploy/jamserver.env.example`);

  for (const { object: deployment, source } of of("Deployment")) {
    const where = `${source} ${objectId(deployment)}`;
    const template = deployment.spec?.template ?? {};
    const podLabels = template.metadata?.labels;
    report.expect(selects(deployment.spec?.selector?.matchLabels, podLabels), where, `${objectId(deployment)}: selector ${labelText(deployment.spec?.selector?.matchLabels)} selects its pods ${labelText(podLabels)}`,
      `spec.selector.matchLabels ${labelText(deployment.spec?.selector?.matchLabels)} must be non-empty and match spec.template.metadata.labels ${labelText(podLabels)}`);

    const containers = template.spec?.containers ?? [];
    const env = {};
    for (const container of containers) {
      const at = `${where} container ${container.name}`;
      const ports = container.ports ?? [];
      const names = ports.map((p) => p.name).filter(Boolean);
      report.expect(new Set(names).size === names.length && new Set(ports.map((p) => p.containerPort)).size === ports.length, at,
        `container ${container.name}: port names and numbers distinct (${ports.map((p) => `${p.name}=${p.containerPort}`).join(", ")})`, "two ports share a name or a number");

      for (const probeName of ["readinessProbe", "livenessProbe", "startupProbe"]) {
        const probe = container[probeName];
        if (!probe) continue;
        const port = probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port;
        report.expect(resolvePort(ports, port) != null, at, `container ${container.name}: ${probeName} port ${port} is a container port`,
          `${probeName} port ${JSON.stringify(port)} is not one of the container's ports (${names.join(", ")})`);
      }

      for (const source of container.envFrom ?? []) {
        if (source.configMapRef) {
          const name = source.configMapRef.name;
          if (report.expect(configMaps.has(name), at, `container ${container.name}: envFrom ConfigMap ${name} is generated`,
            `envFrom configMapRef ${name} names no ConfigMap of the kustomization (${[...configMaps.keys()].join(", ")})`)) Object.assign(env, configMaps.get(name));
        }
        if (source.secretRef) {
          const name = source.secretRef.name;
          report.expect(secrets.has(name), at, `container ${container.name}: envFrom Secret ${name} is the documented one`,
            `envFrom secretRef ${name} is neither ${documentedSecret} (docs/deploy.md) nor a Secret of the kustomization`);
        }
      }
      for (const variable of container.env ?? []) {
        report.expect(settings.has(variable.name), at, `container ${container.name}: env ${variable.name} is a setting`,
          `env ${variable.name} is not in deploy/jamserver.env.example`);
        const cmRef = variable.valueFrom?.configMapKeyRef;
        if (cmRef) report.expect(configMaps.get(cmRef.name)?.[cmRef.key] !== undefined, at,
          `env ${variable.name} from ConfigMap ${cmRef.name} key ${cmRef.key}`, `env ${variable.name}: ConfigMap ${cmRef.name} has no key ${cmRef.key}`);
        const secretRef = variable.valueFrom?.secretKeyRef;
        if (secretRef) report.expect(secrets.get(secretRef.name)?.has(secretRef.key) === true, at,
          `env ${variable.name} from Secret ${secretRef.name} key ${secretRef.key}`, `env ${variable.name}: Secret ${secretRef.name} (as documented) has no key ${secretRef.key}`);
        if (variable.value !== undefined) env[variable.name] = variable.value;
      }
      const mounts = (container.volumeMounts ?? []).map((m) => m.name);
      const volumes = (template.spec?.volumes ?? []).map((v) => v.name);
      const missing = mounts.filter((m) => !volumes.includes(m));
      report.expect(missing.length === 0, at, `container ${container.name}: every volume mount names a volume`, `volumeMounts ${missing.join(", ")} name no volume`);

      // The node listens where the container says it does.
      if (env.ASPNETCORE_URLS !== undefined) {
        const listening = urlPorts(env.ASPNETCORE_URLS);
        const undeclared = listening.filter((p) => !ports.some((q) => q.containerPort === p));
        report.expect(undeclared.length === 0, at, `container ${container.name}: ASPNETCORE_URLS ports ${listening.join(", ")} are container ports`,
          `ASPNETCORE_URLS listens on ${undeclared.join(", ")}, which the container does not declare`);
      }
      if (env.Jam__MetricsPort !== undefined) {
        const metricsPort = Number(env.Jam__MetricsPort);
        const annotation = template.metadata?.annotations?.["prometheus.io/port"];
        report.expect(ports.some((p) => p.containerPort === metricsPort) && (annotation === undefined || Number(annotation) === metricsPort), at,
          `container ${container.name}: Jam__MetricsPort ${metricsPort} is a container port and the one Prometheus scrapes`,
          `Jam__MetricsPort ${metricsPort} must be a container port and equal the prometheus.io/port annotation (${annotation})`);
      }
    }

    const drainSetting = env.Jam__DrainTime;
    const drain = drainSetting === undefined ? timings.defaultDrain : timeSpanSeconds(drainSetting);
    const grace = template.spec?.terminationGracePeriodSeconds ?? 30;
    const needed = drain + timings.settle + timings.stop;
    report.expect(drain !== null && grace > needed, where,
      `${objectId(deployment)}: terminationGracePeriodSeconds ${grace} > Jam__DrainTime ${drain} s${drainSetting === undefined ? " (default)" : ""} + ${timings.settle} s settle + ${timings.stop} s stop`,
      drain === null ? `Jam__DrainTime "${drainSetting}" is not a TimeSpan (hh:mm:ss)`
        : `terminationGracePeriodSeconds ${grace} must exceed Jam__DrainTime ${drain} s + ${timings.settle} s + ${timings.stop} s = ${needed} s, or pods are killed before their clients move`);
  }

  const pods = of("Deployment").map(({ object }) => ({ owner: object, labels: object.spec?.template?.metadata?.labels, containers: object.spec?.template?.spec?.containers ?? [] }));
  for (const { object: service, source } of of("Service")) {
    const where = `${source} ${objectId(service)}`;
    const selected = pods.filter((p) => selects(service.spec?.selector, p.labels));
    report.expect(selected.length > 0, where, `${objectId(service)}: selector ${labelText(service.spec?.selector)} selects the pods of ${selected.map((p) => objectId(p.owner)).join(", ")}`,
      `spec.selector ${labelText(service.spec?.selector)} selects no pod template (${pods.map((p) => labelText(p.labels)).join(", ")})`);
    for (const port of service.spec?.ports ?? []) {
      const target = port.targetPort ?? port.port;
      for (const pod of selected) {
        report.expect(pod.containers.some((c) => resolvePort(c.ports ?? [], target)), where,
          `${objectId(service)}: port ${port.name ?? port.port} targets container port ${target} of ${objectId(pod.owner)}`,
          `port ${port.name ?? port.port}: targetPort ${JSON.stringify(target)} is no container port of ${objectId(pod.owner)}`);
      }
    }
  }

  for (const { object: budget, source } of of("PodDisruptionBudget")) {
    const where = `${source} ${objectId(budget)}`;
    const selected = pods.filter((p) => selects(budget.spec?.selector?.matchLabels, p.labels));
    report.expect(selected.length > 0, where, `${objectId(budget)}: selector ${labelText(budget.spec?.selector?.matchLabels)} selects the pods of ${selected.map((p) => objectId(p.owner)).join(", ")}`,
      `spec.selector.matchLabels ${labelText(budget.spec?.selector?.matchLabels)} selects no pod template (${pods.map((p) => labelText(p.labels)).join(", ")})`);
  }
}
