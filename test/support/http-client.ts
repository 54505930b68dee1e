/**
 * A tiny fetch wrapper for tests: real HTTP, parsed JSON, status and headers.
 */

/** A response as tests inspect it. */
export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

/** Sends a request; `body` objects are JSON-encoded unless `raw` is given. */
export async function http<T = any>(
  url: string,
  options: { method?: string; token?: string | undefined; body?: unknown; raw?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let payload: string | Buffer | undefined;
  if (options.raw !== undefined) payload = options.raw;
  else if (options.body !== undefined) {
    payload = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(url, { method: options.method ?? 'GET', headers, body: payload as BodyInit | undefined });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: response.status, body: body as T, headers: response.headers, text };
}

/** A client bound to a base URL and token. */
export function apiClient(baseUrl: string, token?: string) {
  return {
    get: <T = any>(path: string, extra: Parameters<typeof http>[1] = {}) => http<T>(baseUrl + path, { token, ...extra }),
    post: <T = any>(path: string, body?: unknown, extra: Parameters<typeof http>[1] = {}) =>
      http<T>(baseUrl + path, { method: 'POST', token, body, ...extra }),
    put: <T = any>(path: string, body?: unknown, extra: Parameters<typeof http>[1] = {}) =>
      http<T>(baseUrl + path, { method: 'PUT', token, body, ...extra }),
    patch: <T = any>(path: string, body?: unknown, extra: Parameters<typeof http>[1] = {}) =>
      http<T>(baseUrl + path, { method: 'PATCH', token, body, ...extra }),
    delete: <T = any>(path: string, extra: Parameters<typeof http>[1] = {}) =>
      http<T>(baseUrl + path, { method: 'DELETE', token, ...extra }),
  };
}
