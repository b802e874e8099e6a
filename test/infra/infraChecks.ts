/**
 * The checks behind test/infra/infra.test.ts, as pure functions from parsed files to a list of
 * problems (empty = pass), so each one can also be run against a small bad snippet to prove it
 * catches what it claims to catch.
 */
import {
    asCall,
    type BicepFile,
    type Declarations,
    declarationsOf,
    getProperty,
    type Literal,
    literalValue,
    memberPath,
    objectEntries,
    type ResourceDecl,
    resolveLiteral,
    stringValue,
    type SyntaxNode,
    where,
} from './bicepAst';

// ---------------------------------------------------------------------------------------------
// App settings
// ---------------------------------------------------------------------------------------------

export interface AppSetting {
    name: string;
    value: SyntaxNode;
    /** path:line:column */
    at: string;
}

export interface AppSettingsResult {
    settings: AppSetting[];
    problems: string[];
}

/**
 * Every app setting a file deploys: the keys of the `Microsoft.Web/sites/config` resource named
 * 'appsettings', plus any `siteConfig.appSettings` entries on `Microsoft.Web/sites`. Both must be
 * literals (an object literal / an array of { name: '...' } literals) so that the set is knowable
 * without deploying; anything computed is reported as a problem.
 */
export function appSettingsOf(file: BicepFile): AppSettingsResult {
    const declarations = declarationsOf(file);
    const settings: AppSetting[] = [];
    const problems: string[] = [];
    for (const resource of declarations.resources.values()) {
        if (resource.existing) continue;
        if (resource.type === 'Microsoft.Web/sites/config') {
            if (stringValue(getProperty(resource.body, 'name')) !== 'appsettings') continue;
            const properties = getProperty(resource.body, 'properties');
            if (properties?.type !== 'object') {
                problems.push(
                    `${where(file, resource.node)}: app settings of '${resource.name}' must be an object literal so the infra tests can read them`,
                );
                continue;
            }
            for (const entry of objectEntries(properties)) {
                if (entry.key === undefined) {
                    problems.push(`${where(file, entry.keyNode)}: computed app setting name ${entry.keyNode.text}`);
                    continue;
                }
                settings.push({ name: entry.key, value: entry.value, at: where(file, entry.keyNode) });
            }
        }
        if (resource.type === 'Microsoft.Web/sites') {
            const list = getProperty(resource.body, 'properties', 'siteConfig', 'appSettings');
            if (list === undefined) continue;
            if (list.type !== 'array') {
                problems.push(`${where(file, list)}: siteConfig.appSettings must be an array literal`);
                continue;
            }
            for (const item of list.namedChildren) {
                if (item.type === 'comment') continue;
                const name = stringValue(getProperty(item, 'name'));
                const value = getProperty(item, 'value');
                if (name === undefined || value === undefined) {
                    problems.push(
                        `${where(file, item)}: siteConfig.appSettings entry needs a literal name and a value`,
                    );
                    continue;
                }
                settings.push({ name, value, at: where(file, item) });
            }
        }
    }
    const seen = new Map<string, string>();
    for (const setting of settings) {
        const first = seen.get(setting.name);
        if (first !== undefined) problems.push(`${setting.at}: app setting ${setting.name} is also set at ${first}`);
        else seen.set(setting.name, setting.at);
    }
    return { settings, problems };
}

export interface AppSettingsContract {
    /** Names the Bicep deploys. */
    deployed: readonly string[];
    /** Names the configuration module reads (CONFIG_VARIABLE_NAMES). */
    read: readonly string[];
    /** Read by the configuration module but deliberately not deployed (name → reason). */
    readButNotDeployed: ReadonlyMap<string, string>;
    /** Deployed for the host or platform, not read by the configuration module (name → reason). */
    deployedButNotRead: ReadonlyMap<string, string>;
}

/** The deployed set must equal the read set, except for the two explicit allow-lists. */
export function compareAppSettings(contract: AppSettingsContract): string[] {
    const deployed = new Set(contract.deployed);
    const read = new Set(contract.read);
    const problems: string[] = [];
    for (const name of read) {
        if (deployed.has(name) || contract.readButNotDeployed.has(name)) continue;
        problems.push(
            `${name} is read by the configuration module but not set in the Bicep app settings (infra/modules/function-app.bicep); deploy it or allow-list it with a reason`,
        );
    }
    for (const name of deployed) {
        if (read.has(name) || contract.deployedButNotRead.has(name)) continue;
        problems.push(
            `${name} is set in the Bicep app settings but the configuration module does not read it; add it to src/config/variables.ts or remove it`,
        );
    }
    for (const name of contract.readButNotDeployed.keys()) {
        if (!read.has(name)) problems.push(`allow-list entry ${name} is not read by the configuration module any more`);
        if (deployed.has(name)) problems.push(`${name} is allow-listed as not deployed, but the Bicep sets it`);
    }
    for (const name of contract.deployedButNotRead.keys()) {
        if (!deployed.has(name)) problems.push(`allow-list entry ${name} is not set by the Bicep any more`);
        if (read.has(name))
            problems.push(`${name} is allow-listed as platform-only, but the configuration module reads it`);
    }
    return problems;
}

/**
 * App settings Flex Consumption rejects or ignores (the runtime and package live in
 * functionAppConfig; there is no content share). Sources: the Flex Consumption deprecation list
 * and the reference notes in /work/shared/reference (section 6, pitfall 3).
 */
export const FLEX_REJECTED_APP_SETTINGS = [
    'FUNCTIONS_WORKER_RUNTIME',
    'FUNCTIONS_WORKER_RUNTIME_VERSION',
    'WEBSITE_NODE_DEFAULT_VERSION',
    'WEBSITE_RUN_FROM_PACKAGE',
    'WEBSITE_CONTENTSHARE',
    'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
    'WEBSITE_CONTENTOVERVNET',
    'WEBSITE_SKIP_CONTENTSHARE_VALIDATION',
    'SCM_DO_BUILD_DURING_DEPLOYMENT',
    'ENABLE_ORYX_BUILD',
    'FUNCTIONS_MAX_HTTP_CONCURRENCY',
    'FUNCTIONS_WORKER_PROCESS_COUNT',
    'WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT',
    'WEBSITE_TIME_ZONE',
    'TZ',
] as const;

