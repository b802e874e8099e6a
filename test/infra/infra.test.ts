/**
 * Checks on the real infra/ files. No Bicep CLI can run offline, so this is what can be checked
 * without compiling: syntax (tree-sitter-bicep), and assertions on the syntax tree. Each check
 * function is also run against bad snippets in infraChecks.test.ts.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

import { CONFIG_VARIABLE_NAMES, CONFIG_VARIABLES } from '../../src/config';
import { SYNC_QUEUE, TableName } from '../../src/storage';
import { type BicepFile, declarationsOf, formatProblem, getProperty, readBicep } from './bicepAst';
import {
    appSettingsOf,
    azureYamlProblems,
    compareAppSettings,
    type ExpectedRole,
    firstDeploymentSecretProblems,
    flexConsumptionProblems,
    flexRejectedSettingProblems,
    keyVaultProblems,
    moduleWiringProblems,
    monitoringProblems,
    nativeRuntimeDependencies,
    packagingProblems,
    parametersFileProblems,
    preprovisionHookProblems,
    readBackFlagProblems,
    remoteBuildOf,
    roleAssignmentProblems,
    roleAssignmentsOf,
    storageAccountProblems,
    traceToLiteral,
    writtenOnlyWhenGivenProblems,
} from './infraChecks';

const ROOT = resolve(__dirname, '../..');
const INFRA = join(ROOT, 'infra');

function bicepPaths(directory: string): string[] {
    return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
        const path = join(directory, entry.name);
        if (entry.isDirectory()) return bicepPaths(path);
        return entry.name.endsWith('.bicep') ? [path] : [];
    });
}

const files = new Map<string, BicepFile>(
    bicepPaths(INFRA).map((path) => {
        const display = relative(ROOT, path);
        return [display, readBicep(path, display)];
    }),
);

function file(path: string): BicepFile {
    const found = files.get(path);
    if (found === undefined) throw new Error(`${path} not found; have ${[...files.keys()].join(', ')}`);
    return found;
}

const main = (): BicepFile => file('infra/main.bicep');
const functionApp = (): BicepFile => file('infra/modules/function-app.bicep');

/**
 * Read by the configuration module but deliberately not deployed.
 */
const READ_BUT_NOT_DEPLOYED = new Map([
    [
        'AzureWebJobsStorage',
        'a connection string carries an account key; in Azure the identity-based AzureWebJobsStorage__* settings replace it (shared key access is disabled)',
    ],
]);

/**
 * Deployed for the Functions host or the platform; the configuration module does not read them.
 */
const DEPLOYED_BUT_NOT_READ = new Map([
    ['AzureWebJobsStorage__credential', "host: identity-based storage connection ('managedidentity')"],
    ['AzureWebJobsStorage__blobServiceUri', 'host: blob endpoint for leases, timer locks and keys'],
    ['AzureWebJobsDisableHomepage', "host: no default page, so our landing page owns '/'"],
    ['APPLICATIONINSIGHTS_CONNECTION_STRING', 'host: where telemetry goes'],
    ['APPLICATIONINSIGHTS_AUTHENTICATION_STRING', 'host: send telemetry with the managed identity (local auth is off)'],
]);

describe('infra: every .bicep file parses', () => {
    it('finds the expected files', () => {
        expect([...files.keys()].sort()).toEqual(
            expect.arrayContaining([
                'infra/main.bicep',
                'infra/app-registration.bicep',
                'infra/modules/function-app.bicep',
                'infra/modules/identity.bicep',
                'infra/modules/keyvault.bicep',
                'infra/modules/monitoring.bicep',
                'infra/modules/rbac.bicep',
                'infra/modules/storage.bicep',
            ]),
        );
    });

    it.each([...files.keys()])('%s has no syntax errors', (path) => {
        const parsed = file(path);
        expect(parsed.problems.map((problem) => formatProblem(parsed, problem))).toEqual([]);
    });

    it('main.bicep deploys at subscription scope (it creates the resource group)', () => {
        expect(declarationsOf(main()).targetScope).toBe('subscription');
    });

    it('uses no registry modules (they need network access to restore)', () => {
        const registryModules = [...files.values()].flatMap((f) =>
            [...declarationsOf(f).modules.values()]
                .filter((m) => /^(br|ts)[:/]/.test(m.path))
                .map((m) => `${f.path}: ${m.name} = ${m.path}`),
        );
        expect(registryModules).toEqual([]);
    });

    it('modules exist and are called with the parameters they declare; outputs read exist', () => {
        const problems = [...files.values()].flatMap((f) =>
            moduleWiringProblems(f, (modulePath) => files.get(relative(ROOT, join(ROOT, dirname(f.path), modulePath)))),
        );
        expect(problems).toEqual([]);
    });
});

