import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const root = dirname(fileURLToPath(import.meta.url));

// Module boundaries, enforced here rather than in prose (@nx/eslint-plugin 23.3.1 is not
// available, so this is Nx's depConstraints by hand). One table: which tags a project with a
// given tag may import. Data flows one way, config -> data -> modeling -> tracking -> pipeline
// -> nx; each lib may import only the libs below it. Tags live in each package.json's nx.tags.
const LAYERS = ['config', 'data', 'modeling', 'tracking', 'pipeline', 'nx'].map((l) => `layer:${l}`);
const MAY_IMPORT = {
  ...Object.fromEntries(LAYERS.map((tag, i) => [tag, LAYERS.slice(0, i)])),
  'type:lib': [],
  // The runs UI reads the store.
  'type:app': LAYERS.slice(0, LAYERS.indexOf('layer:tracking') + 1),
  // `cellar runs|data|ui`: the store, the data lib and the UI app.
  'type:cli': [...LAYERS.slice(0, LAYERS.indexOf('layer:tracking') + 1), 'type:app'],
  // The remote cache server stands alone.
  'type:server': [],
  // Benchmarks and end-to-end tests may use anything, through barrels.
  'type:bench': [...LAYERS, 'type:app', 'type:server', 'type:cli'],
  'type:e2e': [...LAYERS, 'type:app', 'type:server', 'type:cli'],
};

/** Projects with their package name and tags: package.json nx.tags, or project.json tags. */
function readProjects() {
  const projects = [];
  for (const group of ['libs', 'apps', 'tools']) {
    for (const name of readdirSync(join(root, group))) {
      const pkgFile = join(root, group, name, 'package.json');
      if (!existsSync(pkgFile)) continue;
      const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
      // Entry points a package declares besides its barrel ("exports" subpaths, e.g.
      // @cellar/pipeline/lanes) are public, as the barrel is.
      const entries = Object.keys(pkg.exports ?? {})
        .filter((k) => k !== '.' && k !== './package.json')
        .map((k) => `${pkg.name}${k.slice(1)}`);
      projects.push({ dir: `${group}/${name}`, name: pkg.name, tags: pkg.nx?.tags ?? [], entries });
    }
  }
  const e2e = JSON.parse(readFileSync(join(root, 'e2e/project.json'), 'utf8'));
  projects.push({ dir: 'e2e', name: undefined, tags: e2e.tags ?? [], entries: [] });
  return projects;
}

const projects = readProjects();
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const declaredEntries = projects.flatMap((p) => p.entries).map(escape);

const DEEP_IMPORTS = [
  {
    regex: declaredEntries.length
      ? `^(?!(?:${declaredEntries.join('|')})$)@cellar/[^/]+/`
      : '^@cellar/[^/]+/',
    message:
      "Import another project through its barrel (@cellar/<name>) or an entry its package.json 'exports' declares, never a path inside it.",
  },
  {
    // tools/scripts holds the workspace's build scripts (not a project): the e2e tests run them too.
    regex: '(^|/)(libs/|apps/|tools/(?!scripts/))',
    message: "A relative path into another project bypasses its barrel: import '@cellar/<name>' instead.",
  },
];

function boundaryRules(project, all) {
  const allowedTags = new Set(project.tags.flatMap((t) => MAY_IMPORT[t] ?? []));
  const forbidden = all
    .filter((p) => p.name && (p === project || !p.tags.some((t) => allowedTags.has(t))))
    .flatMap((p) => [p, ...p.entries.map((entry) => ({ ...p, name: entry, of: p }))]);
  const why = (p) =>
    p === project || p.of === project
      ? `${p.name} imports itself through its barrel: use a relative path`
      : `${project.dir} [${project.tags.join(', ')}] may not import ${p.name} [${p.tags.join(', ')}]: data flows config -> data -> modeling -> tracking -> pipeline -> nx (see eslint.config.mjs)`;
  const source = (name) =>
    `ImportExpression[source.value='${name}'], CallExpression[callee.name='require'][arguments.0.value='${name}']`;
  return {
    files: [`${project.dir}/**/*.{ts,mts,cts,js,mjs,cjs}`],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: forbidden.map((p) => ({ name: p.name, message: why(p) })), patterns: DEEP_IMPORTS },
      ],
      // import() and require() too, which no-restricted-imports does not see.
      'no-restricted-syntax': [
        'error',
        ...forbidden.map((p) => ({ selector: source(p.name), message: why(p) })),
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'tmp/**', '.nx/**', 'mlruns/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        fetch: 'readonly',
        document: 'readonly',
        window: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  ...projects.map((p) => boundaryRules(p, projects)),
);
