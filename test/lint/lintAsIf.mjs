// Lints every file under test/lint/fixtures with the repository's own ESLint config through ESLint's Node
// API, each as if it stood at the same path below the repository root (fixtures/src/x.ts as src/x.ts),
// and prints the messages as one JSON array. A process of its own because ESLint loads eslint.config.mjs
// with import(), which jest's module system cannot run.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import process from 'node:process';

import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const root = join(import.meta.dirname, '..', '..');
const fixtures = join(import.meta.dirname, 'fixtures');

// A fixture is not in the TypeScript project at the path it is linted as, so the type-aware rules are
// switched off; the import rules under test need no type information.
const eslint = new ESLint({ cwd: root, overrideConfig: tseslint.configs.disableTypeChecked });

const results = [];
for (const entry of readdirSync(fixtures, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const fixture = join(entry.parentPath, entry.name);
    const path = relative(fixtures, fixture);
    const [result] = await eslint.lintText(readFileSync(fixture, 'utf8'), { filePath: join(root, path) });
    const messages = (result?.messages ?? []).map(({ ruleId, message, line }) => ({ ruleId, message, line }));
    results.push({ path, messages });
}
process.stdout.write(JSON.stringify(results));
