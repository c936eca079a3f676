#!/usr/bin/env node
// The `sib` command. The project pins Node 24 (the `node` devDependency), which
// runs the TypeScript sources directly (type stripping): no build step.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `error: sib needs Node 24 (this is ${process.version}); run it through the project: npx sib … or npm run sib -- …`,
  );
  process.exit(1);
}
await import('../main.ts');
