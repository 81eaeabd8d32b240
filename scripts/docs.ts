// npm run docs: placeholder stage until the docs issue lands (protoc-gen-doc + site).
console.log("docs: no site yet (the protoc-gen-doc plugin and site land with the docs issue)");
