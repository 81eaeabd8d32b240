// The PR flow in temporary git repos with the real buf and the real npm
// scripts: lint, the breaking check (and its approval), and the schema
// change summary, for the kinds of PR the issue names.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { SUMMARY_MARKER } from "../scripts/lib/schema/pr-summary.js";
import { repoRoot } from "../scripts/lib/infra/repo.js";
import { makeTempRepo, type TempRepo } from "./support/temp-repo.js";

const PAYMENTS = "proto/acme/payments/v1/payments.proto";
const LAB = "proto/acme/lab/v1alpha1/lab.proto";
const LAB_PROTO = `syntax = "proto3";

// An unstable package: free to change until it is promoted to v1.
package acme.lab.v1alpha1;

// ExperimentService runs experiments.
service ExperimentService {
  // StartExperiment starts one.
  rpc StartExperiment(StartExperimentRequest) returns (StartExperimentResponse) {}
}

// StartExperimentRequest names the experiment.
message StartExperimentRequest {
  // Its name.
  string name = 1;
  // How many runs.
  int32 runs = 2;
}

// StartExperimentResponse is the started experiment.
message StartExperimentResponse {
  // Its id.
  string id = 1;
}
`;

let repo: TempRepo;
let events = 0;

/** A local run: no GitHub event, no approval, unless a test passes one. */
function run(script: string, args: string[], env: Record<string, string> = {}) {
  return repo.script(script, args, { GITHUB_EVENT_PATH: "", BREAKING_APPROVED: "", GITHUB_STEP_SUMMARY: "", ...env });
}

/** Writes a pull_request event payload as GitHub does (outside the work tree) and returns its path. */
function prEvent(pr: { body?: string | null; labels?: string[] }): string {
  const path = join(repo.dir, ".git", `event-${++events}.json`);
  const payload = {
    action: "labeled",
    pull_request: { title: "feat: x", body: pr.body ?? null, labels: (pr.labels ?? []).map((name) => ({ name })) },
  };
  writeFileSync(path, JSON.stringify(payload));
  return path;
}

before(() => {
  repo = makeTempRepo();
  repo.write(LAB, LAB_PROTO);
  repo.commit("feat(lab): experiments");
});
after(() => repo?.cleanup());

/** A new branch from main, as a PR starts. */
function branch(name: string) {
  repo.git("checkout", "-q", "-b", name, "main");
}

