/**
 * A method and a concrete path matched against the route table (routes.ts):
 * what the local gateway does that API Gateway does in AWS.
 */
import { type Method, ROUTES, type RouteDef } from './routes.ts';

/** Matches a method and a concrete path against the table: the route and its path parameters. */
export function matchRoute(
  method: string,
  path: string,
): { route: RouteDef; params: Record<string, string> } | { allowed: Method[] } | undefined {
  const segments = path.split('/');
  const allowed: Method[] = [];
  for (const route of ROUTES) {
    const pattern = route.path.split('/');
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pattern.length && ok; i++) {
      const p = pattern[i] as string;
      const s = segments[i] as string;
      if (p.startsWith('{') && p.endsWith('}')) {
        if (s === '') ok = false;
        else {
          try {
            params[p.slice(1, -1)] = decodeURIComponent(s);
          } catch {
            ok = false;
          }
        }
      } else if (p !== s) ok = false;
    }
    if (!ok) continue;
    if (route.method === method) return { route, params };
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { allowed } : undefined;
}
