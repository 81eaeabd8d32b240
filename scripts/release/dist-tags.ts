// The dist-tag policy: which npm dist-tag a release, or a recovered release, is published under.
import semver from "semver";

/** The dist-tag of a semantic-release channel: the default channel is `latest`. */
export function distTagOf(channel: string | null | undefined): string {
  return channel || "latest";
}

/** The dist-tag of a release that is on several channels: its newest (last) one's. */
export function distTagOfChannels(channels: (string | null | undefined)[]): string {
  return distTagOf(channels[channels.length - 1]);
}

/**
 * The dist-tag for republishing `version`: a prerelease keeps its channel
 * (2.0.0-next.3 -> next); an older line than the registry's latest gets
 * release-N.x, so recovering a maintenance release never moves latest.
 */
export function defaultDistTag(version: string, currentLatest: string | undefined): string {
  const pre = semver.prerelease(version);
  if (pre && typeof pre[0] === "string") return pre[0];
  if (currentLatest && semver.valid(currentLatest) && semver.lt(version, currentLatest))
    return `release-${semver.major(version)}.x`;
  return "latest";
}