/** Site properties Flex Consumption rejects under siteConfig. */
export const FLEX_REJECTED_SITE_CONFIG = [
    'linuxFxVersion',
    'alwaysOn',
    'ftpsState',
    'use32BitWorkerProcess',
    'netFrameworkVersion',
    'javaVersion',
    'nodeVersion',
    'powerShellVersion',
    'pythonVersion',
    'functionAppScaleLimit',
    'preWarmedInstanceCount',
    'minimumElasticInstanceCount',
] as const;

export function flexRejectedSettingProblems(file: BicepFile): string[] {
    const problems: string[] = [];
    const rejected = new Set<string>(FLEX_REJECTED_APP_SETTINGS);
    for (const setting of appSettingsOf(file).settings) {
        if (rejected.has(setting.name))
            problems.push(`${setting.at}: app setting ${setting.name} is rejected on Flex Consumption`);
        if (setting.name.includes(':'))
            problems.push(
                `${setting.at}: app setting ${setting.name} contains ':'; Flex Consumption rejects it, use '__'`,
            );
    }
    const rejectedSiteConfig = new Set<string>(FLEX_REJECTED_SITE_CONFIG);
    for (const resource of declarationsOf(file).resources.values()) {
        if (resource.type !== 'Microsoft.Web/sites' || resource.existing) continue;
        const siteConfig = getProperty(resource.body, 'properties', 'siteConfig');
        if (siteConfig?.type !== 'object') continue;
        for (const entry of objectEntries(siteConfig)) {
            if (entry.key !== undefined && rejectedSiteConfig.has(entry.key))
                problems.push(`${where(file, entry.keyNode)}: siteConfig.${entry.key} is rejected on Flex Consumption`);
        }
    }
    return problems;
}

// ---------------------------------------------------------------------------------------------
// Role assignments
// ---------------------------------------------------------------------------------------------

export interface RoleAssignment {
    symbol: string;
    at: string;
    /** The role definition GUID, or undefined when it could not be resolved to a literal. */
    roleId: string | undefined;
    /** The scope resource's type ('resourceGroup' when there is no scope property). */
    scopeType: string;
    scopeSymbol: string | undefined;
    /** Source text of properties.principalId, e.g. 'principalId'. */
    principal: string;
    principalType: Literal | undefined;
    conditional: boolean;
    problems: string[];
}

const ROLE_DEFINITION_PROVIDER = 'Microsoft.Authorization/roleDefinitions';

function roleIdFrom(declarations: Declarations, node: SyntaxNode | undefined): string | undefined {
    const call = asCall(node);
    if (call !== undefined && (call.name === 'subscriptionResourceId' || call.name === 'resourceId')) {
        const [provider, id] = call.args;
        if (stringValue(provider) !== ROLE_DEFINITION_PROVIDER) return undefined;
        const value = resolveLiteral(declarations, id);
        return typeof value === 'string' ? value : undefined;
    }
    const value = resolveLiteral(declarations, node);
    if (typeof value !== 'string') return undefined;
    const match = /\/providers\/Microsoft\.Authorization\/roleDefinitions\/([0-9a-f-]{36})$/i.exec(value);
    return match?.[1] ?? value;
}

/** Every `Microsoft.Authorization/roleAssignments` resource in a file, resolved as far as literals allow. */
export function roleAssignmentsOf(file: BicepFile): RoleAssignment[] {
    const declarations = declarationsOf(file);
    const result: RoleAssignment[] = [];
    for (const resource of declarations.resources.values()) {
        if (resource.type !== 'Microsoft.Authorization/roleAssignments' || resource.existing) continue;
        const problems: string[] = [];
        const at = where(file, resource.node);
        const roleNode = getProperty(resource.body, 'properties', 'roleDefinitionId');
        const roleId = roleIdFrom(declarations, roleNode);
        if (roleId === undefined)
            problems.push(`${at}: cannot resolve roleDefinitionId of ${resource.name} to a literal`);

        const scopeNode = getProperty(resource.body, 'scope');
        let scopeType = 'resourceGroup';
        let scopeSymbol: string | undefined;
        if (scopeNode !== undefined) {
            scopeSymbol = scopeNode.type === 'identifier' ? scopeNode.text : undefined;
            const scoped = scopeSymbol === undefined ? undefined : declarations.resources.get(scopeSymbol);
            if (scoped === undefined) problems.push(`${at}: scope of ${resource.name} is not a resource symbol`);
            else scopeType = scoped.type;
        }

        const principalNode = getProperty(resource.body, 'properties', 'principalId');
        const principal = principalNode?.text ?? '';
        if (principalNode === undefined) problems.push(`${at}: ${resource.name} has no principalId`);

        // Deterministic name: guid(<scope>.id, <principal>, <role>).
        const name = asCall(getProperty(resource.body, 'name'));
        const [scopeArg, principalArg, roleArg] = name?.args ?? [];
        const nameOk =
            name?.name === 'guid' &&
            name.args.length === 3 &&
            memberPath(scopeArg)?.join('.') ===
                (scopeSymbol === undefined ? 'resourceGroup().id' : `${scopeSymbol}.id`) &&
            principalArg?.text === principal &&
            (roleArg?.text === roleNode?.text || roleIdFrom(declarations, roleArg) === roleId);
        if (!nameOk)
            problems.push(
                `${at}: name of ${resource.name} must be guid(${scopeSymbol ?? 'resourceGroup()'}.id, ${principal || '<principalId>'}, <roleDefinitionId>) so redeployments reuse it`,
            );

        result.push({
            symbol: resource.name,
            at,
            roleId,
            scopeType,
            scopeSymbol,
            principal,
            principalType: resolveLiteral(declarations, getProperty(resource.body, 'properties', 'principalType')),
            conditional: resource.condition !== undefined,
            problems,
        });
    }
    return result;
}

export interface ExpectedRole {
    role: string;
    roleId: string;
    scopeType: string;
}

