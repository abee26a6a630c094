export type ProgressFn = (bytesDone: number) => void;

/** A content-addressed store laid out like a DVC 3 remote: `<base>/files/md5/<2 hex>/<30 hex>`. */
export interface DataRemote {
  readonly name: string;
  readonly url: string;
  has(md5: string): Promise<boolean>;
  /** Writes the object to `destTmp` (created or overwritten). Throws OBJECT_NOT_FOUND when absent. */
  get(md5: string, destTmp: string, onProgress?: ProgressFn): Promise<void>;
  put(md5: string, srcFile: string, onProgress?: ProgressFn): Promise<void>;
}

export function objectKey(md5: string): string {
  return `files/md5/${md5.slice(0, 2)}/${md5.slice(2)}`;
}
