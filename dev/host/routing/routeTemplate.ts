/**
 * ASP.NET Core route templates, the syntax of `route` in `app.http(...)`: literal segments (matched
 * case-insensitively), `{name}`, optional `{name?}`, defaults `{name=value}`, catch-all `{*rest}`,
 * inline constraints `{id:guid}` / `{n:int:min(1)}`, `{{`/`}}` escapes and complex segments such as
 * `{file}.{ext}`. No npm library implements this syntax (path-to-regexp and find-my-way differ), so
 * it is written here, with the error wording close to ASP.NET's so a template rejected here would
 * also be rejected in Azure.
 */
import { createRouteConstraint, type RouteConstraint } from './routeConstraints';

export interface RouteParameter {
    name: string;
    optional: boolean;
    catchAll: boolean;
    defaultValue: string | undefined;
    constraints: RouteConstraint[];
}

export type RoutePart = { kind: 'literal'; text: string } | ({ kind: 'parameter' } & RouteParameter);

export interface RouteSegment {
    parts: RoutePart[];
    /** Only for complex segments (several parts): greedy groups give ASP.NET's right-to-left matching. */
    pattern: RegExp | undefined;
}

export interface RouteTemplate {
    template: string;
    segments: RouteSegment[];
    parameters: RouteParameter[];
    /** ASP.NET inbound precedence digit per segment; lower sorts first (more specific). */
    precedence: number[];
}

export class RouteTemplateError extends Error {
    override readonly name = 'RouteTemplateError';
}

function fail(template: string, problem: string): never {
    throw new RouteTemplateError(`Invalid route template "${template}": ${problem}`);
}

/** Splits on '/' outside parameters and resolves `{{`/`}}` escapes, returning raw parts per segment. */
function tokenize(template: string, body: string): RoutePart[][] {
    const segments: RoutePart[][] = [[]];
    let literal = '';
    const current = () => segments[segments.length - 1] as RoutePart[];
    const flushLiteral = () => {
        if (literal !== '') current().push({ kind: 'literal', text: literal });
        literal = '';
    };
    for (let i = 0; i < body.length; i++) {
        const c = body[i];
        if (c === '/') {
            flushLiteral();
            segments.push([]);
        } else if (c === '{' && body[i + 1] === '{') {
            literal += '{';
            i++;
        } else if (c === '}' && body[i + 1] === '}') {
            literal += '}';
            i++;
        } else if (c === '}') {
            fail(template, 'there is an incomplete parameter (unmatched "}"); use "}}" for a literal brace');
        } else if (c === '{') {
            let inner = '';
            let j = i + 1;
            for (;;) {
                if (j >= body.length) fail(template, 'there is an incomplete parameter (missing "}")');
                if (body[j] === '}' && body[j + 1] === '}') {
                    inner += '}';
                    j += 2;
                } else if (body[j] === '}') {
                    break;
                } else if (body[j] === '{' && body[j + 1] === '{') {
                    inner += '{';
                    j += 2;
                } else if (body[j] === '{') {
                    fail(template, 'a parameter cannot contain an unescaped "{"');
                } else {
                    inner += body[j];
                    j++;
                }
            }
            flushLiteral();
            const previous = current().at(-1);
            if (previous?.kind === 'parameter') {
                fail(
                    template,
                    'a path segment cannot contain two consecutive parameters; separate them with a literal',
                );
            }
            current().push({ kind: 'parameter', ...parseParameter(template, inner) });
            i = j;
        } else {
            literal += c;
        }
    }
    flushLiteral();
    return segments;
}

/** Where a constraint ends: at ':' or '=' or a final '?', or after a ')' that is followed by one of those. */
function constraintEnd(text: string, start: number): number {
    for (let k = start; k < text.length; k++) {
        const c = text[k];
        if (c === '(') {
            for (let m = k + 1; m < text.length; m++) {
                const next = text[m + 1];
                const atEnd = m + 1 === text.length || (next === '?' && m + 2 === text.length);
                if (text[m] === ')' && (atEnd || next === ':' || next === '=')) return m + 1;
            }
            return -1;
        }
        if (c === ':' || c === '=' || (c === '?' && k === text.length - 1)) return k;
    }
    return text.length;
}

function parseParameter(template: string, inner: string): RouteParameter {
    let rest = inner.trim();
    let catchAll = false;
    if (rest.startsWith('**')) [catchAll, rest] = [true, rest.slice(2)];
    else if (rest.startsWith('*')) [catchAll, rest] = [true, rest.slice(1)];

    let nameEnd = rest.search(/[:=]/);
    if (nameEnd < 0) nameEnd = rest.length;
    let name = rest.slice(0, nameEnd);
    let optional = false;
    if (nameEnd === rest.length && name.endsWith('?')) [optional, name] = [true, name.slice(0, -1)];
    if (name === '' || /[{}/?*]/.test(name)) {
        fail(
            template,
            `the parameter name "${name}" is invalid; names must be non-empty and cannot contain "{", "}", "/", "?" or "*"`,
        );
    }

    rest = rest.slice(nameEnd);
    const constraints: RouteConstraint[] = [];
    while (rest.startsWith(':')) {
        const end = constraintEnd(rest, 1);
        if (end < 0) fail(template, `the constraint in "{${inner}}" has an unclosed "("`);
        const text = rest.slice(1, end);
        if (text === '') fail(template, `parameter "${name}" has an empty constraint`);
        try {
            constraints.push(createRouteConstraint(text));
        } catch (error) {
            fail(template, (error as Error).message);
        }
        rest = rest.slice(end);
    }
    let defaultValue: string | undefined;
    if (rest.startsWith('=')) {
        defaultValue = rest.slice(1);
        rest = '';
        if (defaultValue.endsWith('?')) fail(template, `optional parameter "${name}" cannot have a default value`);
    }
    if (rest === '?') [optional, rest] = [true, ''];
    if (rest !== '') fail(template, `unexpected "${rest}" in parameter "${name}"`);
    if (catchAll && optional) fail(template, `a catch-all parameter ("${name}") cannot be marked optional`);
    return { name, optional, catchAll, defaultValue, constraints };
}

