// Builds @looppause/mcp from the root src/ (one source of truth for the tools and their schemas).
// tsc emits every module the entry reaches, type-only imports included (the service, the stores);
// only the modules the bin loads at run time are written to dist/, and any of them importing a
// package that is not a dependency here (ioredis, Bolt, express…) fails the build.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const pkgDir = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const dependencies = new Set(Object.keys(pkg.dependencies));
const builtins = new Set(builtinModules);

const fail = (message) => {
  process.stderr.write(`@looppause/mcp build: ${message}\n`);
  process.exit(1);
};

const configPath = join(pkgDir, 'tsconfig.json');
const { config, error } = ts.readConfigFile(configPath, ts.sys.readFile);
if (error) fail(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
const parsed = ts.parseJsonConfigFileContent(config, ts.sys, pkgDir, undefined, configPath);
const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
const emitted = new Map();
const result = program.emit(undefined, (file, text) => emitted.set(resolve(file), text));
const diagnostics = [...parsed.errors, ...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
if (diagnostics.length > 0) {
  fail(
    `\n${ts.formatDiagnostics(diagnostics, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => pkgDir,
      getNewLine: () => '\n',
    })}`,
  );
}

const outDir = resolve(parsed.options.outDir);
const entry = resolve(outDir, pkg.bin['looppause-mcp'].replace(/^dist\//, ''));
const packageName = (specifier) => specifier.split('/', specifier.startsWith('@') ? 2 : 1).join('/');

// Walk the emitted JavaScript's imports from the bin: these are the modules that actually load.
const reached = new Map([[entry, [relative(outDir, entry)]]]);
for (const [file, chain] of reached) {
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

rmSync(outDir, { recursive: true, force: true });
for (const file of reached.keys()) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, emitted.get(file));
}
process.stderr.write(`@looppause/mcp: ${reached.size} modules in ${relative(process.cwd(), outDir) || '.'}\n`);
