// Type-aware lint for everything we write; generated and third-party output is ignored.
import js from '@eslint/js';
import globals from 'globals';
import prettier from 'eslint-config-prettier';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * The repository's boundaries, checked on every import (test/lint/boundaries.test.ts proves each zone).
 * Paths are relative to this file, so the result does not depend on the directory ESLint runs from.
 */
const BOUNDARY_ZONES = [
    {
        target: './src',
        from: ['./dev', './test', './bench'],
        message: 'src/ is what deploys to Azure: it never imports development tools, tests or benchmarks.',
    },
    {
        target: './dev',
        from: './src',
        message:
            'dev/ runs only on a developer machine and never imports the product (the local host stays a general Functions host).',
    },
    {
        target: './dev/sim',
        from: './dev/host',
        message:
            'The cloud simulator and the local Functions host are independent tools: share code through dev/shared.',
    },
    {
        target: './dev/host',
        from: './dev/sim',
        message:
            'The local Functions host and the cloud simulator are independent tools: share code through dev/shared.',
    },
    {
        target: './dev/shared',
        from: './dev',
        except: ['./shared'],
        message: 'dev/shared is the leaf the dev tools share: it imports no other dev/ folder.',
    },
];

export default tseslint.config(
    {
        ignores: [
            'node_modules/',
            'dist/',
            '.local/',
            'coverage/',
            'test/fixtures/**/*.js',
            // Deliberately bad imports; test/lint/boundaries.test.ts lints them as if they stood in src/ and dev/.
            'test/lint/fixtures/',
        ],
    },
    js.configs.recommended,
    ...tseslint.configs.recommendedTypeChecked,
    {
        languageOptions: {
            parserOptions: {
                projectService: { allowDefaultProject: ['*.mjs', '*.js', '.ci/*.mjs'] },
                tsconfigRootDir: import.meta.dirname,
            },
        },
        rules: {
            '@typescript-eslint/no-floating-promises': 'error',
            '@typescript-eslint/no-misused-promises': 'error',
            '@typescript-eslint/return-await': ['error', 'in-try-catch'],
            '@typescript-eslint/no-explicit-any': 'error',
            '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
            eqeqeq: ['error', 'always'],
            'prefer-const': 'error',
        },
    },
    {
        plugins: { 'import-x': importX },
        settings: {
            'import-x/resolver-next': [
                createNodeResolver({
                    extensions: ['.ts', '.tsx', '.mts', '.cts', '.mjs', '.js', '.cjs', '.json', '.node'],
                }),
            ],
        },
        rules: {
            'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: BOUNDARY_ZONES }],
            // Tools, tests, benchmarks and the simulator may use devDependencies; src/ gets its own entry below.
            'import-x/no-extraneous-dependencies': [
                'error',
                {
                    packageDir: import.meta.dirname,
                    devDependencies: true,
                    optionalDependencies: false,
                    peerDependencies: false,
                    includeTypes: true,
                },
            ],
        },
    },
    {
        // What deploys gets only `dependencies` (an Azure build may prune devDependencies).
        files: ['src/**'],
        rules: {
            'import-x/no-extraneous-dependencies': [
                'error',
                {
                    packageDir: import.meta.dirname,
                    devDependencies: false,
                    optionalDependencies: false,
                    peerDependencies: false,
                    includeTypes: true,
                },
            ],
        },
    },
    {
        files: ['test/**/*.ts', 'test/**/*.tsx', 'bench/**/*.ts'],
        rules: {
            // Tests read untyped JSON bodies from real servers; asserting on them is the point.
            '@typescript-eslint/no-unsafe-assignment': 'off',
            '@typescript-eslint/no-unsafe-member-access': 'off',
            '@typescript-eslint/no-unsafe-argument': 'off',
            '@typescript-eslint/no-unsafe-call': 'off',
            '@typescript-eslint/no-unsafe-return': 'off',
        },
    },
    { files: ['**/*.mjs', '**/*.js', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
    { files: ['**/*.js', '**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: globals.node } },
    prettier,
);
