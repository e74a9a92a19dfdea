// Module hooks for running the conformance CLI on Node 20 (see node20-fs-shim.mjs).
const shim = new URL('./node20-fs-shim.mjs', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'fs' && context.parentURL?.includes('/@modelcontextprotocol/conformance/'))
    return { url: shim, shortCircuit: true };
  return nextResolve(specifier, context);
}