function escapeRegex(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function precedenceDigit(segment: RouteSegment): number {
    const [part] = segment.parts;
    if (segment.parts.length > 1) return 2;
    if (part === undefined || part.kind === 'literal') return 1;
    const digit = part.catchAll ? 5 : 3;
    return part.constraints.length > 0 ? digit - 1 : digit;
}

/** Parses a route template; throws RouteTemplateError naming the problem. A leading "/" or "~/" is ignored. */
export function parseRouteTemplate(template: string): RouteTemplate {
    const body = template.replace(/^~?\//, '');
    const rawSegments = body === '' ? [] : tokenize(template, body);
    const segments: RouteSegment[] = [];
    const parameters: RouteParameter[] = [];
    const seen = new Set<string>();
    rawSegments.forEach((parts, index) => {
        if (parts.length === 0) fail(template, 'the separator "/" cannot appear twice in a row or at the end');
        for (const part of parts) {
            if (part.kind === 'literal') {
                if (part.text.includes('?')) fail(template, `the literal "${part.text}" cannot contain "?"`);
                continue;
            }
            const key = part.name.toLowerCase();
            if (seen.has(key)) fail(template, `the parameter name "${part.name}" appears more than once`);
            seen.add(key);
            parameters.push(part);
            if (part.catchAll && (parts.length > 1 || index !== rawSegments.length - 1)) {
                fail(template, `the catch-all parameter "${part.name}" must be alone in the last segment`);
            }
            if (part.optional && parts.length > 1) {
                fail(
                    template,
                    `the optional parameter "${part.name}" shares its segment with other parts (not supported by the local host)`,
                );
            }
        }
        const pattern =
            parts.length > 1
                ? new RegExp(
                      `^${parts.map((p) => (p.kind === 'literal' ? escapeRegex(p.text) : '(.+)')).join('')}$`,
                      'i',
                  )
                : undefined;
        segments.push({ parts, pattern });
    });
    return { template, segments, parameters, precedence: segments.map(precedenceDigit) };
}

function decodeSegments(path: string): string[] | undefined {
    const trimmed = path.replace(/^\//, '').replace(/\/$/, '');
    if (trimmed === '') return [];
    try {
        return trimmed.split('/').map((s) => decodeURIComponent(s));
    } catch {
        return undefined;
    }
}

function matchSegment(segment: RouteSegment, value: string, values: Record<string, string>): boolean {
    const [part] = segment.parts;
    if (segment.pattern !== undefined) {
        const match = segment.pattern.exec(value);
        if (!match) return false;
        let group = 1;
        for (const p of segment.parts) if (p.kind === 'parameter') values[p.name] = match[group++] ?? '';
        return true;
    }
    if (part === undefined) return false;
    if (part.kind === 'literal') return part.text.toLowerCase() === value.toLowerCase();
    if (value === '') return false;
    values[part.name] = value;
    return true;
}

/**
 * Matches a request path (e.g. `/api/users/42`, still percent-encoded) against a template. Returns the
 * route values, or undefined. Constraints are checked on every value present, defaults included.
 */
export function matchRouteTemplate(route: RouteTemplate, path: string): Record<string, string> | undefined {
    const pathSegments = decodeSegments(path);
    if (pathSegments === undefined) return undefined;
    const values: Record<string, string> = {};
    for (const [index, segment] of route.segments.entries()) {
        const [part] = segment.parts;
        if (part?.kind === 'parameter' && part.catchAll) {
            const rest = pathSegments.slice(index).join('/');
            if (rest !== '') values[part.name] = rest;
            else if (part.defaultValue !== undefined) values[part.name] = part.defaultValue;
            return checkConstraints(route, values);
        }
        const value = pathSegments[index];
        if (value === undefined) {
            // The path ran out: what is left of the template must be optional or defaulted parameters.
            if (part?.kind !== 'parameter' || segment.parts.length > 1) return undefined;
            if (part.defaultValue !== undefined) values[part.name] = part.defaultValue;
            else if (!part.optional) return undefined;
            continue;
        }
        if (!matchSegment(segment, value, values)) return undefined;
    }
    if (pathSegments.length > route.segments.length) return undefined;
    return checkConstraints(route, values);
}

function checkConstraints(route: RouteTemplate, values: Record<string, string>): Record<string, string> | undefined {
    for (const parameter of route.parameters) {
        const value = values[parameter.name];
        if (value === undefined) continue;
        if (!parameter.constraints.every((c) => c.test(value))) return undefined;
    }
    return values;
}

/** Orders templates the way ASP.NET tries them: more specific first, then by text. */
export function compareRouteTemplates(a: RouteTemplate, b: RouteTemplate): number {
    const length = Math.min(a.precedence.length, b.precedence.length);
    for (let i = 0; i < length; i++) {
        const diff = (a.precedence[i] ?? 0) - (b.precedence[i] ?? 0);
        if (diff !== 0) return diff;
    }
    if (a.precedence.length !== b.precedence.length) return a.precedence.length - b.precedence.length;
    return a.template.toLowerCase().localeCompare(b.template.toLowerCase());
}
