import type { AxiosStatic } from 'axios';

let loaded: Promise<AxiosStatic> | undefined;

/**
 * axios, imported on first use: loading it takes about 0.1 s, which a
 * command-only `steward run` must not pay.
 * @returns the axios default export
 */
export function http(): Promise<AxiosStatic> {
  loaded ??= import('axios').then((module) => module.default);
  return loaded;
}
