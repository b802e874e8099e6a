import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

// Why not a library: the real Node.js worker expands package.json `main` with globby, but the part of
// globby's semantics a `main` pattern needs is a tiny subset: `{a,b}` alternatives (nested), `*`, `?`
// and `**` path segments, dot entries skipped, files only. No glob library is a direct dependency (glob,
// minimatch, picomatch and tinyglobby are in node_modules only through jest, eslint, typescript-eslint
// and azurite, so they may change or go away with those tools), and Node 20 has no fs.glob. That subset
// is the code below, covered by test/dev/host/app/mainGlob.test.ts.

/** Expands `{a,b}` alternatives, left to right, keeping their order. */
export function expandBraces(pattern: string): string[] {
    const open = pattern.indexOf('{');
    if (open < 0) return [pattern];
    let depth = 0;
    const commas: number[] = [];
    for (let i = open; i < pattern.length; i++) {
        const c = pattern[i];
        if (c === '{') depth++;
        else if (c === '}' && --depth === 0) {
            const bounds = [open, ...commas, i];
            const prefix = pattern.slice(0, open);
            const suffix = pattern.slice(i + 1);
            return bounds
                .slice(1)
                .flatMap((end, k) => expandBraces(prefix + pattern.slice((bounds[k] ?? open) + 1, end) + suffix));
        } else if (c === ',' && depth === 1) commas.push(i);
    }
    throw new Error(`Unbalanced "{" in pattern "${pattern}"`);
}

function segmentRegex(segment: string): RegExp {
    if (/[[\]]/.test(segment)) throw new Error(`Character classes are not supported in "${segment}"`);
    const body = segment
        .split('')
        .map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^$()|\\]/g, '\\$&')))
        .join('');
    return new RegExp(`^${body}$`);
}

function isDirectory(path: string): boolean {
    try {
        return statSync(path).isDirectory();
    } catch {
        return false;
    }
}

function isFile(path: string): boolean {
    try {
        return statSync(path).isFile();
    } catch {
        return false;
    }
}

function listDir(dir: string): string[] {
    try {
        return readdirSync(dir).sort();
    } catch {
        return [];
    }
}

function walk(dir: string, segments: string[]): string[] {
    const [head, ...rest] = segments;
    if (head === undefined) return [dir];
    if (head === '**') {
        const here = walk(dir, rest);
        const deeper = listDir(dir)
            .filter((name) => !name.startsWith('.') && isDirectory(join(dir, name)))
            .flatMap((name) => walk(join(dir, name), segments));
        return [...here, ...deeper];
    }
    if (!/[*?]/.test(head)) {
        const next = join(dir, head);
        if (rest.length === 0) return isFile(next) ? [next] : [];
        return isDirectory(next) ? walk(next, rest) : [];
    }
    const regex = segmentRegex(head);
    return listDir(dir)
        .filter((name) => regex.test(name) && !(name.startsWith('.') && !head.startsWith('.')))
        .flatMap((name) => {
            const next = join(dir, name);
            if (rest.length === 0) return isFile(next) ? [next] : [];
            return isDirectory(next) ? walk(next, rest) : [];
        });
}

/**
 * Files matching `pattern` under `baseDir`, absolute, without duplicates. Order: brace alternatives
 * in the order written, and within one alternative by sorted path, so index.js can be loaded first.
 */
export function expandMainGlob(pattern: string, baseDir: string): string[] {
    const seen = new Set<string>();
    for (const alternative of expandBraces(pattern)) {
        const segments = alternative.replace(/^\.\//, '').split('/').filter(Boolean);
        for (const file of walk(baseDir, segments)) seen.add(file);
    }
    return [...seen].filter((file) => !relative(baseDir, file).split(sep).includes('..'));
}
