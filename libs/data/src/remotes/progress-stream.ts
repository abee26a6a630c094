import { Transform } from 'node:stream';
import type { ProgressFn } from './remote';

export function countingStream(onProgress?: ProgressFn): Transform {
  let done = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      done += chunk.length;
      onProgress?.(done);
      cb(null, chunk);
    },
  });
}
