import { composeConfig, loadPipelineSpec, type ComposedConfig, type PipelineSpec } from '@cellar/config';

export interface ComposedPipeline {
  spec: PipelineSpec;
  composed: ComposedConfig;
}

/** apps/<name>/pipeline.yaml names a model and overrides; compose its config with the extra overrides. */
export function composePipeline(
  root: string,
  pipelineFile: string,
  overrides: string[] = [],
  configDir?: string,
): ComposedPipeline {
  const spec = loadPipelineSpec(root, pipelineFile);
  const composed = composeConfig({
    root,
    data: spec.data,
    model: spec.model,
    pipelineOverrides: spec.overrides,
    pipelineFile: spec.file,
    overrides,
    configDir,
  });
  return { spec, composed };
}
