import type { ResolvedRemote } from '../dvc-config';
import { HttpRemote } from './http-remote';
import { LocalRemote } from './local-remote';
import type { DataRemote } from './remote';
import { S3Remote } from './s3-remote';

export function openRemote(
  r: ResolvedRemote,
  env: Record<string, string | undefined> = process.env,
): DataRemote {
  switch (r.kind) {
    case 'local':
      return new LocalRemote(r.name, r.url);
    case 'http':
      return new HttpRemote(r.name, r.url);
    case 's3':
      return new S3Remote(r.name, r.url, {
        endpoint: env.CELLAR_S3_ENDPOINT || env.AWS_ENDPOINT_URL || r.options.endpointurl || undefined,
        region: env.AWS_REGION || env.AWS_DEFAULT_REGION || r.options.region || undefined,
        // The env map given to the API wins over process.env, so callers can point at a test store.
        credentials:
          env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
            ? {
                accessKeyId: env.AWS_ACCESS_KEY_ID,
                secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
                ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
              }
            : undefined,
      });
  }
}
