export interface InitGeneratorSchema {
  data?: string;
  target?: string;
  remote?: string;
  configDir?: string;
  dataProject?: string;
}
