export interface DatasetGeneratorSchema {
  name: string;
  file: string;
  target?: string;
  delimiter?: string;
  missing?: 'error' | 'drop';
  force?: boolean;
}
