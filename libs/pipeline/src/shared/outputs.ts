import { join } from 'node:path';

export interface PipelineOutputs {
  model: string;
  metrics: string;
  reportDir: string;
  report: string;
  confusionSvg: string;
}

/** Where a pipeline project's outputs live, relative to the workspace root. */
export function pipelineOutputs(projectRoot: string): PipelineOutputs {
  return {
    model: join(projectRoot, 'model.json'),
    metrics: join(projectRoot, 'metrics.json'),
    reportDir: join(projectRoot, 'reports'),
    report: join(projectRoot, 'reports', 'metrics_detailed.json'),
    confusionSvg: join(projectRoot, 'reports', 'confusion_matrix.svg'),
  };
}
