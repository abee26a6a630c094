// Options of the @cellar/nx plugin, as a user writes them in nx.json:
//   "plugins": [{ "plugin": "@cellar/nx", "options": { "pipelines": "pipelines/*/pipeline.yaml" } }]

export interface CellarTargetNames {
  train: string;
  evaluate: string;
  notify: string;
  predict: string;
  sweep: string;
  /** A pipeline's (or sweep's) own pull: only the pointer of its data set. */
  pull: string;
}

export interface CellarPluginOptions {
  /** Glob of pipeline declarations (workspace-relative). Default `apps/*\/pipeline.yaml`. */
  pipelines?: string;
  /** Glob of sweep declarations. Default `apps/*\/sweep.yaml`. */
  sweeps?: string;
  /** Folder of train/, data/, model/ and sweep/ YAML configs. Default `configs`. */
  configDir?: string;
  /**
   * Project whose `pull` target fetches all tracked data (`nx run data:pull`); pipelines pull only
   * their own data set, and use this one only when their data set cannot be read. Default `data`.
   */
  dataProject?: string;
  /** Rename the inferred targets, e.g. `{ "train": "fit" }`. */
  targetNames?: Partial<CellarTargetNames>;
}

export interface NormalizedPluginOptions {
  pipelines: string;
  sweeps: string;
  configDir: string;
  dataProject: string;
  targetNames: CellarTargetNames;
}

export const DEFAULT_OPTIONS: NormalizedPluginOptions = {
  pipelines: 'apps/*/pipeline.yaml',
  sweeps: 'apps/*/sweep.yaml',
  configDir: 'configs',
  dataProject: 'data',
  targetNames: {
    train: 'train',
    evaluate: 'evaluate',
    notify: 'notify',
    predict: 'predict',
    sweep: 'sweep',
    pull: 'pull-data',
  },
};

const KNOWN = ['pipelines', 'sweeps', 'configDir', 'dataProject', 'targetNames'];

/** Checks the options from nx.json; a typo there is reported once, naming the key. */
export function normalizeOptions(options: CellarPluginOptions | undefined): NormalizedPluginOptions {
  const o = (options ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN.includes(key)) {
      throw new Error(`nx.json: unknown @cellar/nx plugin option '${key}' (known: ${KNOWN.join(', ')})`);
    }
  }
  const text = (key: string, fallback: string): string => {
    const v = o[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || v.trim() === '') {
      throw new Error(`nx.json: @cellar/nx option '${key}' must be a non-empty string`);
    }
    return v.replace(/\/+$/, '');
  };
  const names = (o.targetNames ?? {}) as Record<string, unknown>;
  const targetNames = { ...DEFAULT_OPTIONS.targetNames };
  for (const [step, name] of Object.entries(names)) {
    if (!(step in targetNames)) {
      throw new Error(
        `nx.json: @cellar/nx targetNames.${step} is not a Cellar target (known: ${Object.keys(targetNames).join(', ')})`,
      );
    }
    if (typeof name !== 'string' || !/^[A-Za-z0-9][\w:-]*$/.test(name)) {
      throw new Error(`nx.json: @cellar/nx targetNames.${step} must be a target name like 'fit'`);
    }
    targetNames[step as keyof CellarTargetNames] = name;
  }
  return {
    pipelines: text('pipelines', DEFAULT_OPTIONS.pipelines),
    sweeps: text('sweeps', DEFAULT_OPTIONS.sweeps),
    configDir: text('configDir', DEFAULT_OPTIONS.configDir),
    dataProject: text('dataProject', DEFAULT_OPTIONS.dataProject),
    targetNames,
  };
}
