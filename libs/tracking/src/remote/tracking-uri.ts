import { TrackingError } from '../errors';

export interface RemoteTracking {
  /** `http(s)://host:port`, no trailing slash. */
  uri: string;
  /** Sent as `Authorization: Bearer`. */
  token?: string;
  /** The variable the URI came from, for messages. */
  source: string;
}

/**
 * The tracking server to log to, from CELLAR_TRACKING_URI or else MLFLOW_TRACKING_URI, with
 * CELLAR_TRACKING_TOKEN or MLFLOW_TRACKING_TOKEN. Undefined: log to the local SQLite store.
 * MLFLOW_TRACKING_URI set to a path or sqlite: URI is MLflow's local store, not ours: ignored.
 */
export function remoteTrackingFromEnv(env: NodeJS.ProcessEnv = process.env): RemoteTracking | undefined {
  const cellar = env.CELLAR_TRACKING_URI?.trim();
  const mlflow = env.MLFLOW_TRACKING_URI?.trim();
  const source = cellar ? 'CELLAR_TRACKING_URI' : 'MLFLOW_TRACKING_URI';
  const raw = cellar || mlflow;
  if (!raw) return undefined;
  const isHttp = /^https?:\/\//i.test(raw);
  if (!isHttp) {
    if (!cellar) return undefined;
    throw new TrackingError(
      'USAGE',
      `CELLAR_TRACKING_URI must be http(s)://host:port of a tracking server (got '${raw}'); for a local database file set CELLAR_TRACKING_DB instead`,
      { key: 'CELLAR_TRACKING_URI' },
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TrackingError('USAGE', `${source} '${raw}' is not a valid URL; use http(s)://host:port`, {
      key: source,
    });
  }
  if (url.username || url.password)
    throw new TrackingError(
      'USAGE',
      `${source} must not carry credentials in the URL; put the token in CELLAR_TRACKING_TOKEN`,
      { key: source },
    );
  const token = (env.CELLAR_TRACKING_TOKEN || env.MLFLOW_TRACKING_TOKEN)?.trim();
  return {
    uri: `${url.origin}${url.pathname.replace(/\/+$/, '')}`,
    ...(token ? { token } : {}),
    source,
  };
}
