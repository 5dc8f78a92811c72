import { HTTP_ROUTES, type HttpRoute } from '../../contract';

/** A route of {@link HTTP_ROUTES} with what its `{…}` segments matched. */
export interface MatchedRoute {
  readonly route: HttpRoute;
  /** `{name}` → the segment it matched, as sent (not percent-decoded) */
  readonly params: Readonly<Record<string, string>>;
}

interface CompiledRoute {
  readonly route: HttpRoute;
  readonly pattern: RegExp;
  readonly names: readonly string[];
}

/**
 * `/v2/models/{name}/infer` → `^/v2/models/([^/]+)/infer$`. The server metadata route also
 * matches `/v2/`, the path the OIP specification's own OpenAPI file writes.
 */
function compile(route: HttpRoute): CompiledRoute {
  const names: string[] = [];
  const body = route.path
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(param[1] as string);
      return '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${body}${route.path === '/v2' ? '/?' : ''}$`), names };
}

const COMPILED: readonly CompiledRoute[] = HTTP_ROUTES.map(compile);

/**
 * The routes at `path`, whatever their method (a path has one or two: `/v2/models/{name}` is GET
 * only; none of ours takes two methods today), with their parameters.
 *
 * @example routesAt('/v2/models/duration/ready') // [{ route: { method: 'GET', … }, params: { name: 'duration' } }]
 */
export function routesAt(path: string): MatchedRoute[] {
  const matched: MatchedRoute[] = [];
  for (const { route, pattern, names } of COMPILED) {
    const found = pattern.exec(path);
    if (found) matched.push({ route, params: Object.fromEntries(names.map((name, i) => [name, found[i + 1] as string])) });
  }
  return matched;
}

/**
 * Whether `path` is an open route (health, metadata, the API description and its page), answered
 * without credentials whatever the method: the method is checked after, by the handler (405).
 */
export function isOpenPath(path: string): boolean {
  return routesAt(path).some(({ route }) => route.access === 'open');
}
