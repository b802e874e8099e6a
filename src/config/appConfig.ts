import { type AppConfig, loadConfig } from './config';

let cached: AppConfig | undefined;

/**
 * The app's configuration: process.env is read and validated the first time, then the same object
 * is reused. This is the one place in src/ that touches process.env.
 */
export function appConfig(): AppConfig {
    cached ??= loadConfig(process.env);
    return cached;
}
