import type * as http from 'node:http';
import type { TrackingStore } from '@cellar/tracking';
import { sendJson } from '../http-util';
import { downloadArtifact, getArtifact, listArtifacts, uploadArtifact } from './artifacts';
import { authorize, type AuthPolicy } from './auth';
import { MlflowApiError, toMlflowError } from './errors';
import { ROUTES } from './handlers';
import { Fields, readJsonBody } from './request';

export const MLFLOW_PREFIX = '/api/2.0/mlflow/';
export const ARTIFACTS_PREFIX = '/api/2.0/mlflow-artifacts/artifacts/';
export const GET_ARTIFACT = '/get-artifact';

export function isMlflowPath(pathname: string): boolean {
  return (
    pathname.startsWith(MLFLOW_PREFIX) || pathname.startsWith(ARTIFACTS_PREFIX) || pathname === GET_ARTIFACT
  );
}

export interface MlflowContext extends AuthPolicy {
  store: TrackingStore;
}

function methodNotAllowed(method: string, allowed: string, res: http.ServerResponse): MlflowApiError {
  res.setHeader('Allow', allowed);
  return new MlflowApiError('BAD_REQUEST', `${method} is not allowed here; use ${allowed}`, 405);
}

/** Answers one MLflow API request; every failure is `{ error_code, message }` with MLflow's status. */
export async function handleMlflow(
  ctx: MlflowContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  pathname: string,
  query: URLSearchParams,
): Promise<void> {
  const method = req.method ?? 'GET';
  const head = method === 'HEAD';
  try {
    if (pathname.startsWith(ARTIFACTS_PREFIX)) {
      const rest = pathname.slice(ARTIFACTS_PREFIX.length);
      if (method === 'PUT') {
        authorize(req, true, ctx);
        sendJson(res, 200, await uploadArtifact(ctx.store, rest, req));
        return;
      }
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(method, 'GET, HEAD, PUT', res);
      authorize(req, false, ctx);
      await downloadArtifact(ctx.store, rest, res, head);
      return;
    }
    const name = pathname === GET_ARTIFACT ? 'get-artifact' : pathname.slice(MLFLOW_PREFIX.length);
    if (name === 'get-artifact' || name === 'artifacts/list') {
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(method, 'GET, HEAD', res);
      authorize(req, false, ctx);
      const f = Fields.fromQuery(name, query);
      if (name === 'get-artifact') await getArtifact(ctx.store, f, res, head);
      else sendJson(res, 200, listArtifacts(ctx.store, f), head);
      return;
    }
    const route = ROUTES[name];
    if (route === undefined)
      throw new MlflowApiError('ENDPOINT_NOT_FOUND', `no MLflow endpoint ${pathname} on this server`);
    if (route.write ? method !== 'POST' : !['GET', 'HEAD', 'POST'].includes(method))
      throw methodNotAllowed(method, route.write ? 'POST' : 'GET, POST', res);
    authorize(req, route.write, ctx);
    const f = method === 'POST' ? await readJsonBody(req, name) : Fields.fromQuery(name, query);
    sendJson(res, 200, route.handler(ctx.store, f), head);
  } catch (err) {
    const e = toMlflowError(err);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // The body of a refused upload may still be arriving; don't read it, close after answering.
    if (method === 'PUT' || method === 'POST') res.setHeader('Connection', 'close');
    sendJson(res, e.status, { error_code: e.errorCode, message: e.message }, head);
  }
}
