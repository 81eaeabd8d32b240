// npm run new:service -- <org>.<domain>.<version> <Name>Service
// Scaffolds proto/<org>/<domain>/<version>/<domain>.proto: a lint-clean,
// commented service with one example rpc, and a CODEOWNERS entry for the
// domain. `npm run generate` (or `npm run build`) then creates its gen/ code
// and its packages/<domain> npm package; the docs pick it up from proto/.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "./lib/infra/fs-atomic.js";
import { listProtoPackages } from "./lib/codegen/protos.js";
import { readRepoConfig, repoRoot } from "./lib/infra/repo.js";
import { addCodeowner, planServiceScaffold, ScaffoldError } from "./lib/codegen/service-scaffold.js";
import { runIfEntryPoint } from "./lib/infra/entry.js";

const USAGE =
  "usage: npm run new:service -- <org>.<domain>.<version> <Name>Service   e.g. npm run new:service -- acme.shipping.v1 ShipmentService";

export async function newService(args: string[], root = repoRoot): Promise<string[]> {
  if (args.length !== 2) throw new ScaffoldError(`expected 2 arguments, got ${args.length}.\n${USAGE}`);
  const { protoOrg, scope } = readRepoConfig(root);
  const plan = planServiceScaffold(args[0], args[1], protoOrg);
  if (existsSync(join(root, plan.path))) {
    throw new ScaffoldError(`${plan.path} already exists; add the service to it by hand, or pick another package`);
  }
  const packages = await listProtoPackages(root);
  const existing = packages.find((p) => p.name === plan.pkg);
  if (existing)
    throw new ScaffoldError(
      `proto package ${plan.pkg} already exists in proto/${existing.files[0]}; add the service there`,
    );
  const pkgJson = join(root, "packages", plan.family, "package.json");
  if (existsSync(pkgJson) && !packages.some((p) => p.family === plan.family)) {
    throw new ScaffoldError(
      `packages/${plan.family} already holds a hand-written package, which ${plan.pkg} would be published as; pick another domain`,
    );
  }
  writeFileAtomic(join(root, plan.path), plan.content);
  const written = [plan.path];
  const owners = join(root, ".github", "CODEOWNERS");
  const dir = `/${plan.path.slice(0, plan.path.indexOf(`/${plan.domain}/`))}/${plan.domain}/`;
  if (existsSync(owners)) {
    const team = `${scope}/${plan.domain.replace(/_/g, "-")}-team`;
    const updated = addCodeowner(readFileSync(owners, "utf8"), dir, team);
    if (updated !== undefined) {
      writeFileAtomic(owners, updated);
      written.push(`.github/CODEOWNERS (${dir} ${team}: replace with the owning team)`);
    }
  }
  return written;
}

async function main(): Promise<number> {
  const written = await newService(process.argv.slice(2));
  for (const w of written) console.log(`created ${w}`);
  console.log(
    "\nNext: replace the <...> placeholders, then\n" +
      "  npm run lint        # buf lint + format check\n" +
      "  npm run generate    # gen/ code and the npm package under packages/\n" +
      "  npm run build       # everything, docs included\n" +
      "and open a PR titled like `feat(<domain>): add <Name>Service`.",
  );
  return 0;
}

runIfEntryPoint(import.meta.url, "new:service", main);
