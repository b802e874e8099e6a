import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { CONFIG_VARIABLE_NAMES, CONFIG_VARIABLES } from '../../../src/config';

const root = join(__dirname, '..', '..', '..');

interface Row {
    name: string;
    required: string;
    defaultValue: string;
    meaning: string;
}

/** The rows of the README's configuration table. */
function readmeRows(): Row[] {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = /## Configuration\n([\s\S]*?)\n## /.exec(readme)?.[1];
    if (section === undefined) throw new Error('README.md has no "## Configuration" section');
    return [...section.matchAll(/^\| `([A-Za-z_]+)` \| ([^|]+) \| ([^|]+) \| (.+) \|$/gm)].map((m) => ({
        name: m[1] ?? '',
        required: (m[2] ?? '').trim(),
        defaultValue: (m[3] ?? '').trim(),
        meaning: (m[4] ?? '').trim(),
    }));
}

describe('configuration documentation', () => {
    it('README lists exactly the variables the settings schema declares, in its order', () => {
        expect(readmeRows().map((row) => row.name)).toEqual([...CONFIG_VARIABLE_NAMES]);
    });

    it('README states each variable as the schema does: required flag, default and description', () => {
        const rows = new Map(readmeRows().map((row) => [row.name, row]));
        for (const variable of CONFIG_VARIABLES) {
            expect({ name: variable.name, ...rows.get(variable.name) }).toEqual({
                name: variable.name,
                required: variable.required ? 'yes' : 'no',
                defaultValue: variable.defaultValue === undefined ? '—' : `\`${variable.defaultValue}\``,
                meaning: variable.description,
            });
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