/**
 * The unconditional assignments to `principal` must be exactly `expected` (role on scope type),
 * each with principalType 'ServicePrincipal'; assignments to anyone else must be conditional
 * (behind a flag) and use a role from `optional`.
 */
export function roleAssignmentProblems(
    assignments: readonly RoleAssignment[],
    principal: string,
    expected: readonly ExpectedRole[],
    optional: readonly ExpectedRole[],
): string[] {
    const problems = assignments.flatMap((assignment) => assignment.problems);
    const describe = (roleId: string | undefined, scopeType: string): string => {
        const known = [...expected, ...optional].find((role) => role.roleId === roleId);
        return `${known?.role ?? roleId ?? '<unresolved role>'} on ${scopeType}`;
    };
    const forApp = assignments.filter((assignment) => assignment.principal === principal);
    for (const role of expected) {
        const matches = forApp.filter((a) => a.roleId === role.roleId && a.scopeType === role.scopeType);
        if (matches.length === 0)
            problems.push(`missing role assignment: ${role.role} on ${role.scopeType} for ${principal}`);
        if (matches.length > 1) problems.push(`duplicate role assignment: ${role.role} on ${role.scopeType}`);
        for (const match of matches) {
            if (match.conditional) problems.push(`${match.at}: ${role.role} for the app must not be conditional`);
            if (match.principalType !== 'ServicePrincipal')
                problems.push(`${match.at}: ${role.role} must set principalType: 'ServicePrincipal'`);
        }
    }
    for (const assignment of forApp) {
        const wanted = expected.some((r) => r.roleId === assignment.roleId && r.scopeType === assignment.scopeType);
        if (!wanted)
            problems.push(
                `${assignment.at}: unexpected role assignment for the app: ${describe(assignment.roleId, assignment.scopeType)} (not in the least-privilege list)`,
            );
    }
    for (const assignment of assignments) {
        if (assignment.principal === principal) continue;
        const allowed = optional.some((r) => r.roleId === assignment.roleId && r.scopeType === assignment.scopeType);
        if (!allowed)
            problems.push(
                `${assignment.at}: unexpected role assignment for ${assignment.principal}: ${describe(assignment.roleId, assignment.scopeType)}`,
            );
        if (!assignment.conditional)
            problems.push(
                `${assignment.at}: the role assignment for ${assignment.principal} must be behind a flag (if (...))`,
            );
    }
    return problems;
}

// ---------------------------------------------------------------------------------------------
// Security properties of resources
// ---------------------------------------------------------------------------------------------

function resourcesOfType(file: BicepFile, type: string): ResourceDecl[] {
    return [...declarationsOf(file).resources.values()].filter((r) => r.type === type && !r.existing);
}

function requireLiteral(
    file: BicepFile,
    resource: ResourceDecl,
    path: string[],
    accepted: readonly Literal[],
    why: string,
): string[] {
    const declarations = declarationsOf(file);
    const node = getProperty(resource.body, ...path);
    const value = resolveLiteral(declarations, node);
    if (value !== undefined && accepted.includes(value)) return [];
    const shown = node === undefined ? 'not set' : `is ${node.text}`;
    return [
        `${where(file, node ?? resource.node)}: ${resource.name}.${path.join('.')} ${shown}; expected ${accepted.map((a) => JSON.stringify(a)).join(' or ')} (${why})`,
    ];
}

export function storageAccountProblems(file: BicepFile): string[] {
    return resourcesOfType(file, 'Microsoft.Storage/storageAccounts').flatMap((account) => [
        ...requireLiteral(file, account, ['properties', 'allowSharedKeyAccess'], [false], 'no account keys'),
        ...requireLiteral(file, account, ['properties', 'allowBlobPublicAccess'], [false], 'no anonymous blob access'),
        ...requireLiteral(file, account, ['properties', 'minimumTlsVersion'], ['TLS1_2', 'TLS1_3'], 'TLS 1.2+'),
        ...requireLiteral(file, account, ['properties', 'supportsHttpsTrafficOnly'], [true], 'https only'),
    ]);
}

export function keyVaultProblems(file: BicepFile): string[] {
    return resourcesOfType(file, 'Microsoft.KeyVault/vaults').flatMap((vault) => {
        const problems = [
            ...requireLiteral(
                file,
                vault,
                ['properties', 'enableRbacAuthorization'],
                [true],
                'Azure RBAC, no access policies',
            ),
            ...requireLiteral(file, vault, ['properties', 'enableSoftDelete'], [true], 'soft delete'),
            ...requireLiteral(file, vault, ['properties', 'enablePurgeProtection'], [true], 'purge protection'),
        ];
        const policies = literalValue(getProperty(vault.body, 'properties', 'accessPolicies'));
        if (
            Array.isArray(policies)
                ? policies.length > 0
                : getProperty(vault.body, 'properties', 'accessPolicies') !== undefined
        )
            problems.push(`${where(file, vault.node)}: ${vault.name} must not define access policies (RBAC only)`);
        return problems;
    });
}

export function monitoringProblems(file: BicepFile): string[] {
    return [
        ...resourcesOfType(file, 'Microsoft.Insights/components').flatMap((component) =>
            requireLiteral(file, component, ['properties', 'DisableLocalAuth'], [true], 'Entra-only ingestion'),
        ),
        ...resourcesOfType(file, 'Microsoft.OperationalInsights/workspaces').flatMap((workspace) =>
            requireLiteral(
                file,
                workspace,
                ['properties', 'features', 'disableLocalAuth'],
                [true],
                'Entra-only access',
            ),
        ),
    ];
}

