// How every scripts/**/*.ts entry point starts and ends (CONTRIBUTING.md, "Scripts"):
// it runs only when node was started with it, never when a test or another
// script imports it for its functions, and a failure ends it the same way
// everywhere: `<name>: <message>` on stderr (and the fix, when the error
// carries one) and exit code 1, never a stack trace.
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** The exit code of a script that failed, whether a check found problems or something went wrong. */
export const EXIT_FAILURE = 1;

/** Whether the module at `moduleUrl` (its `import.meta.url`) is the script node was started with. */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    // import.meta.url names the file after symlinks are resolved; argv[1] as typed.
    return moduleUrl === pathToFileURL(realpathSync(resolve(script))).href;
  } catch {
    return false;
  }
}

/** An error's text for a person: its message, then its details (a ReleaseError's fix) when it has them. */
export function describeFailure(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const details = (err as { details?: unknown }).details;
  return typeof details === "string" && details ? `${err.message}\n${details}` : err.message;
}

/**
 * Runs `main` when the calling module is the entry point and exits with the
 * code it returns (a server returns when a signal has stopped it). A thrown
 * error is printed as `<name>: <message>` and exits EXIT_FAILURE.
 */
export function runIfEntryPoint(moduleUrl: string, name: string, main: () => number | Promise<number>): void {
  if (!isEntryPoint(moduleUrl)) return;
  Promise.resolve()
    .then(main)
    .then(
      (code) => process.exit(code),
      (err: unknown) => {
        console.error(`${name}: ${describeFailure(err)}`);
        process.exit(EXIT_FAILURE);
      },
    );
}
