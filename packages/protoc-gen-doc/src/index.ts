export {
  encodeResponse,
  generate,
  PLUGIN_NAME,
  PLUGIN_VERSION,
  type PluginResponse,
  type TemplateFn,
} from "./plugin.js";
export { decodePluginRequest, type PluginRequest } from "./descriptor.js";
export { buildTemplate } from "./model.js";
export type * from "./model.js";
export { parseParameter, type DocOptions, type Format } from "./params.js";
export { renderJson } from "./render/json.js";
export { renderMarkdown } from "./render/markdown.js";
export { renderSite, type NpmPackages, type SiteFile } from "./render/site.js";
export { renderComment } from "./render/comment-markdown.js";
export { decodeRequest, slimRequest } from "./request.js";
export {
  type PublishedVersion,
  type PublishedVersionsGlobal,
  VERSIONS_SCRIPT,
  versionsScript,
} from "./site/versions.js";