/** The Flex Consumption shape: FC1 Linux plan, user-assigned identity, identity-authenticated package, Node runtime. */
export function flexConsumptionProblems(file: BicepFile, nodeVersion: string): string[] {
    const problems: string[] = [];
    const plans = resourcesOfType(file, 'Microsoft.Web/serverfarms');
    const sites = resourcesOfType(file, 'Microsoft.Web/sites');
    if (plans.length !== 1)
        problems.push(`${file.path}: expected one Microsoft.Web/serverfarms, found ${plans.length}`);
    if (sites.length !== 1) problems.push(`${file.path}: expected one Microsoft.Web/sites, found ${sites.length}`);
    for (const plan of plans) {
        problems.push(...requireLiteral(file, plan, ['sku', 'name'], ['FC1'], 'Flex Consumption'));
        problems.push(...requireLiteral(file, plan, ['sku', 'tier'], ['FlexConsumption'], 'Flex Consumption'));
        problems.push(...requireLiteral(file, plan, ['properties', 'reserved'], [true], 'Linux'));
    }
    for (const site of sites) {
        problems.push(...requireLiteral(file, site, ['kind'], ['functionapp,linux'], 'Linux function app'));
        problems.push(...requireLiteral(file, site, ['identity', 'type'], ['UserAssigned'], 'user-assigned identity'));
        problems.push(...requireLiteral(file, site, ['properties', 'httpsOnly'], [true], 'https only'));
        const config = ['properties', 'functionAppConfig'];
        problems.push(...requireLiteral(file, site, [...config, 'runtime', 'name'], ['node'], 'Node.js worker'));
        problems.push(
            ...requireLiteral(file, site, [...config, 'runtime', 'version'], [nodeVersion], `Node ${nodeVersion}`),
        );
        problems.push(
            ...requireLiteral(
                file,
                site,
                [...config, 'deployment', 'storage', 'type'],
                ['blobContainer'],
                'package in blob storage',
            ),
        );
        problems.push(
            ...requireLiteral(
                file,
                site,
                [...config, 'deployment', 'storage', 'authentication', 'type'],
                ['UserAssignedIdentity'],
                'package read with the identity, not a key',
            ),
        );
        for (const name of ['instanceMemoryMB', 'maximumInstanceCount']) {
            const node = getProperty(site.body, ...config, 'scaleAndConcurrency', name);
            const declarations = declarationsOf(file);
            const param = node?.type === 'identifier' ? declarations.params.get(node.text) : undefined;
            if (
                param?.defaultValue === undefined ||
                typeof resolveLiteral(declarations, param.defaultValue) !== 'number'
            )
                problems.push(
                    `${where(file, node ?? site.node)}: scaleAndConcurrency.${name} must come from a parameter with a numeric default`,
                );
        }
    }
    return problems;
}

// ---------------------------------------------------------------------------------------------
// Parameters file, module wiring
// ---------------------------------------------------------------------------------------------

const PLACEHOLDER = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[=-])(.*))?\}$/s;

/**
 * main.parameters.json against main.bicep: every parameter in the file is declared, every
 * required parameter (no default) is given, and a `${VAR=default}` placeholder's default equals
 * the Bicep default (otherwise azd and plain `az deployment` would deploy different values).
 */
export function parametersFileProblems(main: BicepFile, parametersJson: string, fileName: string): string[] {
    const problems: string[] = [];
    let parsed: unknown;
    try {
        parsed = JSON.parse(parametersJson);
    } catch (error) {
        return [`${fileName}: not JSON: ${(error as Error).message}`];
    }
    const parameters = (parsed as { parameters?: unknown }).parameters;
    if (typeof parameters !== 'object' || parameters === null) return [`${fileName}: no "parameters" object`];
    const declarations = declarationsOf(main);
    for (const [name, entry] of Object.entries(parameters as Record<string, unknown>)) {
        const param = declarations.params.get(name);
        if (param === undefined) {
            problems.push(`${fileName}: parameter ${name} is not declared in ${main.path}`);
            continue;
        }
        const value = (entry as { value?: unknown }).value;
        if (typeof value !== 'string') continue;
        const placeholder = PLACEHOLDER.exec(value);
        if (placeholder?.[2] === undefined || placeholder[3] === undefined) continue;
        const bicepDefault = resolveLiteral(declarations, param.defaultValue);
        const placeholderDefault = placeholder[3];
        const same =
            bicepDefault !== undefined &&
            (typeof bicepDefault === 'string' ? bicepDefault : JSON.stringify(bicepDefault)) === placeholderDefault;
        if (!same)
            problems.push(
                `${fileName}: ${name} defaults to "${placeholderDefault}" in the placeholder but to ${param.defaultValue?.text ?? 'nothing'} in ${main.path}`,
            );
    }
    for (const param of declarations.params.values()) {
        if (param.defaultValue === undefined && !(param.name in parameters))
            problems.push(
                `${fileName}: required parameter ${param.name} of ${main.path} is not given (azd would prompt for it)`,
            );
    }
    return problems;
}

/**
 * Cross-file checks Bicep would do at build time: every module path exists, every module
 * parameter passed is declared, every required one is passed, and every `module.outputs.x` read
 * exists. `files` maps paths (as used in `resolve`) to parsed files.
 */
export function moduleWiringProblems(
    file: BicepFile,
    resolve: (modulePath: string) => BicepFile | undefined,
): string[] {
    const problems: string[] = [];
    const declarations = declarationsOf(file);
    for (const module of declarations.modules.values()) {
        const target = resolve(module.path);
        if (target === undefined) {
            problems.push(`${where(file, module.node)}: module ${module.name}: ${module.path} does not exist`);
            continue;
        }
        const targetDeclarations = declarationsOf(target);
        const params = getProperty(module.body, 'params');
        const passed = params?.type === 'object' ? objectEntries(params) : [];
        for (const entry of passed) {
            if (entry.key === undefined || !targetDeclarations.params.has(entry.key))
                problems.push(`${where(file, entry.keyNode)}: ${module.path} has no parameter ${entry.keyNode.text}`);
        }
        for (const param of targetDeclarations.params.values()) {
            if (param.defaultValue === undefined && !passed.some((entry) => entry.key === param.name))
                problems.push(
                    `${where(file, module.node)}: module ${module.name} does not pass required parameter ${param.name}`,
                );
        }
        for (const node of file.root.descendantsOfType('member_expression')) {
            const path = memberPath(node);
            if (path?.length !== 3 || path[0] !== module.name || path[1] !== 'outputs') continue;
            const output = path[2] ?? '';
            if (!targetDeclarations.outputs.has(output))
                problems.push(`${where(file, node)}: ${module.path} has no output ${output}`);
        }
    }
    return problems;
}

