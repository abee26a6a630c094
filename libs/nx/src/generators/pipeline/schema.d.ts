export interface PipelineGeneratorSchema {
  name: string;
  model: string;
  description?: string;
  overrides?: string[];
}
