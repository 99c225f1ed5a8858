#!/usr/bin/env node
// Validates the Kubernetes manifests without a cluster: every document named by the
// kustomization (and only those) against the Kubernetes API's own schemas (kubernetes-models),
// so a wrong field, type or enum fails `make test` instead of `kubectl apply`.
// Usage: node infra/k8s/validate.mjs [dir]   Prints JSON { documents, errors }; exit 1 on errors.
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

const dir = resolve(process.argv[2] ?? new URL('.', import.meta.url).pathname);
const errors = [];
const documents = [];

/** The model class of a kind: kubernetes-models has one module per API group and version (`apps/v1`, core `v1`). */
async function modelFor(apiVersion, kind) {
  try {
    const group = await import(`kubernetes-models/${apiVersion}`);
    return group[kind];
  } catch {
    return undefined;
  }
}

const kustomizationPath = join(dir, 'kustomization.yaml');
const kustomization = parse(readFileSync(kustomizationPath, 'utf8'));
if (kustomization?.kind !== 'Kustomization' || !Array.isArray(kustomization.resources)) {
  errors.push({ file: 'kustomization.yaml', path: 'resources', reason: 'a Kustomization with a resources list is expected' });
}

for (const file of kustomization?.resources ?? []) {
  const path = join(dir, file);
  if (!existsSync(path)) {
    errors.push({ file, path: '', reason: 'listed in kustomization.yaml but missing' });
    continue;
  }
  for (const doc of parseAllDocuments(readFileSync(path, 'utf8'))) {
    if (doc.errors.length) {
      errors.push({ file, path: '', reason: `YAML: ${doc.errors[0].message}` });
      continue;
    }
    const object = doc.toJS();
    if (object === null) continue;
    const { apiVersion, kind } = object;
    const name = object.metadata?.name;
    const Model = typeof apiVersion === 'string' && typeof kind === 'string' ? await modelFor(apiVersion, kind) : undefined;
    if (!Model) {
      errors.push({ file, path: 'kind', reason: `unknown apiVersion/kind ${apiVersion}/${kind}` });
      continue;
    }
    try {
      new Model(object).validate();
      documents.push({ file, apiVersion, kind, name, object });
    } catch (err) {
      errors.push({ file, path: `${kind}/${name}`, reason: String(err.message ?? err) });
    }
  }
}

// The same kind and name twice would make `kubectl apply` keep only the last one.
const seen = new Set();
for (const d of documents) {
  const id = `${d.kind}/${d.name}`;
  if (seen.has(id)) errors.push({ file: d.file, path: id, reason: 'defined twice' });
  seen.add(id);
}

process.stdout.write(`${JSON.stringify({ documents, errors }, null, 2)}\n`);
process.exit(errors.length ? 1 : 0);
