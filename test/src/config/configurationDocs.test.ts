import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { CONFIG_VARIABLE_NAMES, CONFIG_VARIABLES } from '../../../src/config';

const root = join(__dirname, '..', '..', '..');

/** Variable names in the first column of the README's configuration table. */
function readmeTableVariables(): string[] {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = /## Configuration\n([\s\S]*?)\n## /.exec(readme)?.[1];
    if (section === undefined) throw new Error('README.md has no "## Configuration" section');
    return [...section.matchAll(/^\| `([A-Za-z_]+)` \|/gm)].map((m) => m[1] ?? '');
}

describe('configuration documentation', () => {
    it('README lists exactly the variables the configuration module reads', () => {
        expect(readmeTableVariables().sort()).toEqual([...CONFIG_VARIABLE_NAMES].sort());
    });

    it('README states each documented default', () => {
        const readme = readFileSync(join(root, 'README.md'), 'utf8');
        for (const variable of CONFIG_VARIABLES) {
            if (!('defaultValue' in variable)) continue;
            const row = readme.split('\n').find((line) => line.startsWith(`| \`${variable.name}\` |`));
            expect(row).toContain(`\`${variable.defaultValue}\``);
        }
    });

    it('local.settings.example.json carries the same names (plus the Core Tools worker runtime)', () => {
        const example = JSON.parse(readFileSync(join(root, 'local.settings.example.json'), 'utf8')) as {
            Values: Record<string, string>;
        };
        expect(Object.keys(example.Values).sort()).toEqual(
            [...CONFIG_VARIABLE_NAMES, 'FUNCTIONS_WORKER_RUNTIME'].sort(),
        );
    });
});
