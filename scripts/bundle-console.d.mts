/** Where `npm run build` puts the console, and where the app serves it from by default. */
export declare const CONSOLE_OUTPUT: string;
/** Bundles the console into `outputDirectory` and resolves with it. */
export declare function bundleConsole(outputDirectory?: string, options?: { minify?: boolean }): Promise<string>;
