import type { GraphUser, GraphUserProperty } from '../directory';
import { canonicalUserProperty, isModelledProperty, unknownPropertyError } from './odata';
import { badRequest, unsupportedQuery } from './responses';

/**
 * The part of OData `$filter` that Graph supports on users, implemented faithfully rather than
 * broadly: `eq`, `in`, `startswith` on the filterable properties; `ne`, `not`, `endswith` and
 * `eq null` only in advanced mode (ConsistencyLevel: eventual + $count=true); `ge`/`le`/`gt`/`lt`
 * on createdDateTime; `and`, `or`, parentheses. Everything else is a 400, as on the real service.
 * Hand-written: no OData filter library is installed, and the subset is small.
 */

export type UserPredicate = (user: GraphUser) => boolean;

type Operator = 'eq' | 'ne' | 'in' | 'startswith' | 'endswith' | 'ge' | 'le' | 'gt' | 'lt';

/** What Graph allows per property in default mode; advanced mode adds ne/not/endswith/null. */
const FILTERABLE: Partial<Record<GraphUserProperty, readonly Operator[]>> = {
    id: ['eq', 'in'],
    accountEnabled: ['eq'],
    createdDateTime: ['eq', 'in', 'ge', 'le', 'gt', 'lt'],
    department: ['eq', 'in', 'startswith'],
    displayName: ['eq', 'in', 'startswith'],
    employeeId: ['eq', 'in', 'startswith'],
    givenName: ['eq', 'in', 'startswith'],
    jobTitle: ['eq', 'in', 'startswith'],
    mail: ['eq', 'in', 'startswith'],
    mobilePhone: ['eq', 'in', 'startswith'],
    preferredLanguage: ['eq', 'in'],
    surname: ['eq', 'in', 'startswith'],
    userPrincipalName: ['eq', 'in', 'startswith'],
    userType: ['eq', 'in'],
};
/** Filterable only with advanced queries. */
const ADVANCED_ONLY: Partial<Record<GraphUserProperty, readonly Operator[]>> = {
    officeLocation: ['eq', 'in', 'startswith'],
};

const OPERATOR_NAMES: Record<string, string> = {
    ne: 'NotEqualsMatch',
    endswith: 'EndsWith',
};

type Literal = string | number | boolean | null;

interface Token {
    kind: 'word' | 'string' | 'punct';
    text: string;
}

export interface FilterOptions {
    advanced: boolean;
    /** Delta supports only `id eq '…'` clauses joined by `or` (up to 50). */
    deltaIdsOnly?: boolean;
}

export interface ParsedFilter {
    predicate: UserPredicate;
    /** For delta: the ids named by the filter. */
    ids: string[];
}

export function parseFilter(text: string, options: FilterOptions): ParsedFilter {
    const tokens = tokenize(text);
    const parser = new Parser(tokens, options);
    const predicate = parser.expression();
    if (!parser.done()) throw invalid(`unexpected '${parser.peek()?.text ?? ''}'`);
    if (options.deltaIdsOnly) {
        if (!parser.onlyIdEquality || parser.ids.length === 0)
            throw unsupportedQuery(
                "Delta query on users supports only $filter=id eq '<id>' clauses combined with 'or'.",
            );
        if (parser.ids.length > 50) throw unsupportedQuery('Delta query supports filtering on at most 50 ids.');
    }
    return { predicate, ids: parser.ids };
}

function invalid(detail: string) {
    return badRequest(`Invalid filter clause: ${detail}.`);
}

