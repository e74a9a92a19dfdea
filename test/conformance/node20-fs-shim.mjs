// The conformance CLI imports fs.globSync (Node 22) for a command these tests never run. On Node 20
// its `fs` import is resolved to this module: node:fs as it is, and a globSync that says why it fails.
export * from 'node:fs';
export { default } from 'node:fs';
export function globSync() {
  throw new Error('fs.globSync needs Node 22; the conformance server scenarios do not use it');
}
