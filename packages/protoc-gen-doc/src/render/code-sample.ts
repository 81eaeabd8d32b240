import type { Service } from "../model.js";

export interface NpmPackage {
  /** npm package name, e.g. @acme/greeter. */
  npm: string;
  /** Export subpath of this proto package in it: "./v1", or "." for the root. */
  subpath: string;
}

/** The specifier to import a proto package's generated code from, e.g. @acme/greeter/v1. */
export function importSpecifier(p: NpmPackage): string {
  return p.subpath === "." ? p.npm : `${p.npm}/${p.subpath.replace(/^\.\//, "")}`;
}

export function installSnippet(p: NpmPackage, version: string | undefined): string {
  const at = version && version !== "0.0.0-development" ? `@${version}` : "";
  return `npm install ${p.npm}${at} @bufbuild/protobuf @connectrpc/connect @connectrpc/connect-web`;
}

// Connect-ES names a method's client function in lowerCamelCase.
const localName = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

/** A client example for one service: create a client, call its first unary (or server-streaming) method. */
export function clientSample(p: NpmPackage, service: Service): string {
  const spec = importSpecifier(p);
  const method =
    service.methods.find((m) => !m.requestStreaming && !m.responseStreaming) ??
    service.methods.find((m) => !m.requestStreaming) ??
    service.methods[0];
  const lines = [
    `import { createClient } from "@connectrpc/connect";`,
    `import { createConnectTransport } from "@connectrpc/connect-web";`,
    `import { ${service.name} } from "${spec}";`,
    "",
    `const transport = createConnectTransport({ baseUrl: "https://api.example.com" });`,
    `const client = createClient(${service.name}, transport);`,
    "",
  ];
  if (!method) return lines.join("\n");
  const call = `client.${localName(method.name)}`;
  if (method.requestStreaming) {
    lines.push(
      `// ${method.name} takes a stream of ${method.requestType}: send from an async iterable.`,
      `async function* requests() {`,
      `  yield {};`,
      `}`,
      method.responseStreaming
        ? `for await (const res of ${call}(requests())) {\n  console.log(res);\n}`
        : `const res = await ${call}(requests());\nconsole.log(res);`,
    );
  } else if (method.responseStreaming) {
    lines.push(`for await (const res of ${call}({})) {`, `  console.log(res);`, `}`);
  } else {
    lines.push(`const res = await ${call}({});`, `console.log(res);`);
  }
  return lines.join("\n");
}

/** For a package without services: build one of its messages. */
export function messageSample(p: NpmPackage, messageName: string): string {
  return [
    `import { create, toJson } from "@bufbuild/protobuf";`,
    `import { ${messageName}Schema } from "${importSpecifier(p)}";`,
    "",
    `const msg = create(${messageName}Schema, {});`,
    `console.log(toJson(${messageName}Schema, msg));`,
  ].join("\n");
}
