export type NpmPackages=Record<string,{npm:string;subpath:string}>; export type SiteFile={name:string;content:string}; export function renderSite(..._a:unknown[]):SiteFile[]{return []}