/**
 * Follows an app setting's value to a literal: a literal, or a module parameter that the calling
 * file passes as a literal, variable or parameter default.
 */
export function traceToLiteral(
    moduleFile: BicepFile,
    value: SyntaxNode,
    caller: BicepFile,
    moduleSymbol: string,
): Literal | undefined {
    const inner = declarationsOf(moduleFile);
    const direct = literalValue(value);
    if (direct !== undefined) return direct;
    if (value.type !== 'identifier') return undefined;
    const param = inner.params.get(value.text);
    if (param === undefined) return resolveLiteral(inner, value);
    const outer = declarationsOf(caller);
    const module = outer.modules.get(moduleSymbol);
    const passed = getProperty(module?.body, 'params', value.text);
    if (passed === undefined) return resolveLiteral(inner, param.defaultValue);
    return resolveLiteral(outer, passed);
}

// ---------------------------------------------------------------------------------------------
// Values written once: flags azd reads back, and the first-deployment guard on a secret
// ---------------------------------------------------------------------------------------------

/** Inputs of a boolean condition: bool parameters by name, and `empty(<parameter>)` by parameter name. */
export interface ConditionInputs {
    flags: ReadonlyMap<string, boolean>;
    empty: ReadonlyMap<string, boolean>;
}

/**
 * Evaluates a boolean Bicep expression made of bool literals, the parameters in `inputs.flags`,
 * `empty(p)` for the parameters in `inputs.empty`, `!`, `&&`, `||`, `==`, `!=`, parentheses and
 * variables holding such expressions. undefined for anything else (the caller reports it), so a
 * condition is judged by what it computes rather than by how it is spelled.
 */
export function evaluateCondition(
    declarations: Declarations,
    node: SyntaxNode | undefined,
    inputs: ConditionInputs,
    depth = 0,
): boolean | undefined {
    if (node === undefined || depth > 20) return undefined;
    const evaluate = (child: SyntaxNode | null | undefined): boolean | undefined =>
        evaluateCondition(declarations, child ?? undefined, inputs, depth + 1);
    switch (node.type) {
        case 'boolean':
            return node.text === 'true';
        case 'parenthesized_expression':
            return evaluate(node.namedChildren.find((child) => child.type !== 'comment'));
        case 'identifier': {
            const flag = inputs.flags.get(node.text);
            if (flag !== undefined) return flag;
            return evaluate(declarations.vars.get(node.text)?.value);
        }
        case 'unary_expression': {
            const operand = evaluate(node.childForFieldName('argument'));
            return node.childForFieldName('operator')?.text === '!' && operand !== undefined ? !operand : undefined;
        }
        case 'binary_expression': {
            const left = evaluate(node.childForFieldName('left'));
            const right = evaluate(node.childForFieldName('right'));
            if (left === undefined || right === undefined) return undefined;
            switch (node.childForFieldName('operator')?.text) {
                case '&&':
                    return left && right;
                case '||':
                    return left || right;
                case '==':
                    return left === right;
                case '!=':
                    return left !== right;
                default:
                    return undefined;
            }
        }
        case 'call_expression': {
            const call = asCall(node);
            const [argument] = call?.args ?? [];
            if ((call?.name !== 'empty' && call?.name !== 'sys.empty') || call.args.length !== 1) return undefined;
            return argument?.type === 'identifier' ? inputs.empty.get(argument.text) : undefined;
        }
        default:
            return undefined;
    }
}

function isFailCall(node: SyntaxNode | null): boolean {
    const name = asCall(node ?? undefined)?.name;
    return name === 'fail' || name === 'sys.fail';
}

function boolParamProblems(file: BicepFile, name: string, expectedDefault: boolean): string[] {
    const param = declarationsOf(file).params.get(name);
    if (param === undefined) return [`${file.path}: parameter ${name} is not declared`];
    if (param.typeText !== 'bool') return [`${where(file, param.node)}: parameter ${name} must be a bool`];
    if (literalValue(param.defaultValue) !== expectedDefault)
        return [`${where(file, param.node)}: parameter ${name} must default to ${String(expectedDefault)}`];
    return [];
}

/** An output azd stores in .azure/<env>/.env and main.parameters.json feeds back into a parameter. */
export interface ReadBackFlag {
    /** e.g. 'GRAPH_CLIENT_SECRET_IN_VAULT' */
    output: string;
    /** e.g. 'clientSecretAlreadyInVault' */
    param: string;
}

/**
 * The "written on the first deployment only" pattern: a bool output, a bool parameter defaulting
 * to false (a first deployment knows nothing yet), and main.parameters.json filling the parameter
 * from the output's azd value, `${OUTPUT=false}`.
 */
export function readBackFlagProblems(
    main: BicepFile,
    parametersJson: string,
    fileName: string,
    flag: ReadBackFlag,
): string[] {
    const problems: string[] = [];
    const output = declarationsOf(main).outputs.get(flag.output);
    if (output === undefined) problems.push(`${main.path}: output ${flag.output} is not declared`);
    else if (output.typeText !== 'bool')
        problems.push(`${where(main, output.node)}: output ${flag.output} must be a bool`);
    problems.push(...boolParamProblems(main, flag.param, false));
    let value: unknown;
    try {
        const parsed = JSON.parse(parametersJson) as { parameters?: Record<string, { value?: unknown }> };
        value = parsed.parameters?.[flag.param]?.value;
    } catch (error) {
        return [...problems, `${fileName}: not JSON: ${(error as Error).message}`];
    }
    const expected = `\${${flag.output}=false}`;
    if (value !== expected)
        problems.push(
            `${fileName}: ${flag.param} must be "${expected}" (azd reads the output back on later provisions), not ${JSON.stringify(value) ?? 'missing'}`,
        );
    return problems;
}

/** A @secure() parameter that must be given on the first deployment and may be empty afterwards. */
export interface FirstDeploymentSecret {
    /** e.g. 'graphClientSecret' */
    secretParam: string;
    /** Bool parameter that says the vault already holds it, e.g. 'clientSecretAlreadyInVault'. */
    flagParam: string;
    /** Module symbol and the module parameter that receives the secret, e.g. keyVault, graphClientSecret. */
    module: string;
    moduleParam: string;
}

