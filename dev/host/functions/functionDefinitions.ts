import type { BindingInfo, RegisteredFunction } from '../core/coreTypes';
import { HostError } from '../errors';

/** An output binding as registered (`$return` for the return value). Values may still hold `%SETTING%`. */
export interface OutputBinding {
    bindingName: string;
    type: string;
    queueName?: string;
    connection?: string;
}

interface Common {
    name: string;
    triggerBindingName: string;
    outputs: OutputBinding[];
    /** The registration as the worker reported it (metadata only; the callback stays in the worker). */
    registration: Pick<RegisteredFunction, 'metadata'>;
}

export type FunctionDefinition =
    | (Common & {
          kind: 'http';
          route: string | undefined;
          /** Upper-case; undefined means every method. */
          methods: string[] | undefined;
          authLevel: string;
      })
    | (Common & { kind: 'timer'; schedule: string; runOnStartup: boolean; useMonitor: boolean | undefined })
    | (Common & { kind: 'queue'; queueName: string; connection: string })
    | (Common & { kind: 'unsupported'; triggerType: string });

function stringOption(binding: BindingInfo, key: string, functionName: string): string {
    const value = binding[key];
    if (typeof value !== 'string' || value.trim() === '') {
        throw new HostError(`Function "${functionName}": the ${String(binding.type)} binding needs a "${key}" string`);
    }
    return value;
}

function optionalString(binding: BindingInfo, key: string): string | undefined {
    const value = binding[key];
    return typeof value === 'string' ? value : undefined;
}

/** Reads a registration the way the host reads function metadata: one trigger, any number of outputs. */
export function describeFunction(registration: Pick<RegisteredFunction, 'metadata'>): FunctionDefinition {
    const { name, bindings } = registration.metadata;
    const triggers = Object.entries(bindings).filter(
        ([, b]) => b.direction === 'in' && typeof b.type === 'string' && /trigger$/i.test(b.type),
    );
    const [trigger, ...extra] = triggers;
    if (trigger === undefined || extra.length > 0) {
        throw new HostError(`Function "${name}" must have exactly one trigger binding, found ${triggers.length}`);
    }
    const [triggerBindingName, binding] = trigger;
    const outputs: OutputBinding[] = Object.entries(bindings)
        .filter(([, b]) => b.direction === 'out')
        .map(([bindingName, b]) => {
            const output: OutputBinding = { bindingName, type: String(b.type) };
            const queueName = optionalString(b, 'queueName');
            const connection = optionalString(b, 'connection');
            if (queueName !== undefined) output.queueName = queueName;
            if (connection !== undefined) output.connection = connection;
            return output;
        });
    const common: Common = { name, triggerBindingName, outputs, registration };
    const type = String(binding.type).toLowerCase();
    if (type === 'httptrigger') {
        const methods = Array.isArray(binding.methods)
            ? binding.methods.map((m) => String(m).toUpperCase())
            : undefined;
        return {
            ...common,
            kind: 'http',
            route: optionalString(binding, 'route'),
            methods,
            authLevel: optionalString(binding, 'authLevel') ?? 'anonymous',
        };
    }
    if (type === 'timertrigger') {
        return {
            ...common,
            kind: 'timer',
            schedule: stringOption(binding, 'schedule', name),
            runOnStartup: binding.runOnStartup === true,
            useMonitor: typeof binding.useMonitor === 'boolean' ? binding.useMonitor : undefined,
        };
    }
    if (type === 'queuetrigger') {
        return {
            ...common,
            kind: 'queue',
            queueName: stringOption(binding, 'queueName', name),
            connection: optionalString(binding, 'connection') ?? 'AzureWebJobsStorage',
        };
    }
    return { ...common, kind: 'unsupported', triggerType: String(binding.type) };
}
