// The one stability rule of this repo, shared by `npm run breaking`,
// `npm run pr:summary` and the release safety net: buf's own. buf.yaml sets
// `breaking.ignore_unstable_packages: true`, and buf treats a package as
// unstable when its last component is one of the unstable version forms of
// its PACKAGE_VERSION_SUFFIX rule. Anything else (v1, v2, and also v0) is
// stable, so buf reports its breaks and every tool calls them breaking.

/** v1alpha, v1alpha1, v1beta2, v1test, v1testfoo, v1p1alpha1, v2p1beta1 (buf's unstable forms). */
const UNSTABLE_VERSION = /^v\d+(test.*|(alpha|beta)\d*|p\d+(alpha|beta)\d*)$/;

/** Whether a package version component is unstable for buf, e.g. "v1beta1" yes, "v1" and "v0" no. */
export function isUnstableVersion(version: string): boolean {
  return UNSTABLE_VERSION.test(version);
}

/** Whether a proto package (e.g. "acme.lab.v1alpha1") is exempt from the breaking check. */
export function isUnstablePackage(pkg: string): boolean {
  return isUnstableVersion(pkg.slice(pkg.lastIndexOf(".") + 1));
}