/**
 * The module must receive `<condition> ? secret : fail('...')` (directly or through variables),
 * where fail() is reached exactly when the flag is false and the secret is empty: a first
 * deployment without the secret stops, every other combination deploys. The message must name
 * the parameter.
 */
export function firstDeploymentSecretProblems(main: BicepFile, guard: FirstDeploymentSecret): string[] {
    const declarations = declarationsOf(main);
    const problems: string[] = [];
    const secret = declarations.params.get(guard.secretParam);
    if (secret === undefined) return [`${main.path}: parameter ${guard.secretParam} is not declared`];
    if (!secret.decorators.some((d) => d.name === 'secure'))
        problems.push(`${where(main, secret.node)}: ${guard.secretParam} must be @secure()`);
    problems.push(...boolParamProblems(main, guard.flagParam, false));
    const module = declarations.modules.get(guard.module);
    let value = getProperty(module?.body, 'params', guard.moduleParam);
    if (module === undefined || value === undefined)
        return [...problems, `${main.path}: module ${guard.module} is not passed ${guard.moduleParam}`];
    const at = where(main, value);
    for (let hops = 0; value.type === 'identifier' && hops < 10; hops += 1) {
        const variable = declarations.vars.get(value.text);
        if (variable === undefined) break;
        value = variable.value;
    }
    const unchecked = `${at}: ${guard.module}.${guard.moduleParam} must be \`<condition> ? ${guard.secretParam} : fail('...')\``;
    if (value.type !== 'ternary_expression')
        return [...problems, `${unchecked}, so a first deployment without it fails`];
    const consequence = value.childForFieldName('consequence');
    const alternative = value.childForFieldName('alternative');
    const failOnTrue = isFailCall(consequence);
    const failBranch = failOnTrue ? consequence : alternative;
    const secretBranch = failOnTrue ? alternative : consequence;
    if (!isFailCall(failBranch) || isFailCall(secretBranch) || secretBranch?.text !== guard.secretParam)
        return [...problems, `${unchecked}; found ${value.text}`];
    const message = resolveLiteral(declarations, asCall(failBranch ?? undefined)?.args[0]);
    if (typeof message !== 'string' || !message.includes(guard.secretParam))
        problems.push(`${at}: the fail() message must name ${guard.secretParam}, so the error says what to pass`);
    for (const flag of [false, true]) {
        for (const empty of [true, false]) {
            const condition = evaluateCondition(declarations, value.childForFieldName('condition') ?? undefined, {
                flags: new Map([[guard.flagParam, flag]]),
                empty: new Map([[guard.secretParam, empty]]),
            });
            if (condition === undefined) {
                problems.push(
                    `${at}: cannot evaluate the condition ${value.childForFieldName('condition')?.text ?? ''} from ${guard.flagParam} and empty(${guard.secretParam})`,
                );
                return problems;
            }
            const fails = condition === failOnTrue;
            const shouldFail = !flag && empty;
            if (fails !== shouldFail)
                problems.push(
                    `${at}: with ${guard.flagParam}=${String(flag)} and ${empty ? 'an empty' : 'a given'} ${guard.secretParam} the deployment ${fails ? 'fails' : 'goes ahead'}; expected it to ${shouldFail ? 'fail' : 'go ahead'}`,
                );
        }
    }
    return problems;
}

/**
 * The Key Vault secret that holds `valueParam` is written only when the value is non-empty, so a
 * deployment without it keeps the value in the vault (for example one rotated with
 * `az keyvault secret set`).
 */
export function writtenOnlyWhenGivenProblems(file: BicepFile, valueParam: string): string[] {
    const declarations = declarationsOf(file);
    const secrets = [...declarations.resources.values()].filter(
        (r) =>
            r.type === 'Microsoft.KeyVault/vaults/secrets' &&
            !r.existing &&
            getProperty(r.body, 'properties', 'value')?.text === valueParam,
    );
    if (secrets.length !== 1)
        return [`${file.path}: expected one Key Vault secret with value ${valueParam}, found ${secrets.length}`];
    const [secret] = secrets;
    if (secret === undefined) return [];
    const problems: string[] = [];
    for (const empty of [true, false]) {
        const written =
            secret.condition === undefined
                ? true
                : evaluateCondition(declarations, secret.condition, {
                      flags: new Map(),
                      empty: new Map([[valueParam, empty]]),
                  });
        if (written === undefined)
            return [`${where(file, secret.node)}: cannot evaluate the condition of ${secret.name}`];
        if (written === empty)
            problems.push(
                `${where(file, secret.node)}: ${secret.name} is ${written ? 'written' : 'not written'} when ${valueParam} is ${empty ? 'empty' : 'given'}; it must be written exactly when it is given`,
            );
    }
    return problems;
}

// ---------------------------------------------------------------------------------------------
// azure.yaml and the deployment package
// ---------------------------------------------------------------------------------------------

export type YamlValue = string | { [key: string]: YamlValue };

/**
 * Parses the YAML subset azure.yaml uses here: nested maps of `key: scalar`, comments, blank
 * lines. Anything else (lists, flow collections, anchors, multi-line scalars, tabs) is an error,
 * so the check cannot silently misread the file. (The `yaml` package is not a dependency.)
 */
