// Builds @looppause/mcp from the root src/ (one source of truth for the tools and their schemas).
// Only the modules the bin loads at run time are written to dist/, and any of them importing a
// package that is not a dependency here (ioredis, Bolt, express…) fails the build.
//
// `prepare` runs this on `npm install` / `npm ci` in a checkout (so that `npx @looppause/mcp` works
// there) and on `npm pack` / `npm publish`: it transpiles the reached modules one by one, in about
// a second (the repository's `npm test` type-checks them with the rest of src/). With
// `--typecheck` (`npm run build:mcp`) it type-checks the whole program the entry reaches first,
// type-only imports included (the service, the stores). Both emit the same JavaScript: the sources
// are written for isolatedModules.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const pkgDir = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const dependencies = new Set(Object.keys(pkg.dependencies));
const builtins = new Set(builtinModules);
const typecheck = process.argv.includes('--typecheck');

const fail = (message) => {
  process.stderr.write(`@looppause/mcp build: ${message}\n`);
  process.exit(1);
};

const configPath = join(pkgDir, 'tsconfig.json');
const { config, error } = ts.readConfigFile(configPath, ts.sys.readFile);
if (error) fail(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
const parsed = ts.parseJsonConfigFileContent(config, ts.sys, pkgDir, undefined, configPath);
if (parsed.errors.length > 0) fail(formatDiagnostics(parsed.errors));
const rootDir = resolve(parsed.options.rootDir);
const outDir = resolve(parsed.options.outDir);
const [entrySource, ...librarySources] = parsed.fileNames.map((f) => resolve(f));
const entry = resolve(outDir, pkg.bin['looppause-mcp'].replace(/^dist\//, ''));
if (entry !== outputOf(entrySource)) fail(`bin ${pkg.bin['looppause-mcp']} is not the output of ${entrySource}`);
// The package's exports (verifyReceipt) are entries too: each must be the output of a file tsconfig lists.
const libraryEntries = librarySources.map(outputOf);
for (const entry of Object.values(pkg.exports ?? {})) {
  const target = typeof entry === 'string' ? entry : entry.default;
  if (!target.endsWith('.js')) continue;
  if (!libraryEntries.includes(resolve(pkgDir, target)))
    fail(`export ${target} is not the output of a file in tsconfig.json`);
}

/** Emitted JavaScript by output path: the whole program's, or each reached module's alone. */
const emitted = typecheck ? emitProgram() : new Map();
const packageName = (specifier) => specifier.split('/', specifier.startsWith('@') ? 2 : 1).join('/');

// Walk the emitted JavaScript's imports from the bin and the exports: these are the modules that actually load.
const reached = new Map([entry, ...libraryEntries].map((file) => [file, [relative(outDir, file)]]));
for (const [file, chain] of reached) {
  if (!typecheck) emitted.set(file, transpile(sourceOf(file), chain));
  const text = emitted.get(file);
  if (text === undefined) fail(`${chain.join(' → ')}: not emitted by tsc`);
  for (const { fileName: specifier } of ts.preProcessFile(text, true, true).importedFiles) {
    if (specifier.startsWith('.')) {
      const target = resolve(dirname(file), specifier);
      if (!reached.has(target)) reached.set(target, [...chain, relative(outDir, target)]);
    } else if (
      !specifier.startsWith('node:') &&
      !builtins.has(specifier) &&
      !dependencies.has(packageName(specifier))
    ) {
      fail(`${chain.join(' → ')} imports ${specifier}, which is not a dependency of ${pkg.name}`);
    }
  }
}

// Each export's types, declared from its source alone (it imports node's types only): `types` in exports.
for (const file of libraryEntries) {
  const source = sourceOf(file);
  const { outputText, diagnostics = [] } = ts.transpileDeclaration(readFileSync(source, 'utf8'), {
    compilerOptions: { ...parsed.options, declaration: true, isolatedDeclarations: true },
    fileName: source,
    reportDiagnostics: true,
  });
  if (diagnostics.length > 0) fail(`\n${formatDiagnostics(diagnostics)}`);
  const declaration = file.replace(/\.js$/, '.d.ts');
  emitted.set(declaration, outputText);
  reached.set(declaration, [relative(outDir, declaration)]);
}

// Only what changed is written, and only files no longer reached are removed: a rebuild from the same
// sources (npm pack, npm publish) leaves a bin that is running meanwhile untouched.
for (const file of listFiles(outDir)) if (!reached.has(file)) rmSync(file);
for (const file of reached.keys()) {
  const text = emitted.get(file);
  if (existsSync(file) && readFileSync(file, 'utf8') === text) continue;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}
process.stderr.write(
  `@looppause/mcp: ${reached.size} modules in ${relative(process.cwd(), outDir) || '.'}` +
    `${typecheck ? ', type-checked' : ' (transpiled; npm run build:mcp type-checks)'}\n`,
);

function emitProgram() {
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const out = new Map();
  const result = program.emit(undefined, (file, text) => out.set(resolve(file), text));
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (diagnostics.length > 0) fail(`\n${formatDiagnostics(diagnostics)}`);
  return out;
}

function transpile(source, chain) {
  let text;
  try {
    text = readFileSync(source, 'utf8');
  } catch {
    fail(`${chain.join(' → ')}: no source ${relative(pkgDir, source)}`);
  }
  const { outputText, diagnostics = [] } = ts.transpileModule(text, {
    // Alone, a file cannot see the package.json that makes NodeNext emit ES modules: say so.
    compilerOptions: {
      ...parsed.options,
      module: ts.ModuleKind.ES2022,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
    },
    fileName: source,
    reportDiagnostics: true,
  });
  if (diagnostics.length > 0) fail(`\n${formatDiagnostics(diagnostics)}`);
  return outputText;
}

function listFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => join(entry.parentPath, entry.name));
}

function outputOf(source) {
  return join(outDir, relative(rootDir, source)).replace(/\.ts$/, '.js');
}

function sourceOf(output) {
  return join(rootDir, relative(outDir, output)).replace(/\.js$/, '.ts');
}

function formatDiagnostics(diagnostics) {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => pkgDir,
    getNewLine: () => '\n',
  });
}
