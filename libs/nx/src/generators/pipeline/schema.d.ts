export interface PipelineGeneratorSchema {
  name: string;
  model: string;
  data?: string;
  description?: string;
  overrides?: string[];
}
