/**
 * The inline route constraints of ASP.NET Core routing, which the Functions host uses for HTTP routes
 * (`{id:guid}`, `{n:int:min(1)}`, `{slug:regex(^[a-z-]+$)}`). Each checks one route value; parsing
 * follows .NET's invariant culture closely enough for URL segments.
 */
export interface RouteConstraint {
    /** As written, e.g. `length(1,20)`; shown in errors. */
    text: string;
    test(value: string): boolean;
}

const INT32 = { min: -(2n ** 31n), max: 2n ** 31n - 1n };
const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

/** .NET `long.TryParse` / `int.TryParse` with NumberStyles.Integer. */
function parseInteger(value: string, range: { min: bigint; max: bigint }): bigint | undefined {
    const trimmed = value.trim();
    if (!/^[+-]?\d+$/.test(trimmed)) return undefined;
    const n = BigInt(trimmed);
    return n < range.min || n > range.max ? undefined : n;
}

const DIGITS = String.raw`(?:\d[\d,]*(?:\.\d*)?|\.\d+)`;
/** NumberStyles.Number: sign, thousands separators, decimal point; no exponent. */
const DECIMAL = new RegExp(`^[+-]?${DIGITS}$`);
/** NumberStyles.Float | AllowThousands: adds an exponent and the named values. */
const FLOATING = new RegExp(`^(?:[+-]?${DIGITS}(?:[eE][+-]?\\d+)?|NaN|[+-]?Infinity|[+-]?∞)$`);
const GUID_HEX = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
/** Guid.TryParse formats D, N, B and P. */
const GUID = new RegExp(`^(?:${GUID_HEX}|[0-9a-fA-F]{32}|\\{${GUID_HEX}\\}|\\(${GUID_HEX}\\))$`);
/** DateTime.TryParse accepts many layouts; a URL segment realistically carries ISO 8601 ones. */
const DATETIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function isValidDateTime(value: string): boolean {
    if (!DATETIME.test(value)) return false;
    const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
    const date = new Date(Date.UTC(year, month - 1, day));
    return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function integerArgs(name: string, args: string[], count: number): bigint[] {
    if (args.length !== count) {
        throw new Error(`Constraint "${name}" takes ${count} argument(s), got ${args.length}`);
    }
    return args.map((arg) => {
        const n = parseInteger(arg, INT64);
        if (n === undefined) throw new Error(`Constraint "${name}" needs integer arguments, got "${arg}"`);
        return n;
    });
}

type ConstraintFactory = (args: string[], argText: string) => (value: string) => boolean;

function noArgs(name: string, test: (value: string) => boolean): ConstraintFactory {
    return (args) => {
        if (args.length > 0) throw new Error(`Constraint "${name}" takes no arguments`);
        return test;
    };
}

const FACTORIES: Record<string, ConstraintFactory> = {
    int: noArgs('int', (v) => parseInteger(v, INT32) !== undefined),
    long: noArgs('long', (v) => parseInteger(v, INT64) !== undefined),
    bool: noArgs('bool', (v) => /^\s*(true|false)\s*$/i.test(v)),
    guid: noArgs('guid', (v) => GUID.test(v.trim())),
    alpha: noArgs('alpha', (v) => /^[a-z]*$/i.test(v)),
    datetime: noArgs('datetime', (v) => isValidDateTime(v.trim())),
    decimal: noArgs('decimal', (v) => DECIMAL.test(v.trim())),
    double: noArgs('double', (v) => FLOATING.test(v.trim())),
    float: noArgs('float', (v) => FLOATING.test(v.trim())),
    length: (args) => {
        if (args.length === 1) {
            const [n] = integerArgs('length', args, 1) as [bigint];
            return (v) => BigInt(v.length) === n;
        }
        const [min, max] = integerArgs('length', args, 2) as [bigint, bigint];
        return (v) => BigInt(v.length) >= min && BigInt(v.length) <= max;
    },
    minlength: (args) => {
        const [min] = integerArgs('minlength', args, 1) as [bigint];
        return (v) => BigInt(v.length) >= min;
    },
    maxlength: (args) => {
        const [max] = integerArgs('maxlength', args, 1) as [bigint];
        return (v) => BigInt(v.length) <= max;
    },
    min: (args) => {
        const [min] = integerArgs('min', args, 1) as [bigint];
        return (v) => (parseInteger(v, INT64) ?? min - 1n) >= min;
    },
    max: (args) => {
        const [max] = integerArgs('max', args, 1) as [bigint];
        return (v) => (parseInteger(v, INT64) ?? max + 1n) <= max;
    },
    range: (args) => {
        const [min, max] = integerArgs('range', args, 2) as [bigint, bigint];
        return (v) => {
            const n = parseInteger(v, INT64);
            return n !== undefined && n >= min && n <= max;
        };
    },
    regex: (_args, argText) => {
        // ASP.NET uses IgnoreCase | CultureInvariant and does not anchor the pattern: authors add ^ and $.
        let regex: RegExp;
        try {
            regex = new RegExp(argText, 'i');
        } catch (error) {
            throw new Error(
                `Constraint "regex(${argText})" is not a valid regular expression: ${(error as Error).message}`,
                { cause: error },
            );
        }
        return (v) => regex.test(v);
    },
};

/** Builds one constraint from its text (`int`, `range(1,10)`, `regex(^a+$)`). Throws on unknown names or bad arguments. */
export function createRouteConstraint(text: string): RouteConstraint {
    const match = /^([A-Za-z]+)(?:\((.*)\))?$/s.exec(text);
    if (!match) throw new Error(`Constraint "${text}" is not of the form name or name(arguments)`);
    const [, rawName = '', argText] = match;
    const name = rawName.toLowerCase();
    const factory = FACTORIES[name];
    if (factory === undefined) {
        throw new Error(`Unknown route constraint "${rawName}"; known: ${Object.keys(FACTORIES).join(', ')}`);
    }
    const args = argText === undefined || argText === '' ? [] : argText.split(',').map((a) => a.trim());
    return { text, test: factory(args, argText ?? '') };
}
