import { familyOf, isUnstableVersion } from "./protos.js";

/** What `npm run new:service` creates, from its two arguments. */
export interface ServiceScaffold {
  /** e.g. "acme.shipping.v1" */
  pkg: string;
  /** e.g. "shipping" */
  domain: string;
  /** e.g. "ShipmentService" */
  service: string;
  /** Path relative to the repo root, e.g. "proto/acme/shipping/v1/shipping.proto". */
  path: string;
  /** npm package family, e.g. "shipping" (published as @acme/shipping). */
  family: string;
  content: string;
}

export class ScaffoldError extends Error {}

const DOMAIN = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const VERSION = /^v[1-9]\d*((alpha|beta)[1-9]\d*)?$/;
const SERVICE = /^[A-Z][A-Za-z0-9]*Service$/;

function snake(pascal: string): string {
  return pascal
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();
}

/** Validates the arguments and renders the proto; throws ScaffoldError naming the bad argument. */
export function planServiceScaffold(pkg: string, service: string, protoOrg: string): ServiceScaffold {
  const segs = pkg.split(".");
  if (segs.length !== 3 || segs[0] !== protoOrg || !DOMAIN.test(segs[1]) || !VERSION.test(segs[2])) {
    throw new ScaffoldError(
      `package "${pkg}" must be ${protoOrg}.<domain>.<version>: a lower_snake_case domain and a version such as v1 or v1alpha1, e.g. ${protoOrg}.shipping.v1`,
    );
  }
  if (!SERVICE.test(service) || service === "Service") {
    throw new ScaffoldError(
      `service "${service}" must be PascalCase and end in "Service", e.g. ShipmentService (buf lint SERVICE_SUFFIX)`,
    );
  }
  const [, domain, version] = segs;
  const entity = service.slice(0, -"Service".length);
  return {
    pkg,
    domain,
    service,
    path: `proto/${protoOrg}/${domain}/${version}/${domain}.proto`,
    family: familyOf(pkg, protoOrg).family,
    content: renderProto(pkg, service, entity, isUnstableVersion(version)),
  };
}

function renderProto(pkg: string, service: string, entity: string, unstable: boolean): string {
  const field = snake(entity);
  return `syntax = "proto3";

// Package ${pkg} is <what this domain is about, for whom>.
//
// Scaffolded by \`npm run new:service\`. Replace every <...> placeholder and
// the example rpc with the real contract; see CONTRIBUTING.md for the rules
// on evolving it once it is released.${unstable ? "\n// This is an unstable version: it may change without a breaking-change\n// approval until it is promoted to a stable one (v1)." : ""}
package ${pkg};

// ${service} <does what, for whom>.
service ${service} {
  // Get${entity} returns one ${entity} by id. It is an example rpc: rename or
  // replace it. Every rpc takes its own <Rpc>Request and returns its own
  // <Rpc>Response, so either can grow fields without touching other rpcs.
  rpc Get${entity}(Get${entity}Request) returns (Get${entity}Response) {
    option idempotency_level = NO_SIDE_EFFECTS;
  }
}

// ${entity} is <the resource this service manages>.
message ${entity} {
  // The ${entity}'s id, set by the server.
  string id = 1;
  // A human-readable name.
  string display_name = 2;
}

// Get${entity}Request names one ${entity}.
message Get${entity}Request {
  // The id of the ${entity} to return.
  string id = 1;
}

// Get${entity}Response is the ${entity} asked for.
message Get${entity}Response {
  // The ${entity}.
  ${entity} ${field} = 1;
}
`;
}

/**
 * CODEOWNERS text with an owner line for `dir` appended, its owner in the same column as the
 * rule above it (people read the file too); undefined when `dir` already has a line.
 */
export function addCodeowner(text: string, dir: string, team: string): string | undefined {
  const rules = text.split("\n").filter((l) => l.trim() && !l.trimStart().startsWith("#"));
  if (rules.some((l) => l.trim().split(/\s+/)[0] === dir)) return undefined;
  const last = rules.at(-1);
  const ownersColumn = last ? (/^\S+\s+/.exec(last)?.[0].length ?? 0) : 0;
  const line = `${dir.padEnd(ownersColumn - 1)} ${team}`;
  return `${text.replace(/\n*$/, "\n")}${line}\n`;
}