describe('infra: app settings equal what the configuration module reads', () => {
    it('reads the app settings as an object literal', () => {
        const { settings, problems } = appSettingsOf(functionApp());
        expect(problems).toEqual([]);
        expect(settings.length).toBeGreaterThan(10);
    });

    it('deploys every variable the configuration module reads, and nothing else but the allow-listed host settings', () => {
        const deployed = appSettingsOf(functionApp()).settings.map((setting) => setting.name);
        expect(
            compareAppSettings({
                deployed,
                read: CONFIG_VARIABLE_NAMES,
                readButNotDeployed: READ_BUT_NOT_DEPLOYED,
                deployedButNotRead: DEPLOYED_BUT_NOT_READ,
            }),
        ).toEqual([]);
    });

    it('no other .bicep file sets app settings', () => {
        const elsewhere = [...files.values()]
            .filter((f) => f.path !== functionApp().path)
            .flatMap((f) => appSettingsOf(f).settings.map((s) => s.at));
        expect(elsewhere).toEqual([]);
    });

    it('sets no setting Flex Consumption rejects', () => {
        expect([...files.values()].flatMap((f) => flexRejectedSettingProblems(f))).toEqual([]);
    });

    it('deploys the configuration defaults, and writes the secrets under the names the app reads', () => {
        const settings = new Map(appSettingsOf(functionApp()).settings.map((s) => [s.name, s.value]));
        const deployedValue = (name: string) => {
            const value = settings.get(name);
            if (value === undefined) throw new Error(`${name} is not deployed`);
            return traceToLiteral(functionApp(), value, main(), 'functionApp');
        };
        const withConcreteDefaults = CONFIG_VARIABLES.filter(
            (v): v is typeof v & { defaultValue: string } => 'defaultValue' in v && !v.defaultValue.includes('<'),
        );
        expect(withConcreteDefaults.map((v) => v.name).sort()).toEqual([
            'AUTHORITY_HOST',
            'CLIENT_SECRET_NAME',
            'CONSENT_GRACE_MINUTES',
            'GRAPH_BASE_URL',
            'SESSION_SECRET_NAME',
            'SYNC_JITTER_SECONDS',
            'SYNC_MAX_DELETE_PERCENT',
            'SYNC_MAX_INLINE_WAIT_SECONDS',
            'SYNC_MIN_INTERVAL_MINUTES',
            'SYNC_SCHEDULE',
            'SYNC_TIME_BUDGET_SECONDS',
        ]);
        for (const variable of withConcreteDefaults) {
            expect({ [variable.name]: deployedValue(variable.name) }).toEqual({
                [variable.name]: variable.defaultValue,
            });
        }

        const keyVault = file('infra/modules/keyvault.bicep');
        const secretNames = [...declarationsOf(keyVault).resources.values()]
            .filter((r) => r.type === 'Microsoft.KeyVault/vaults/secrets')
            .map((r) => {
                const name = getProperty(r.body, 'name');
                return name === undefined ? undefined : traceToLiteral(keyVault, name, main(), 'keyVault');
            });
        expect(secretNames.sort()).toEqual(
            [deployedValue('CLIENT_SECRET_NAME'), deployedValue('SESSION_SECRET_NAME')].sort(),
        );
        expect(secretNames.sort()).toEqual(['graph-client-secret', 'session-signing-key']);
    });
});

