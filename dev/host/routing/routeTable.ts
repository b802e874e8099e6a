import { HostError } from '../errors';
import { compareRouteTemplates, matchRouteTemplate, parseRouteTemplate, type RouteTemplate } from './routeTemplate';

export interface HttpRoute {
    functionName: string;
    template: RouteTemplate;
    /** Upper-case methods; undefined accepts every method. */
    methods: ReadonlySet<string> | undefined;
}

export type RouteMatch =
    | { kind: 'matched'; route: HttpRoute; params: Record<string, string> }
    /** Some template matched, but no function on it accepts this method (the host answers 404 too). */
    | { kind: 'methodNotAllowed'; functionNames: string[] }
    | { kind: 'notFound' };

/**
 * A function's own route: its `route`, or its name when the route is missing, empty or blank
 * (azure-functions-host, ScriptHost.ValidateHttpFunction: IsNullOrWhiteSpace(route) → function name).
 */
export function ownRoute(route: string | undefined, functionName: string): string {
    return route === undefined || route.trim() === '' ? functionName : route;
}

/** The full template the host serves: route prefix + (route or function name). */
export function fullRouteTemplate(routePrefix: string, route: string | undefined, functionName: string): string {
    const own = ownRoute(route, functionName).replace(/^~?\/+/, '');
    return [routePrefix, own].filter((part) => part !== '').join('/');
}

export function createHttpRoute(
    functionName: string,
    template: string,
    methods: readonly string[] | undefined,
): HttpRoute {
    let parsed: RouteTemplate;
    try {
        parsed = parseRouteTemplate(template);
    } catch (error) {
        throw new HostError(`Function "${functionName}": ${(error as Error).message}`);
    }
    return {
        functionName,
        template: parsed,
        methods: methods === undefined ? undefined : new Set(methods.map((m) => m.toUpperCase())),
    };
}

function overlaps(a: HttpRoute, b: HttpRoute): boolean {
    if (a.methods === undefined || b.methods === undefined) return true;
    return [...a.methods].some((m) => b.methods?.has(m));
}

/** HTTP routes in ASP.NET precedence order; refuses two functions on the same template and method. */
export class RouteTable {
    readonly routes: readonly HttpRoute[];

    constructor(routes: HttpRoute[]) {
        this.routes = [...routes].sort((a, b) => compareRouteTemplates(a.template, b.template));
        for (const [i, a] of this.routes.entries()) {
            for (const b of this.routes.slice(i + 1)) {
                if (a.template.template.toLowerCase() === b.template.template.toLowerCase() && overlaps(a, b)) {
                    throw new HostError(
                        `Functions "${a.functionName}" and "${b.functionName}" both serve route "${a.template.template}" for the same method`,
                    );
                }
            }
        }
    }

    match(method: string, path: string): RouteMatch {
        const wrongMethod: string[] = [];
        for (const route of this.routes) {
            const params = matchRouteTemplate(route.template, path);
            if (params === undefined) continue;
            if (route.methods !== undefined && !route.methods.has(method.toUpperCase())) {
                wrongMethod.push(route.functionName);
                continue;
            }
            return { kind: 'matched', route, params };
        }
        return wrongMethod.length > 0 ? { kind: 'methodNotAllowed', functionNames: wrongMethod } : { kind: 'notFound' };
    }
}
