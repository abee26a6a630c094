import { join } from 'node:path';

/** Where a pipeline project's outputs live, relative to the workspace root. */
export function pipelineOutputs(projectRoot: string) {
  return {
    model: join(projectRoot, 'model.json'),
    metrics: join(projectRoot, 'metrics.json'),
    reportDir: join(projectRoot, 'reports'),
    report: join(projectRoot, 'reports', 'metrics_detailed.json'),
    confusionSvg: join(projectRoot, 'reports', 'confusion_matrix.svg'),
  };
}
