// @acme/protoc-gen-doc/site: what a site the plugin renders needs once it is built. The versions
// contract the site's browser script reads (versions.ts), the versioned docs tree a release
// publishes into (docs-tree.ts), and a read-only static server to look at it (static-server.ts).
export { type PublishedVersion, type PublishedVersionsGlobal, VERSIONS_SCRIPT, versionsScript } from "./versions.js";
export { addVersionToDocsTree, type DocsTreeResult, orderVersions, readVersions } from "./docs-tree.js";
export { type StaticServer, serveStatic } from "./static-server.js";