export function parseSimpleYaml(text: string): { [key: string]: YamlValue } {
    const root: { [key: string]: YamlValue } = {};
    const stack: { indent: number; map: { [key: string]: YamlValue } }[] = [{ indent: -1, map: root }];
    const lines = text.split(/\r?\n/);
    lines.forEach((raw, index) => {
        const lineNo = index + 1;
        if (/^\s*(#.*)?$/.test(raw)) return;
        if (raw.includes('\t')) throw new Error(`azure.yaml:${lineNo}: tabs are not supported`);
        const match = /^( *)([A-Za-z0-9_.-]+):(?: +(.*?))?\s*$/.exec(raw.replace(/\s+#.*$/, ''));
        if (match === null) throw new Error(`azure.yaml:${lineNo}: unsupported YAML: ${raw.trim()}`);
        const indent = match[1]?.length ?? 0;
        const key = match[2] ?? '';
        let value = match[3];
        while ((stack[stack.length - 1]?.indent ?? -1) >= indent) stack.pop();
        const parent = stack[stack.length - 1];
        if (parent === undefined) throw new Error(`azure.yaml:${lineNo}: bad indentation`);
        if (key in parent.map) throw new Error(`azure.yaml:${lineNo}: duplicate key ${key}`);
        if (value === undefined || value === '') {
            const child: { [key: string]: YamlValue } = {};
            parent.map[key] = child;
            stack.push({ indent, map: child });
            return;
        }
        if (/^[[{&*!|>-]/.test(value)) throw new Error(`azure.yaml:${lineNo}: unsupported YAML value: ${value}`);
        const quoted = /^'(.*)'$|^"(.*)"$/.exec(value);
        if (quoted !== null) value = quoted[1] ?? quoted[2] ?? '';
        parent.map[key] = value;
    });
    return root;
}

function yamlString(map: YamlValue | undefined, ...path: string[]): string | undefined {
    let current = map;
    for (const key of path) {
        if (current === undefined || typeof current === 'string') return undefined;
        current = current[key];
    }
    return typeof current === 'string' ? current : undefined;
}

export interface RepoView {
    exists: (relativePath: string) => boolean;
}

/** azure.yaml: one function service `api` in TypeScript at the repository root, Bicep infra in infra/main.bicep. */
export function azureYamlProblems(yamlText: string, repo: RepoView): string[] {
    let doc: { [key: string]: YamlValue };
    try {
        doc = parseSimpleYaml(yamlText);
    } catch (error) {
        return [(error as Error).message];
    }
    const problems: string[] = [];
    const expect = (path: string[], expected: string, fallback?: string): void => {
        const actual = yamlString(doc, ...path) ?? fallback;
        if (actual !== expected)
            problems.push(`azure.yaml: ${path.join('.')} is ${actual ?? 'not set'}, expected ${expected}`);
    };
    const services = doc.services;
    if (typeof services !== 'object' || Object.keys(services).join(',') !== 'api')
        problems.push('azure.yaml: expected exactly one service, api');
    expect(['services', 'api', 'project'], '.');
    expect(['services', 'api', 'language'], 'ts');
    expect(['services', 'api', 'host'], 'function');
    expect(['infra', 'provider'], 'bicep', 'bicep');
    expect(['infra', 'path'], 'infra', 'infra');
    expect(['infra', 'module'], 'main', 'main');
    const remoteBuild = yamlString(doc, 'services', 'api', 'remoteBuild');
    if (remoteBuild !== 'true' && remoteBuild !== 'false')
        problems.push('azure.yaml: services.api.remoteBuild must be set explicitly to true or false');
    const project = yamlString(doc, 'services', 'api', 'project') ?? '.';
    for (const file of ['package.json', 'host.json'])
        if (!repo.exists(`${project}/${file}`)) problems.push(`azure.yaml: service project ${project} has no ${file}`);
    const infraPath = yamlString(doc, 'infra', 'path') ?? 'infra';
    const module = yamlString(doc, 'infra', 'module') ?? 'main';
    for (const file of [`${module}.bicep`, `${module}.parameters.json`])
        if (!repo.exists(`${infraPath}/${file}`)) problems.push(`azure.yaml: ${infraPath}/${file} does not exist`);
    return problems;
}

/**
 * azure.yaml runs `script` as the `preprovision` hook with Node on both platforms: `posix` with
 * sh, `windows` with pwsh (which needs `exit $LASTEXITCODE` to pass node's exit code on), never
 * with continueOnError, and the script exists.
 */
export function preprovisionHookProblems(yamlText: string, script: string, repo: RepoView): string[] {
    let doc: { [key: string]: YamlValue };
    try {
        doc = parseSimpleYaml(yamlText);
    } catch (error) {
        return [(error as Error).message];
    }
    const hook = doc.hooks === undefined || typeof doc.hooks === 'string' ? undefined : doc.hooks.preprovision;
    if (hook === undefined || typeof hook === 'string') return ['azure.yaml: hooks.preprovision is not declared'];
    const problems: string[] = [];
    const platforms = [
        { platform: 'posix', shell: 'sh', run: new RegExp(`^node ${escapeRegex(script)}$`) },
        {
            platform: 'windows',
            shell: 'pwsh',
            run: new RegExp(`^node ${escapeRegex(script)}\\s*;\\s*exit \\$LASTEXITCODE$`, 'i'),
        },
    ];
    for (const { platform, shell, run } of platforms) {
        const path = ['hooks', 'preprovision', platform];
        if (typeof hook[platform] !== 'object') {
            problems.push(`azure.yaml: ${path.join('.')} is not declared`);
            continue;
        }
        const actualShell = yamlString(doc, ...path, 'shell');
        if (actualShell !== shell)
            problems.push(`azure.yaml: ${path.join('.')}.shell is ${actualShell ?? 'not set'}, expected ${shell}`);
        const actualRun = yamlString(doc, ...path, 'run');
        if (actualRun === undefined || !run.test(actualRun))
            problems.push(
                `azure.yaml: ${path.join('.')}.run is ${actualRun ?? 'not set'}, expected node ${script}${platform === 'windows' ? '; exit $LASTEXITCODE' : ''}`,
            );
        if (yamlString(doc, ...path, 'continueOnError') === 'true')
            problems.push(
                `azure.yaml: ${path.join('.')}.continueOnError would let provisioning go ahead after the hook fails`,
            );
    }
    const extra = Object.keys(hook).filter((key) => key !== 'posix' && key !== 'windows');
    if (extra.length > 0)
        problems.push(`azure.yaml: hooks.preprovision has ${extra.join(', ')}; use only the posix and windows entries`);
    if (!repo.exists(script)) problems.push(`azure.yaml: the preprovision hook runs ${script}, which does not exist`);
    return problems;
}

function escapeRegex(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function remoteBuildOf(yamlText: string): boolean {
    return yamlString(parseSimpleYaml(yamlText), 'services', 'api', 'remoteBuild') === 'true';
}

interface IgnoreRule {
    negate: boolean;
    directoryOnly: boolean;
    regex: RegExp;
    /** Patterns without a slash match a name at any depth. */
    matchesName: boolean;
}

function globToRegex(glob: string): string {
    let out = '';
    for (let i = 0; i < glob.length; i += 1) {
        const c = glob[i] ?? '';
        if (c === '*' && glob[i + 1] === '*') {
            if (glob[i + 2] === '/') {
                out += '(?:.*/)?';
                i += 2;
            } else {
                out += '.*';
                i += 1;
            }
        } else if (c === '*') out += '[^/]*';
        else if (c === '?') out += '[^/]';
        else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
    return out;
}

/** A gitignore-syntax matcher (the syntax azd applies to .funcignore), enough for the patterns we use. */
export function ignoreMatcher(text: string): (path: string) => boolean {
    const rules: IgnoreRule[] = [];
    for (const raw of text.split(/\r?\n/)) {
        let line = raw.trimEnd();
        if (line === '' || line.startsWith('#')) continue;
        const negate = line.startsWith('!');
        if (negate) line = line.slice(1);
        const directoryOnly = line.endsWith('/');
        if (directoryOnly) line = line.slice(0, -1);
        const anchored = line.includes('/');
        if (line.startsWith('/')) line = line.slice(1);
        rules.push({ negate, directoryOnly, matchesName: !anchored, regex: new RegExp(`^${globToRegex(line)}$`) });
    }
    const ignoredAs = (path: string, isDirectory: boolean): boolean | undefined => {
        let result: boolean | undefined;
        const name = path.split('/').pop() ?? path;
        for (const rule of rules) {
            if (rule.directoryOnly && !isDirectory) continue;
            if (rule.regex.test(rule.matchesName ? name : path)) result = !rule.negate;
        }
        return result;
    };
    return (path: string): boolean => {
        const parts = path.split('/');
        // A file inside an ignored directory cannot be re-included (gitignore semantics).
        for (let i = 1; i < parts.length; i += 1) {
            if (ignoredAs(parts.slice(0, i).join('/'), true) === true) return true;
        }
        return ignoredAs(path, false) === true;
    };
}

export interface PackageTree {
    /** Reads a file relative to the project root, or returns undefined if it does not exist. */
    read: (relativePath: string) => string | undefined;
    /** Lists a directory relative to the project root (names only; empty if missing). */
    list: (relativePath: string) => string[];
}

interface Manifest {
    name?: string;
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
    gypfile?: boolean;
    scripts?: Record<string, string>;
}

/**
 * Runtime (non-dev) dependencies that contain native code. With `remoteBuild: false` the package
 * ships node_modules as installed on the deploying machine, which may be Windows or macOS; pure
 * JavaScript runs anywhere, a native addon built for that machine does not run on Linux.
 */
export function nativeRuntimeDependencies(tree: PackageTree): string[] {
    const seen = new Map<string, string>();
    const found: string[] = [];
    const resolveFrom = (fromDir: string, name: string): string | undefined => {
        let dir = fromDir;
        for (;;) {
            const candidate = `${dir === '' ? '' : `${dir}/`}node_modules/${name}`;
            if (tree.read(`${candidate}/package.json`) !== undefined) return candidate;
            if (dir === '') return undefined;
            const index = dir.lastIndexOf('/node_modules/');
            dir = index < 0 ? '' : dir.slice(0, index);
        }
    };
    const hasNativeFiles = (dir: string, depth: number): boolean =>
        tree.list(dir).some((entry) => {
            if (entry === 'node_modules') return false;
            if (entry.endsWith('.node') || entry === 'binding.gyp') return true;
            return depth < 4 && !entry.includes('.') && hasNativeFiles(`${dir}/${entry}`, depth + 1);
        });
    const visit = (dir: string): void => {
        const manifest = JSON.parse(tree.read(`${dir === '' ? '' : `${dir}/`}package.json`) ?? '{}') as Manifest;
        const names = Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies });
        for (const name of names) {
            const location = resolveFrom(dir, name);
            if (location === undefined || seen.has(location)) continue;
            seen.set(location, name);
            const dependency = JSON.parse(tree.read(`${location}/package.json`) ?? '{}') as Manifest;
            const installScript = dependency.scripts?.install ?? dependency.scripts?.postinstall ?? '';
            if (dependency.gypfile === true || /node-gyp|prebuild/.test(installScript) || hasNativeFiles(location, 0))
                found.push(name);
            visit(location);
        }
    };
    visit('');
    return found.sort();
}

/**
 * What the deployment package must and must not contain. Local build (remoteBuild: false): the
 * compiled dist/ and the installed node_modules/ ship, sources need not. Remote build: sources,
 * tsconfig and the lock file ship and the server installs and compiles, so node_modules/ must not.
 */
export function packagingProblems(remoteBuild: boolean, funcignore: string): string[] {
    const ignored = ignoreMatcher(funcignore);
    const mustShip = ['host.json', 'package.json', 'package-lock.json'];
    const mustNotShip = [
        'local.settings.json',
        '.local/tls/ca-key.pem',
        'test/src/config/config.test.ts',
        'infra/main.bicep',
        'dev/sim/core/http.ts',
    ];
    if (remoteBuild) {
        mustShip.push('src/index.ts', 'src/functions/health.ts', 'tsconfig.json', 'tsconfig.build.json');
        mustNotShip.push('node_modules/@azure/functions/package.json');
    } else {
        mustShip.push(
            'dist/src/index.js',
            'dist/src/functions/health.js',
            'node_modules/@azure/functions/package.json',
        );
    }
    const mode = remoteBuild ? 'remoteBuild: true' : 'remoteBuild: false';
    return [
        ...mustShip
            .filter((path) => ignored(path))
            .map((path) => `.funcignore excludes ${path}, which the package needs with ${mode}`),
        ...mustNotShip
            .filter((path) => !ignored(path))
            .map((path) => `.funcignore lets ${path} into the package (${mode}); exclude it`),
    ];
}
