/**
 * A small query layer over tree-sitter-bicep syntax trees, for the infra tests.
 *
 * This is syntax only: tree-sitter knows the grammar, not the Bicep type system, resource schemas
 * or API versions, and it cannot resolve modules or compile to ARM JSON (no Bicep CLI offline).
 * Everything here answers questions about what the files literally say.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

import type Parser from 'tree-sitter';

export type SyntaxNode = Parser.SyntaxNode;

/** 1-based line and column. */
export interface Location {
    line: number;
    column: number;
}

export interface SyntaxProblem extends Location {
    message: string;
}

export interface BicepFile {
    /** Path used in messages (relative to the repository root for real files). */
    path: string;
    text: string;
    root: SyntaxNode;
    /** Syntax errors; empty when the file parses cleanly. */
    problems: SyntaxProblem[];
}

interface TreeSitter {
    Parser: typeof Parser;
    language: Parser.Language;
}

/**
 * Loads tree-sitter once per process. Its JavaScript wrapper replaces methods of the native
 * classes with getters when it is evaluated; jest evaluates modules again for every test file, and
 * a second copy of the wrapper in the same worker captures the first copy's getters instead of the
 * native methods, after which `tree.rootNode` is undefined. The native binding object is shared by
 * every copy, so the first wrapper is kept on it and reused.
 */
function treeSitter(): TreeSitter {
    const load = createRequire(__filename);
    const treeSitterPackage = load.resolve('tree-sitter/package.json');
    // node-gyp-build as tree-sitter itself resolves it, finding the same prebuilt binary.
    const nodeGypBuild = createRequire(treeSitterPackage)('node-gyp-build') as (directory: string) => {
        tenantSyncTreeSitter?: TreeSitter;
    };
    const binding = nodeGypBuild(dirname(treeSitterPackage));
    binding.tenantSyncTreeSitter ??= {
        Parser: load('tree-sitter') as typeof Parser,
        // The grammar package types its export loosely; it is a tree-sitter language object.
        language: load('tree-sitter-bicep') as Parser.Language,
    };
    return binding.tenantSyncTreeSitter;
}

let sharedParser: Parser | undefined;

function parser(): Parser {
    if (sharedParser === undefined) {
        const { Parser: TreeSitterParser, language } = treeSitter();
        sharedParser = new TreeSitterParser();
        sharedParser.setLanguage(language);
    }
    return sharedParser;
}

/**
 * tree-sitter-bicep 1.1.0 predates the `extension` keyword (Bicep 0.30+), which replaced
 * `provider` with identical syntax (`extension 'ref' [with {...}] [as alias]`). Spelling it
 * `provider ` (same length, so every position is unchanged) lets the grammar parse the statement.
 */