function tokenize(text: string): Token[] {
    const tokens: Token[] = [];
    let i = 0;
    while (i < text.length) {
        const c = text[i] as string;
        if (/\s/.test(c)) {
            i++;
        } else if (c === "'") {
            let value = '';
            i++;
            for (;;) {
                if (i >= text.length) throw invalid('unterminated string literal');
                if (text[i] === "'") {
                    if (text[i + 1] === "'") {
                        value += "'";
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                value += text[i];
                i++;
            }
            tokens.push({ kind: 'string', text: value });
        } else if ('(),'.includes(c)) {
            tokens.push({ kind: 'punct', text: c });
            i++;
        } else {
            const match = /^[A-Za-z0-9_.:+/-]+/.exec(text.slice(i));
            if (!match) throw invalid(`unexpected character '${c}'`);
            tokens.push({ kind: 'word', text: match[0] });
            i += match[0].length;
        }
    }
    return tokens;
}

class Parser {
    private position = 0;
    readonly ids: string[] = [];
    onlyIdEquality = true;

    constructor(
        private readonly tokens: Token[],
        private readonly options: FilterOptions,
    ) {}

    done(): boolean {
        return this.position >= this.tokens.length;
    }

    peek(): Token | undefined {
        return this.tokens[this.position];
    }

    expression(): UserPredicate {
        let left = this.conjunction();
        while (this.isWord('or')) {
            this.position++;
            const right = this.conjunction();
            const l = left;
            left = (u) => l(u) || right(u);
        }
        return left;
    }

    private conjunction(): UserPredicate {
        let left = this.unary();
        while (this.isWord('and')) {
            this.position++;
            this.onlyIdEquality = false;
            const right = this.unary();
            const l = left;
            left = (u) => l(u) && right(u);
        }
        return left;
    }

    private unary(): UserPredicate {
        if (this.isWord('not')) {
            this.position++;
            this.onlyIdEquality = false;
            if (!this.options.advanced) throw unsupportedQuery("Filter operator 'Not' is not supported.");
            const inner = this.unary();
            return (u) => !inner(u);
        }
        if (this.isPunct('(')) {
            this.position++;
            const inner = this.expression();
            this.expectPunct(')');
            return inner;
        }
        return this.clause();
    }

    private clause(): UserPredicate {
        const first = this.next();
        if (first.kind !== 'word') throw invalid(`expected a property or function, got '${first.text}'`);
        const fn = first.text.toLowerCase();
        if ((fn === 'startswith' || fn === 'endswith') && this.isPunct('(')) {
            this.position++;
            const property = this.property();
            this.expectPunct(',');
            const value = this.literal();
            this.expectPunct(')');
            this.allow(property, fn);
            this.onlyIdEquality = false;
            if (typeof value !== 'string') throw invalid(`${fn} needs a string`);
            const needle = value.toLowerCase();
            return fn === 'startswith'
                ? (u) => stringOf(u[property])?.toLowerCase().startsWith(needle) ?? false
                : (u) => stringOf(u[property])?.toLowerCase().endsWith(needle) ?? false;
        }
        const property = this.propertyFrom(first.text);
        const operatorToken = this.next();
        const operator = operatorToken.text.toLowerCase() as Operator;
        if (operatorToken.kind !== 'word' || !['eq', 'ne', 'in', 'ge', 'le', 'gt', 'lt'].includes(operator))
            throw invalid(`unknown operator '${operatorToken.text}'`);
        this.allow(property, operator);
        if (operator === 'in') {
            this.onlyIdEquality = false;
            this.expectPunct('(');
            const values: Literal[] = [this.literal()];
            while (this.isPunct(',')) {
                this.position++;
                values.push(this.literal());
            }
            this.expectPunct(')');
            return (u) => values.some((v) => equals(u[property], v));
        }
        const value = this.literal();
        if (value === null && !this.options.advanced)
            throw unsupportedQuery(
                `Unsupported or invalid query filter clause specified for property '${property}' of resource 'User'.`,
            );
        if (property === 'id' && operator === 'eq' && typeof value === 'string') this.ids.push(value.toLowerCase());
        else this.onlyIdEquality = false;
        switch (operator) {
            case 'eq':
                return (u) => equals(u[property], value);
            case 'ne':
                return (u) => !equals(u[property], value);
            default:
                return (u) => compare(u[property], value, operator);
        }
    }

    private allow(property: GraphUserProperty, operator: Operator): void {
        const base = FILTERABLE[property] ?? [];
        const advancedOnly = ADVANCED_ONLY[property] ?? [];
        if (base.includes(operator)) return;
        if (this.options.advanced) {
            if (advancedOnly.includes(operator)) return;
            const known = base.length > 0 || advancedOnly.length > 0;
            if (known && (operator === 'ne' || operator === 'endswith')) return;
        }
        if (OPERATOR_NAMES[operator] && !this.options.advanced && base.length > 0)
            throw unsupportedQuery(`Filter operator '${OPERATOR_NAMES[operator]}' is not supported.`);
        throw unsupportedQuery(
            `Unsupported or invalid query filter clause specified for property '${property}' of resource 'User'.`,
        );
    }

    private property(): GraphUserProperty {
        const token = this.next();
        if (token.kind !== 'word') throw invalid(`expected a property, got '${token.text}'`);
        return this.propertyFrom(token.text);
    }

    private propertyFrom(name: string): GraphUserProperty {
        const property = canonicalUserProperty(name);
        if (!property) throw unknownPropertyError(name);
        if (!isModelledProperty(property))
            throw unsupportedQuery(
                `Unsupported or invalid query filter clause specified for property '${property}' of resource 'User'.`,
            );
        return property;
    }

    private literal(): Literal {
        const token = this.next();
        if (token.kind === 'string') return token.text;
        if (token.kind === 'word') {
            const lower = token.text.toLowerCase();
            if (lower === 'true') return true;
            if (lower === 'false') return false;
            if (lower === 'null') return null;
            if (/^-?\d+(\.\d+)?$/.test(token.text)) return Number(token.text);
            // Unquoted date-time literals, as OData allows for createdDateTime.
            if (/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/.test(token.text)) return token.text;
        }
        throw invalid(`expected a literal, got '${token.text}'`);
    }

    private next(): Token {
        const token = this.tokens[this.position];
        if (!token) throw invalid('unexpected end of the expression');
        this.position++;
        return token;
    }

    private isWord(text: string): boolean {
        const token = this.peek();
        return token?.kind === 'word' && token.text.toLowerCase() === text;
    }

    private isPunct(text: string): boolean {
        const token = this.peek();
        return token?.kind === 'punct' && token.text === text;
    }

    private expectPunct(text: string): void {
        const token = this.next();
        if (token.kind !== 'punct' || token.text !== text) throw invalid(`expected '${text}', got '${token.text}'`);
    }
}

function stringOf(value: unknown): string | undefined {
    return typeof value === 'string' ? value : undefined;
}

/** Directory string comparisons are case-insensitive. */
function equals(actual: unknown, expected: Literal): boolean {
    if (expected === null) return actual === null;
    if (typeof actual === 'string' && typeof expected === 'string')
        return actual.toLowerCase() === expected.toLowerCase();
    return actual === expected;
}

function compare(actual: unknown, expected: Literal, operator: Operator): boolean {
    if (typeof actual !== 'string' || typeof expected !== 'string') return false;
    const a = Date.parse(actual);
    const b = Date.parse(expected);
    if (Number.isNaN(a) || Number.isNaN(b)) return false;
    switch (operator) {
        case 'ge':
            return a >= b;
        case 'le':
            return a <= b;
        case 'gt':
            return a > b;
        case 'lt':
            return a < b;
        default:
            return false;
    }
}
