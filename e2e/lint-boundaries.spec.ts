// Module boundaries are lint errors (eslint.config.mjs), checked through ESLint's Node API.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { REPO } from './workspace';

const eslint = new ESLint({ cwd: REPO });

/** Rule ids and messages ESLint reports for `code` placed at `filePath`. */
async function problems(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

const LIBS = ['config', 'data', 'modeling', 'tracking', 'pipeline', 'nx'];

describe('lint boundaries', () => {
  it('@cellar/config importing @cellar/modeling is an error; a legal import is not', async () => {
    const back = await problems(
      "import { fitModel } from '@cellar/modeling';\nexport const x = fitModel;\n",
      'libs/config/src/x.ts',
    );
    expect(back).toHaveLength(1);
    expect(back[0]).toMatch(
      /^no-restricted-imports: .*libs\/config \[type:lib, layer:config\] may not import @cellar\/modeling/,
    );
    expect(
      await problems(
        "import { canonicalJson } from '@cellar/config';\nexport const x = canonicalJson;\n",
        'libs/modeling/src/x.ts',
      ),
    ).toEqual([]);
  });

  it('every lib may import exactly the libs below it: config -> data -> modeling -> tracking -> pipeline -> nx', async () => {
    const allowed: string[] = [];
    for (const from of LIBS) {
      for (const to of LIBS) {
        const code = `import * as m from '@cellar/${to}';\nexport const x = m;\n`;
        if ((await problems(code, `libs/${from}/src/x.ts`)).length === 0) allowed.push(`${from}->${to}`);
      }
    }
    expect(allowed).toEqual(LIBS.flatMap((from, i) => LIBS.slice(0, i).map((to) => `${from}->${to}`)));
  });

  it('type-only, dynamic and require imports count too', async () => {
    const type = await problems(
      "import type { ModelSpec } from '@cellar/modeling';\nexport type X = ModelSpec;\n",
      'libs/data/src/x.ts',
    );
    expect(type).toHaveLength(1);
    const dynamic = await problems(
      "export const x = () => import('@cellar/pipeline');\n",
      'libs/tracking/src/x.ts',
    );
    expect(dynamic).toEqual([
      expect.stringMatching(/^no-restricted-syntax: .*may not import @cellar\/pipeline/),
    ]);
    const required = await problems("export const x = require('@cellar/nx');\n", 'libs/pipeline/src/x.ts');
    expect(required).toEqual([expect.stringMatching(/^no-restricted-syntax: /)]);
  });

  it("an entry a package's exports declare (@cellar/pipeline/lanes) is public as its barrel is, under the same layers", async () => {
    expect(
      await problems(
        "import { forkLaneWorkers } from '@cellar/pipeline/lanes';\nexport const x = forkLaneWorkers;\n",
        'libs/nx/src/x.ts',
      ),
    ).toEqual([]);
    // Not declared: still a path inside the package.
    expect(
      await problems(
        "import { runInLanes } from '@cellar/pipeline/sweep/lanes';\nexport const x = runInLanes;\n",
        'libs/nx/src/x.ts',
      ),
    ).toEqual([expect.stringMatching(/^no-restricted-imports: .*through its barrel/)]);
    // Below pipeline, the entry is as forbidden as the barrel.
    expect(
      await problems(
        "import { forkLaneWorkers } from '@cellar/pipeline/lanes';\nexport const x = forkLaneWorkers;\n",
        'libs/tracking/src/x.ts',
      ),
    ).toEqual([expect.stringMatching(/^no-restricted-imports: .*may not import @cellar\/pipeline\/lanes/)]);
  });

  it('benchmarks import barrels only: no deep or relative paths into libs/*/src', async () => {
    const deep = await problems(
      "import { seedSyntheticRuns } from '../../../libs/tracking/src/fixtures/seed-synthetic';\nexport const x = seedSyntheticRuns;\n",
      'tools/bench/src/x.bench.ts',
    );
    expect(deep).toEqual([expect.stringMatching(/^no-restricted-imports: .*bypasses its barrel/)]);
    expect(
      await problems(
        "import { openStore } from '@cellar/tracking/src/store/store';\nexport const x = openStore;\n",
        'tools/bench/src/x.bench.ts',
      ),
    ).toEqual([expect.stringMatching(/through its barrel/)]);
    expect(
      await problems(
        "import { seedSyntheticRuns } from '@cellar/tracking';\nimport { runSweepJob } from '@cellar/pipeline';\nexport const x = [seedSyntheticRuns, runSweepJob];\n",
        'tools/bench/src/x.bench.ts',
      ),
    ).toEqual([]);
  });

  it('apps and tools sit on top: the UI may read the store, never the pipeline; the cache server stands alone', async () => {
    const code = (pkg: string) => `import * as m from '${pkg}';\nexport const x = m;\n`;
    expect(await problems(code('@cellar/tracking'), 'apps/tracking-ui/src/x.ts')).toEqual([]);
    expect(await problems(code('@cellar/pipeline'), 'apps/tracking-ui/src/x.ts')).toHaveLength(1);
    expect(await problems(code('@cellar/tracking-ui'), 'tools/cli/src/x.ts')).toEqual([]);
    expect(await problems(code('@cellar/tracking-ui'), 'libs/tracking/src/x.ts')).toHaveLength(1);
    expect(await problems(code('@cellar/config'), 'tools/cache-server/src/x.ts')).toHaveLength(1);
  });
});