const EXTENSION_KEYWORD = /^([ \t]*)extension(?=[ \t]+['A-Za-z_])/gm;

export function normaliseForGrammar(text: string): string {
    return text.replace(EXTENSION_KEYWORD, (_match, indent: string) => `${indent}provider `);
}

export function locationOf(node: SyntaxNode): Location {
    return { line: node.startPosition.row + 1, column: node.startPosition.column + 1 };
}

function snippet(node: SyntaxNode): string {
    const text = node.text.replace(/\s+/g, ' ').trim();
    return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function collectProblems(root: SyntaxNode): SyntaxProblem[] {
    const problems: SyntaxProblem[] = [];
    const visit = (node: SyntaxNode): void => {
        if (node.isMissing) {
            problems.push({ ...locationOf(node), message: `missing ${node.type}` });
            return;
        }
        if (node.isError) {
            const near = snippet(node);
            problems.push({
                ...locationOf(node),
                message: near === '' ? 'syntax error' : `syntax error near "${near}"`,
            });
            return;
        }
        if (!node.hasError) return;
        for (const child of node.children) visit(child);
    };
    visit(root);
    if (problems.length === 0 && root.hasError) problems.push({ line: 1, column: 1, message: 'syntax error' });
    return problems;
}

export function parseBicep(text: string, path = '<inline>'): BicepFile {
    const tree = parser().parse(normaliseForGrammar(text));
    // Typed as always present, but undefined if tree-sitter was loaded twice (see treeSitter()).
    if ((tree.rootNode as SyntaxNode | undefined) === undefined)
        throw new Error('tree-sitter returned no root node: was it loaded outside bicepAst.ts in this jest worker?');
    return { path, text, root: tree.rootNode, problems: collectProblems(tree.rootNode) };
}

export function readBicep(absolutePath: string, displayPath: string): BicepFile {
    return parseBicep(readFileSync(absolutePath, 'utf8'), displayPath);
}

export function formatProblem(file: BicepFile, problem: SyntaxProblem): string {
    return `${file.path}:${problem.line}:${problem.column}: ${problem.message}`;
}

/** `path:line:column` of a node, for messages. */
export function where(file: BicepFile, node: SyntaxNode): string {
    const { line, column } = locationOf(node);
    return `${file.path}:${line}:${column}`;
}

// ---------------------------------------------------------------------------------------------
// Literals
// ---------------------------------------------------------------------------------------------

export type Literal = string | number | boolean | null | Literal[] | { [key: string]: Literal };

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", $: '$' };

function decodeEscape(text: string): string {
    const body = text.slice(1);
    if (body.startsWith('u{')) return String.fromCodePoint(parseInt(body.slice(2, -1), 16));
    return ESCAPES[body] ?? body;
}

/** The value of a string node without interpolation, or undefined (interpolated or not a string). */
export function stringValue(node: SyntaxNode | undefined): string | undefined {
    if (node?.type !== 'string') return undefined;
    let value = '';
    for (const child of node.namedChildren) {
        if (child.type === 'string_content') value += child.text;
        else if (child.type === 'escape_sequence') value += decodeEscape(child.text);
        else return undefined;
    }
    return value;
}

/** The value of a literal expression (string, number, bool, null, array, object), or undefined. */
export function literalValue(node: SyntaxNode | undefined): Literal | undefined {
    if (node === undefined) return undefined;
    switch (node.type) {
        case 'string':
            return stringValue(node);
        case 'number':
            return Number(node.text);
        case 'boolean':
            return node.text === 'true';
        case 'null':
            return null;
        case 'unary_expression': {
            const argument = node.childForFieldName('argument');
            const operand = argument === null ? undefined : literalValue(argument);
            if (node.childForFieldName('operator')?.text === '-' && typeof operand === 'number') return -operand;
            return undefined;
        }
        case 'array': {
            const items: Literal[] = [];
            for (const child of node.namedChildren) {
                if (child.type === 'comment') continue;
                const item = literalValue(child);
                if (item === undefined) return undefined;
                items.push(item);
            }
            return items;
        }
        case 'object': {
            const result: { [key: string]: Literal } = {};
            for (const entry of objectEntries(node)) {
                const value = literalValue(entry.value);
                if (entry.key === undefined || value === undefined) return undefined;
                result[entry.key] = value;
            }
            return result;
        }
        default:
            return undefined;
    }
}

// ---------------------------------------------------------------------------------------------
// Objects
// ---------------------------------------------------------------------------------------------

export interface ObjectEntry {
    /** The property name, or undefined when it is computed (an interpolated string key). */
    key: string | undefined;
    keyNode: SyntaxNode;
    value: SyntaxNode;
    node: SyntaxNode;
}

export function objectEntries(object: SyntaxNode): ObjectEntry[] {
    if (object.type !== 'object') throw new Error(`expected an object literal, got ${object.type}`);
    const entries: ObjectEntry[] = [];
    for (const property of object.namedChildren) {
        if (property.type !== 'object_property') continue;
        const named = property.namedChildren.filter((child) => child.type !== 'comment');
        const keyNode = named[0];
        const value = named[named.length - 1];
        if (keyNode === undefined || value === undefined || named.length < 2) continue;
        const key = keyNode.type === 'string' ? stringValue(keyNode) : keyNode.text;
        entries.push({ key, keyNode, value, node: property });
    }
    return entries;
}

/** The value at a path of property names inside nested object literals, or undefined. */
export function getProperty(object: SyntaxNode | undefined, ...path: string[]): SyntaxNode | undefined {
    let current = object;
    for (const key of path) {
        if (current?.type !== 'object') return undefined;
        current = objectEntries(current).find((entry) => entry.key === key)?.value;
    }
    return current;
}

// ---------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------

export interface Call {
    name: string;
    args: SyntaxNode[];
}

/** A call such as `guid(a, b)` (name 'guid'); member calls such as `kv.getSecret(x)` give 'kv.getSecret'. */
export function asCall(node: SyntaxNode | undefined): Call | undefined {
    if (node?.type !== 'call_expression') return undefined;
    const fn = node.childForFieldName('function');
    const args = node.childForFieldName('arguments');
    if (fn === null) return undefined;
    return {
        name: fn.text,
        args: args === null ? [] : args.namedChildren.filter((child) => child.type !== 'comment'),
    };
}

/** `a.b.c` as ['a', 'b', 'c']; undefined for anything else than identifiers joined by dots. */
export function memberPath(node: SyntaxNode | undefined): string[] | undefined {
    if (node === undefined) return undefined;
    if (node.type === 'identifier') return [node.text];
    if (node.type !== 'member_expression') return undefined;
    const object = node.childForFieldName('object');
    const property = node.childForFieldName('property');
    if (object === null || property === null) return undefined;
    const head = memberPath(object);
    return head === undefined ? undefined : [...head, property.text];
}

// ---------------------------------------------------------------------------------------------
// Declarations
// ---------------------------------------------------------------------------------------------

export interface Decorated {
    /** Decorator calls in source order, e.g. [{ name: 'secure', args: [] }]. */
    decorators: Call[];
}

export interface ParamDecl extends Decorated {
    name: string;
    node: SyntaxNode;
    typeText: string;
    defaultValue: SyntaxNode | undefined;
}

export interface VarDecl extends Decorated {
    name: string;
    node: SyntaxNode;
    value: SyntaxNode;
}

/** Shared by resources and modules: `= {..}`, `= if (c) {..}` or `= [for x in y: ...]`. */
export interface Body {
    body: SyntaxNode;
    condition: SyntaxNode | undefined;
    loop: boolean;
}

export interface ResourceDecl extends Decorated, Body {
    name: string;
    node: SyntaxNode;
    /** E.g. 'Microsoft.Storage/storageAccounts'. */
    type: string;
    apiVersion: string;
    existing: boolean;
}

export interface ModuleDecl extends Decorated, Body {
    name: string;
    node: SyntaxNode;
    /** The module path as written, e.g. 'modules/storage.bicep'. */
    path: string;
}

export interface OutputDecl extends Decorated {
    name: string;
    node: SyntaxNode;
    typeText: string;
    value: SyntaxNode;
}

export interface Declarations {
    targetScope: string | undefined;
    params: Map<string, ParamDecl>;
    vars: Map<string, VarDecl>;
    resources: Map<string, ResourceDecl>;
    modules: Map<string, ModuleDecl>;
    outputs: Map<string, OutputDecl>;
}

function afterEquals(node: SyntaxNode): SyntaxNode | undefined {
    const children = node.children;
    const index = children.findIndex((child) => child.type === '=');
    if (index < 0) return undefined;
    return children.slice(index + 1).find((child) => child.isNamed && child.type !== 'comment');
}

function unwrapBody(value: SyntaxNode): Body {
    let node = value;
    let loop = false;
    let condition: SyntaxNode | undefined;
    if (node.type === 'for_statement') {
        loop = true;
        const body = node.childForFieldName('body') ?? node.namedChildren[node.namedChildren.length - 1];
        if (body === undefined) throw new Error('for-expression without a body');
        node = body;
    }
    if (node.type === 'if_statement') {
        condition = node.namedChildren.find((child) => child.type === 'parenthesized_expression');
        const body = node.namedChildren.find((child) => child.type === 'object');
        if (body === undefined) throw new Error('if-expression without an object body');
        node = body;
    }
    return { body: node, condition, loop };
}

function identifierOf(node: SyntaxNode): string {
    const identifier = node.namedChildren.find((child) => child.type === 'identifier');
    if (identifier === undefined) throw new Error(`declaration without a name: ${snippet(node)}`);
    return identifier.text;
}

export function declarationsOf(file: BicepFile): Declarations {
    const result: Declarations = {
        targetScope: undefined,
        params: new Map(),
        vars: new Map(),
        resources: new Map(),
        modules: new Map(),
        outputs: new Map(),
    };
    let pending: Call[] = [];
    for (const statement of file.root.namedChildren) {
        if (statement.type === 'decorators') {
            for (const decorator of statement.namedChildren) {
                const call = asCall(decorator.namedChildren.find((child) => child.type === 'call_expression'));
                if (call !== undefined) pending.push(call);
            }
            continue;
        }
        const decorators = pending;
        pending = [];
        switch (statement.type) {
            case 'target_scope_assignment':
                result.targetScope = stringValue(statement.namedChildren.find((child) => child.type === 'string'));
                break;
            case 'parameter_declaration': {
                const typeNode = statement.namedChildren.find((child) => child.type === 'type');
                result.params.set(identifierOf(statement), {
                    name: identifierOf(statement),
                    node: statement,
                    typeText: typeNode?.text ?? '',
                    defaultValue: afterEquals(statement),
                    decorators,
                });
                break;
            }
            case 'variable_declaration': {
                const value = afterEquals(statement);
                if (value === undefined) break;
                result.vars.set(identifierOf(statement), {
                    name: identifierOf(statement),
                    node: statement,
                    value,
                    decorators,
                });
                break;
            }
            case 'resource_declaration': {
                const typeString = stringValue(statement.namedChildren.find((child) => child.type === 'string'));
                const value = afterEquals(statement);
                if (typeString === undefined || value === undefined) break;
                const [type = '', apiVersion = ''] = typeString.split('@');
                result.resources.set(identifierOf(statement), {
                    name: identifierOf(statement),
                    node: statement,
                    type,
                    apiVersion,
                    existing: statement.children.some((child) => child.type === 'existing'),
                    decorators,
                    ...unwrapBody(value),
                });
                break;
            }
            case 'module_declaration': {
                const path = stringValue(statement.namedChildren.find((child) => child.type === 'string'));
                const value = afterEquals(statement);
                if (path === undefined || value === undefined) break;
                result.modules.set(identifierOf(statement), {
                    name: identifierOf(statement),
                    node: statement,
                    path,
                    decorators,
                    ...unwrapBody(value),
                });
                break;
            }
            case 'output_declaration': {
                const typeNode = statement.namedChildren.find((child) => child.type === 'type');
                const value = afterEquals(statement);
                if (value === undefined) break;
                result.outputs.set(identifierOf(statement), {
                    name: identifierOf(statement),
                    node: statement,
                    typeText: typeNode?.text ?? '',
                    value,
                    decorators,
                });
                break;
            }
            default:
                break;
        }
    }
    return result;
}

/**
 * Resolves an expression to a literal within one file: literals themselves, variables and
 * parameter defaults (`name`), and properties of object variables (`roleIds.storageBlobDataOwner`).
 */
export function resolveLiteral(
    declarations: Declarations,
    node: SyntaxNode | undefined,
    depth = 0,
): Literal | undefined {
    if (node === undefined || depth > 10) return undefined;
    const literal = literalValue(node);
    if (literal !== undefined) return literal;
    const path = memberPath(node);
    if (path === undefined) return undefined;
    const [head, ...rest] = path;
    if (head === undefined) return undefined;
    let source = declarations.vars.get(head)?.value ?? declarations.params.get(head)?.defaultValue;
    // Walk object literals in the tree, so `names.table` resolves even when another property of
    // `names` is interpolated.
    for (const [index, key] of rest.entries()) {
        if (source?.type === 'object') {
            source = getProperty(source, key);
            continue;
        }
        let value = resolveLiteral(declarations, source, depth + 1);
        for (const remaining of rest.slice(index)) {
            if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value))
                return undefined;
            value = value[remaining];
        }
        return value;
    }
    return resolveLiteral(declarations, source, depth + 1);
}