describe("a PR that adds a service", () => {
  before(() => {
    branch("add-service");
    const r = run("new-service", ["acme.shipping.v1", "ShipmentService"]);
    assert.equal(r.code, 0, r.stderr);
    repo.commit("feat(shipping): add ShipmentService");
  });

  test("passes lint and the breaking check", () => {
    const lint = run("lint", ["--error-format", "github-actions"]);
    assert.equal(lint.code, 0, lint.stdout + lint.stderr);
    const breaking = run("breaking", ["--against", "main", "--error-format", "github-actions"]);
    assert.equal(breaking.code, 0, breaking.stdout + breaking.stderr);
    assert.match(breaking.stdout, /no breaking changes against main/);
  });

  test("the summary lists the additions and a minor bump", () => {
    const r = run("pr-summary", ["--base", "main"]);
    assert.equal(r.code, 0, r.stderr);
    const md = r.stdout;
    assert.ok(md.startsWith(SUMMARY_MARKER), "starts with the comment marker");
    assert.match(md, /\*\*Implied version bump: minor\*\*/);
    assert.match(md, /\| `acme\.shipping\.v1` \| `@acme\/shipping\/v1` \| stable \|/);
    assert.match(md, /### Added \(\d+\)/);
    assert.match(md, /- service `acme\.shipping\.v1\.ShipmentService`/);
    assert.match(
      md,
      /- method `acme\.shipping\.v1\.ShipmentService\.GetShipment` — `\(acme\.shipping\.v1\.GetShipmentRequest\) returns \(acme\.shipping\.v1\.GetShipmentResponse\)`/,
    );
    assert.match(md, /- message `acme\.shipping\.v1\.Shipment`/);
    assert.match(md, /- field `acme\.shipping\.v1\.Shipment\.display_name` — `string display_name = 2`/);
    assert.doesNotMatch(md, /### Removed/);
    assert.doesNotMatch(md, /acme\.payments/, "untouched packages are not listed");
    assert.match(md, /### Breaking changes\n\nNone\./);
  });
});

describe("a PR that deletes a field", () => {
  let line = 0;
  before(() => {
    branch("delete-field");
    const text = repo.read(PAYMENTS);
    line = text.split("\n").findIndex((l) => l.includes("string statement_descriptor = 15")) + 1;
    assert.ok(line > 0);
    repo.edit(
      PAYMENTS,
      /\n {2}\/\/ The text on the customer's statement, at most 22 characters\.\n {2}string statement_descriptor = 15[^;]*;/,
      "",
    );
    repo.commit("feat(payments): drop statement_descriptor");
  });

  test("fails the breaking check with GitHub annotations", () => {
    const r = run("breaking", ["--against", "main", "--error-format", "github-actions"]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const annotations = r.stdout.split("\n").filter((l) => l.startsWith("::"));
    assert.ok(annotations.length >= 1);
    assert.match(
      annotations.join("\n"),
      /^::error file=proto\/acme\/payments\/v1\/payments\.proto,line=\d+,col=\d+,title=buf breaking FIELD_NO_DELETE::Previously present field "15" with name "statement_descriptor" on message "Payment" was deleted/m,
    );
    assert.match(r.stderr, /breaking-change-approved/, "says how to approve");
  });

  test("the summary says major and lists the removal and the finding", () => {
    const r = run("pr-summary", ["--base", "main"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\*\*Implied version bump: major\*\*/);
    assert.match(
      r.stdout,
      /### Removed \(1\)\n\n- field `acme\.payments\.v1\.Payment\.statement_descriptor` — `string statement_descriptor = 15`/,
    );
    assert.match(r.stdout, /### Breaking changes \(1\)/);
    assert.match(r.stdout, /\*\*Not approved: the breaking check fails\.\*\*/);
    assert.match(r.stdout, /\| `proto\/acme\/payments\/v1\/payments\.proto:\d+` \| FIELD_NO_DELETE \|/);
  });

  describe("the same PR, approved", () => {
    test("by the label breaking-change-approved: passes with warnings", () => {
      const event = prEvent({ labels: ["documentation", "breaking-change-approved"] });
      const r = run("breaking", ["--against", "main", "--error-format", "github-actions"], {
        GITHUB_EVENT_PATH: event,
      });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(
        r.stdout,
        /^::warning file=proto\/acme\/payments\/v1\/payments\.proto,line=\d+,col=\d+,title=buf breaking FIELD_NO_DELETE::/m,
      );
      assert.doesNotMatch(r.stdout, /^::error/m);
      assert.match(r.stderr, /approved because the PR has the label breaking-change-approved/);
      const summary = run("pr-summary", ["--base", "main"], { GITHUB_EVENT_PATH: event });
      assert.match(summary.stdout, /Approved: the PR has the label breaking-change-approved/);
      assert.match(summary.stdout, /\*\*Implied version bump: major\*\*/);
    });

    test("by a BREAKING CHANGE: line in the PR body (CRLF, as GitHub sends it): passes with warnings", () => {
      const event = prEvent({
        body: "Drops the old descriptor.\r\n\r\nBREAKING CHANGE: statement_descriptor is gone; use the card's.\r\n",
      });
      const r = run("breaking", ["--against", "main", "--error-format", "github-actions"], {
        GITHUB_EVENT_PATH: event,
      });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^::warning file=proto\/acme\/payments\/v1\/payments\.proto/m);
      assert.match(r.stderr, /a BREAKING CHANGE: line/);
    });

    test("not by a mention mid-sentence, nor by the PR template's hint (more cases in breaking-approval.test.ts)", () => {
      const template = readFileSync(join(repoRoot, ".github/pull_request_template.md"), "utf8");
      for (const pr of [{ body: "This PR has no BREAKING CHANGE: at all, promise." }, { body: template }]) {
        const r = run("breaking", ["--against", "main", "--error-format", "github-actions"], {
          GITHUB_EVENT_PATH: prEvent(pr),
        });
        assert.equal(r.code, 1, JSON.stringify(pr));
        assert.match(r.stdout, /^::error /m);
      }
    });

    test("locally by --approved, in text format", () => {
      const r = run("breaking", ["--against", "main", "--approved"]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(
        r.stdout,
        /^warning: proto\/acme\/payments\/v1\/payments\.proto:\d+:\d+: Previously present field "15"/m,
      );
    });
  });
});

describe("a PR that changes a v1alpha1 package", () => {
  before(() => {
    branch("lab-change");
    // A deletion and a type change: both breaking in a stable package.
    repo.edit(LAB, /\n {2}\/\/ How many runs\.\n {2}int32 runs = 2;/, "");
    repo.edit(LAB, "string id = 1;", "int64 id = 1;");
    repo.commit("feat(lab): reshape experiments");
  });

  test("gets no breaking failure", () => {
    const r = run("breaking", ["--against", "main", "--error-format", "github-actions"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout, /^::(error|warning)/m);
  });

  test("the summary marks the package unstable and implies no major", () => {
    const r = run("pr-summary", ["--base", "main"]);
    assert.match(
      r.stdout,
      /\| `acme\.lab\.v1alpha1` \| `@acme\/lab\/v1alpha1` \| unstable \(exempt from the breaking check\) \|/,
    );
    assert.match(r.stdout, /- field `acme\.lab\.v1alpha1\.StartExperimentRequest\.runs` — `int32 runs = 2`/);
    assert.match(r.stdout, /\*\*Implied version bump: minor\*\*/);
    assert.match(r.stdout, /### Breaking changes\n\nNone\./);
  });

  test("is still linted", () => {
    repo.edit(LAB, "string name = 1;", "string experimentName = 1;");
    const r = run("lint", ["--error-format", "github-actions"]);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /^::error file=proto\/acme\/lab\/v1alpha1\/lab\.proto,line=\d+,.*"experimentName" should be lower_snake_case/m,
    );
  });
});
