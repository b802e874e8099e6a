export * from './config';
export * from './schedule';
export { DEFAULT_SYNC_SCHEDULE, describeSettings, type SettingName } from './settings';
