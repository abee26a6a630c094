import type { ResolvedRemote } from '../dvc-config';
import { HttpRemote } from './http-remote';
import { LocalRemote } from './local-remote';
import type { DataRemote } from './remote';
import { S3Remote } from './s3-remote';

export function openRemote(r: ResolvedRemote, env: Record<string, string | undefined> = process.env): DataRemote {
  switch (r.kind) {
    case 'local':
      return new LocalRemote(r.name, r.url);
    case 'http':
      return new HttpRemote(r.name, r.url);
    case 's3':
      return new S3Remote(r.name, r.url, {
        endpoint: env.CELLAR_S3_ENDPOINT || env.AWS_ENDPOINT_URL || r.options.endpointurl || undefined,
        region: env.AWS_REGION || env.AWS_DEFAULT_REGION || r.options.region || undefined,
      });
  }
}