describe('infra: identity and least-privilege roles', () => {
    const ROLE = {
        storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
        storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
        storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
        keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
        keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
        monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
    };
    const STORAGE = 'Microsoft.Storage/storageAccounts';
    const VAULT = 'Microsoft.KeyVault/vaults';
    const INSIGHTS = 'Microsoft.Insights/components';
    const expected: ExpectedRole[] = [
        { role: 'Storage Blob Data Owner', roleId: ROLE.storageBlobDataOwner, scopeType: STORAGE },
        { role: 'Storage Queue Data Contributor', roleId: ROLE.storageQueueDataContributor, scopeType: STORAGE },
        { role: 'Storage Table Data Contributor', roleId: ROLE.storageTableDataContributor, scopeType: STORAGE },
        { role: 'Key Vault Secrets User', roleId: ROLE.keyVaultSecretsUser, scopeType: VAULT },
        { role: 'Monitoring Metrics Publisher', roleId: ROLE.monitoringMetricsPublisher, scopeType: INSIGHTS },
    ];
    const optionalForDeployer: ExpectedRole[] = [
        { role: 'Key Vault Secrets Officer', roleId: ROLE.keyVaultSecretsOfficer, scopeType: VAULT },
        { role: 'Storage Blob Data Owner', roleId: ROLE.storageBlobDataOwner, scopeType: STORAGE },
        { role: 'Storage Table Data Contributor', roleId: ROLE.storageTableDataContributor, scopeType: STORAGE },
        { role: 'Storage Queue Data Contributor', roleId: ROLE.storageQueueDataContributor, scopeType: STORAGE },
    ];

    it('grants the app identity exactly the five roles, each on its narrowest scope, with deterministic names', () => {
        const assignments = [...files.values()].flatMap((f) => roleAssignmentsOf(f));
        expect(roleAssignmentProblems(assignments, 'principalId', expected, optionalForDeployer)).toEqual([]);
        const roleIds = new Set(assignments.map((a) => a.roleId));
        expect([...roleIds].sort()).toEqual(Object.values(ROLE).sort());
    });

    it("passes the user-assigned identity's principal id to the role assignments", () => {
        const rbac = declarationsOf(main()).modules.get('rbac');
        const passed = rbac?.body.text ?? '';
        expect(passed).toMatch(/principalId: identity\.outputs\.principalId/);
        expect(passed).toMatch(/deployerPrincipalId: principalId/);
    });

    it('deploys the function app only after its roles exist', () => {
        const app = declarationsOf(main()).modules.get('functionApp');
        expect(app?.body.text).toMatch(/dependsOn: \[\s*rbac\s*\]/);
    });
});

describe('infra: secure defaults', () => {
    it('storage: no shared keys, no public blobs, TLS 1.2+', () => {
        const problems = [...files.values()].flatMap((f) => storageAccountProblems(f));
        expect(problems).toEqual([]);
        expect(file('infra/modules/storage.bicep').text).toMatch(/allowSharedKeyAccess: false/);
    });

    it('Key Vault: RBAC authorization, soft delete, purge protection', () => {
        expect([...files.values()].flatMap((f) => keyVaultProblems(f))).toEqual([]);
    });

    it('monitoring: local authentication disabled', () => {
        expect([...files.values()].flatMap((f) => monitoringProblems(f))).toEqual([]);
    });

    it('function app: Flex Consumption FC1 on Linux, Node 22, user-assigned identity, package read with the identity', () => {
        expect(flexConsumptionProblems(functionApp(), '22')).toEqual([]);
    });

    it('secret inputs are @secure() and never appear in outputs', () => {
        const declarations = declarationsOf(main());
        for (const name of ['graphClientSecret', 'sessionSigningKey', 'sessionKeyEntropyA', 'sessionKeyEntropyB']) {
            expect({ [name]: declarations.params.get(name)?.decorators.map((d) => d.name) }).toEqual({
                [name]: expect.arrayContaining(['secure']),
            });
        }
        const leaking = [...files.values()].flatMap((f) =>
            [...declarationsOf(f).outputs.values()]
                .filter((o) => /secret|sessionSigningKey|entropy/i.test(o.value.text))
                .map((o) => `${f.path}: output ${o.name}`),
        );
        expect(leaking).toEqual([]);
    });

    it('creates the tables and queues the app uses', () => {
        const storage = declarationsOf(file('infra/modules/storage.bicep'));
        const list = (names: readonly string[]) => `[ ${names.map((n) => `'${n}'`).join(' ')} ]`;
        expect(storage.params.get('tableNames')?.defaultValue?.text.replace(/\s+/g, ' ')).toBe(
            list(Object.values(TableName)),
        );
        expect(storage.params.get('queueNames')?.defaultValue?.text.replace(/\s+/g, ' ')).toBe(
            list([SYNC_QUEUE, `${SYNC_QUEUE}-poison`]),
        );
    });
});

