import { ConfigError } from './config-error';
import type { Override } from './override';
import type { Provenance } from './provenance';
import { cloneValue, deepEqual, emptyMap, formatValue, isMap, type Tree } from './tree';

/** Deep-merges `source` into `target` (maps merge, lists and scalars replace), recording provenance. */
export function mergeInto(
  target: Tree,
  source: Tree,
  label: string,
  prov: Provenance,
  prefix: string[] = [],
): void {
  for (const [key, value] of Object.entries(source)) {
    const path = [...prefix, key];
    const current = target[key];
    if (isMap(current) && isMap(value)) {
      prov.touch(path, label);
      mergeInto(current, value, label, prov, path);
    } else {
      target[key] = cloneValue(value);
      prov.assign(path, value, label);
    }
  }
}

/** Applies one parsed override to `tree` in place. `label` names it in messages, e.g. `override 'model.C=1'`. */
export function applyOverride(
  tree: Tree,
  ov: Override,
  label: string,
  prov: Provenance,
  file?: string,
): void {
  const details = { key: ov.key, file };
  const parentPath = ov.path.slice(0, -1);
  const leaf = ov.path[ov.path.length - 1];
  const creates = ov.action === 'add' || ov.action === 'force';
  let node: Tree = tree;
  for (let i = 0; i < parentPath.length; i++) {
    const seg = parentPath[i];
    const next = node[seg];
    if (isMap(next)) {
      node = next;
      continue;
    }
    const at = parentPath.slice(0, i + 1).join('.');
    if (next === undefined || !Object.hasOwn(node, seg)) {
      if (!creates) throw missingKey(ov, label, file);
      const made = emptyMap();
      node[seg] = made;
      node = made;
      continue;
    }
    throw new ConfigError(
      'OVERRIDE_NOT_A_MAP',
      `${label}: ${at} is a ${next === null ? 'null' : Array.isArray(next) ? 'list' : typeof next}, not a map, so ${ov.key} cannot be set (override ${at} itself instead)`,
      details,
    );
  }
  const exists = Object.hasOwn(node, leaf);
  switch (ov.action) {
    case 'set':
      if (!exists) throw missingKey(ov, label, file);
      break;
    case 'add':
      if (exists) {
        const rest = ov.text.replace(/^\+/, '');
        throw new ConfigError(
          'OVERRIDE_KEY_EXISTS',
          `${label}: key ${ov.key} already exists (use ${rest} to change it, or +${ov.text} to add or change)`,
          details,
        );
      }
      break;
    case 'force':
      break;
    case 'delete':
      if (!exists)
        throw new ConfigError(
          'OVERRIDE_KEY_MISSING',
          `${label}: key ${ov.key} does not exist, so there is nothing to delete`,
          details,
        );
      if (ov.hasValue && !deepEqual(node[leaf], ov.value)) {
        throw new ConfigError(
          'OVERRIDE_DELETE_MISMATCH',
          `${label}: ${ov.key} is ${formatValue(node[leaf])}, not ${formatValue(ov.value)}, so it was not deleted (use ~${ov.key} to delete it whatever its value)`,
          details,
        );
      }
      delete node[leaf];
      // Keep a tombstone so a later "is required" error names the override that removed it.
      prov.assign(ov.path, undefined, label);
      return;
  }
  node[leaf] = cloneValue(ov.value);
  prov.assign(ov.path, ov.value, label);
}

function missingKey(ov: Override, label: string, file: string | undefined): ConfigError {
  const hint = ov.action === 'delete' ? '' : ` (use +${ov.text.replace(/^\++/, '')} to add it)`;
  return new ConfigError('OVERRIDE_KEY_MISSING', `${label}: key ${ov.key} does not exist${hint}`, {
    key: ov.key,
    file,
  });
}
