// The versions contract of a published docs tree (<tree>/vX.Y.Z/, <tree>/latest/):
// addVersionToDocsTree (docs-tree.ts) writes versions.js beside the versions, and the site's browser
// script (browser.js, which imports these types) reads it to fill the version
// switcher. A script rather than JSON, because fetch() is blocked on file://.

/** One published version, newest first in the list. */
export interface PublishedVersion {
  version: string;
  /** The version's directory in the tree, relative: "v1.2.3/". */
  path: string;
  prerelease: boolean;
  /** Whether latest/ holds this version. */
  latest: boolean;
}

/** The global versions.js sets; browser.js reads it from `window`. */
export interface PublishedVersionsGlobal {
  __PGD_VERSIONS__?: PublishedVersion[];
}

/** The file name, at the tree's root. */
export const VERSIONS_SCRIPT = "versions.js";

/** versions.js's content: the list as a script ("<" escaped, so no text in it can close a script element). */
export function versionsScript(versions: PublishedVersion[]): string {
  const global: keyof PublishedVersionsGlobal = "__PGD_VERSIONS__";
  return `window.${global}=${JSON.stringify(versions, null, 2).replace(/</g, "\\u003c")};\n`;
}