describe("infra: the first deployment cannot lack the client secret; later ones keep the vault's", () => {
    const parametersJson = () => readFileSync(join(INFRA, 'main.parameters.json'), 'utf8');

    it('writes graph-client-secret only when GRAPH_CLIENT_SECRET is given (a rotated value survives re-deploys)', () => {
        expect(writtenOnlyWhenGivenProblems(file('infra/modules/keyvault.bicep'), 'graphClientSecret')).toEqual([]);
    });

    it('fails the deployment exactly when the secret is empty and clientSecretAlreadyInVault is false', () => {
        expect(
            firstDeploymentSecretProblems(main(), {
                secretParam: 'graphClientSecret',
                flagParam: 'clientSecretAlreadyInVault',
                module: 'keyVault',
                moduleParam: 'graphClientSecret',
            }),
        ).toEqual([]);
    });

    it.each([
        { output: 'GRAPH_CLIENT_SECRET_IN_VAULT', param: 'clientSecretAlreadyInVault' },
        { output: 'SESSION_SIGNING_KEY_IN_VAULT', param: 'keepExistingSessionSigningKey' },
    ])('azd reads $output back as $param on later provisions', (flag) => {
        expect(readBackFlagProblems(main(), parametersJson(), 'infra/main.parameters.json', flag)).toEqual([]);
    });

    it('azure.yaml runs infra/hooks/preprovision.mjs with node before every provision, on POSIX and Windows', () => {
        const yaml = readFileSync(join(ROOT, 'azure.yaml'), 'utf8');
        expect(
            preprovisionHookProblems(yaml, 'infra/hooks/preprovision.mjs', {
                exists: (path) => existsSync(join(ROOT, path)),
            }),
        ).toEqual([]);
    });
});

describe('infra: parameters, outputs, azure.yaml, packaging', () => {
    it('every parameter in main.parameters.json is declared in main.bicep, with matching defaults', () => {
        const json = readFileSync(join(INFRA, 'main.parameters.json'), 'utf8');
        expect(parametersFileProblems(main(), json, 'infra/main.parameters.json')).toEqual([]);
    });

    it('outputs the app URL, both redirect URIs and the vault name', () => {
        const outputs = declarationsOf(main()).outputs;
        expect([...outputs.keys()]).toEqual(
            expect.arrayContaining([
                'APP_URL',
                'REDIRECT_URIS',
                'AZURE_KEY_VAULT_NAME',
                'SESSION_SIGNING_KEY_IN_VAULT',
                'GRAPH_CLIENT_SECRET_IN_VAULT',
            ]),
        );
        const redirects = outputs.get('REDIRECT_URIS')?.value.text ?? '';
        expect(redirects).toContain('/auth/callback');
        expect(redirects).toContain('/connect/callback');
    });

    it('azure.yaml points at the function project and infra/main.bicep', () => {
        const yaml = readFileSync(join(ROOT, 'azure.yaml'), 'utf8');
        expect(azureYamlProblems(yaml, { exists: (path) => existsSync(join(ROOT, path)) })).toEqual([]);
    });

    it('.funcignore fits the build mode azure.yaml chooses', () => {
        const yaml = readFileSync(join(ROOT, 'azure.yaml'), 'utf8');
        const funcignore = readFileSync(join(ROOT, '.funcignore'), 'utf8');
        expect(packagingProblems(remoteBuildOf(yaml), funcignore)).toEqual([]);
    });

    it('runtime dependencies are pure JavaScript, so a package built on any OS runs on Linux', () => {
        const tree = {
            read: (path: string) => (existsSync(join(ROOT, path)) ? readFileSync(join(ROOT, path), 'utf8') : undefined),
            list: (path: string) => {
                const full = join(ROOT, path);
                return existsSync(full) && statSync(full).isDirectory() ? readdirSync(full) : [];
            },
        };
        expect(nativeRuntimeDependencies(tree)).toEqual([]);
    });

    it('package.json main matches the compiled layout the package ships', () => {
        const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main?: string };
        expect(pkg.main).toBe('dist/src/{index.js,functions/*.js}');
    });
});
