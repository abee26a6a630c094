// Fresh-process measurements for scale.bench.ts, so peak RSS and cold-start load times are the
// operation's own: `csv <file>` loads a WineQT-shaped CSV with @cellar/data, `model <file>` reads
// a model.json with readModelArtifact and rebuilds it (what the predict stage does).
import { loadCsvDataset } from '@cellar/data';
import { fromArtifact, readModelArtifact } from '@cellar/modeling';

const [what, file] = process.argv.slice(2);
const baselineKb = process.resourceUsage().maxRSS;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
let rows = 0;
if (what === 'csv') {
  rows = loadCsvDataset(file, { featureColumns: [], targetColumn: 'quality', excludeColumns: ['Id'] }).nRows;
} else {
  fromArtifact(readModelArtifact(file));
}
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
console.log(JSON.stringify({ ms, cpuMs, rows, maxRssKb: process.resourceUsage().maxRSS, baselineKb }));
